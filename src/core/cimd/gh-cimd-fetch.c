/* gh-cimd-fetch.c — one SSRF-proof fetch of a document or JWK Set, shared by its callers
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cimd"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "gh-cimd-policy.h"
#include "gh-cimd-resolver-private.h"
#include "gh-pinned-address.h"
#include "gh-time.h"

#define USER_AGENT "Gatehouse/" PACKAGE_VERSION " (Client ID Metadata Document fetcher)"

static void flight_start (GhCimdFlight *flight);

static void
flight_free (GhCimdFlight *flight)
{
  g_assert (flight->deadline_id == 0);
  g_clear_object (&flight->resolver);
  g_free (flight->key);
  g_free (flight->project_slug);
  g_clear_pointer (&flight->settings, gh_project_settings_free);
  g_free (flight->url);
  g_free (flight->scheme);
  g_free (flight->host);
  g_clear_pointer (&flight->report, gh_cimd_report_unref);
  g_clear_pointer (&flight->jwks, json_object_unref);
  g_clear_pointer (&flight->waiters, g_ptr_array_unref);
  g_clear_pointer (&flight->cached, _gh_cimd_cache_entry_free);
  g_clear_object (&flight->cancellable);
  g_clear_pointer (&flight->addresses, g_ptr_array_unref);
  g_clear_object (&flight->stream);
  g_clear_object (&flight->message);
  g_clear_object (&flight->session);
  g_clear_pointer (&flight->body, g_byte_array_unref);
  g_free (flight->deferred_id);
  g_free (flight->deferred_actual);
  g_free (flight->deferred_message);
  g_free (flight);
}

/* --- a flight's end: the report's network section, every waiter answered ------------------ */

static void
add_headers_to (JsonObject         *section,
                const char         *member,
                SoupMessageHeaders *headers)
{
  JsonObject *object = json_object_new ();
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_autofree char *key = g_ascii_strdown (name, -1);

      if (json_object_has_member (object, key))
        {
          g_autofree char *joined = g_strconcat (json_object_get_string_member (object, key),
                                                 ", ", value, NULL);
          json_object_set_string_member (object, key, joined);
        }
      else
        json_object_set_string_member (object, key, value);
    }
  json_object_set_object_member (section, member, object);
}

static gint64
span_ms (gint64 from,
         gint64 to)
{
  return from > 0 && to >= from ? (to - from) / 1000 : -1;
}

/* What a body looks like, in a few words. */
static const char *
sniff_body (const guint8 *data,
            gsize         len)
{
  gsize i = 0;

  while (i < len && g_ascii_isspace (data[i]))
    i++;
  if (i == len)
    return len == 0 ? "empty" : "blank";
  if (g_ascii_strncasecmp ((const char *) data + i, "<!doctype html", MIN (len - i, 14)) == 0 ||
      g_ascii_strncasecmp ((const char *) data + i, "<html", MIN (len - i, 5)) == 0)
    return "HTML page";
  if (data[i] == '<')
    return "XML or HTML markup";
  if (data[i] == '{')
    return "JSON object";
  if (data[i] == '[')
    return "JSON array";
  if (!g_utf8_validate_len ((const char *) data, MIN (len, GH_CIMD_EXCERPT_BYTES), NULL) &&
      memchr (data, '\0', MIN (len, GH_CIMD_EXCERPT_BYTES)) != NULL)
    return "binary data";
  return "text";
}

/* The first bytes of the body (valid UTF-8), what they look like, and how many there were. */
static void
add_excerpt (JsonObject *network,
             GByteArray *body)
{
  gsize shown = MIN (body->len, GH_CIMD_EXCERPT_BYTES);
  g_autofree char *excerpt = shown > 0 ? g_utf8_make_valid ((const char *) body->data, shown)
                                         : g_strdup ("");

  json_object_set_string_member (network, "body_excerpt", excerpt);
  json_object_set_boolean_member (network, "body_excerpt_truncated", body->len > shown);
  json_object_set_string_member (network, "body_sniff", sniff_body (body->data, body->len));
}

static void
fill_network (GhCimdFlight *flight)
{
  JsonObject *network = gh_cimd_report_get_network (flight->report);
  JsonObject *timings = json_object_new ();
  gint64 end = g_get_monotonic_time ();

  json_object_set_int_member (timings, "dns", span_ms (flight->t_start, flight->t_dns));
  json_object_set_int_member (timings, "connect",
                              span_ms (flight->t_connect_start, flight->t_connect));
  json_object_set_int_member (timings, "tls", span_ms (flight->t_tls_start, flight->t_tls));
  json_object_set_int_member (timings, "first_byte",
                              span_ms (flight->t_send, flight->t_first_byte));
  json_object_set_int_member (timings, "body",
                              span_ms (flight->t_first_byte, flight->t_body_end));
  json_object_set_int_member (timings, "total", span_ms (flight->t_start, end));
  json_object_set_object_member (network, "timings_ms", timings);

  if (flight->message != NULL)
    {
      add_headers_to (network, "request_headers",
                      soup_message_get_request_headers (flight->message));
      if (soup_message_get_status (flight->message) != 0)
        {
          json_object_set_int_member (network, "status",
                                      soup_message_get_status (flight->message));
          add_headers_to (network, "response_headers",
                          soup_message_get_response_headers (flight->message));
        }
    }
  if (flight->body != NULL)
    {
      json_object_set_int_member (network, "size", flight->body->len);
      json_object_set_int_member (network, "max_bytes", flight->max_bytes);
      add_excerpt (network, flight->body);
    }
}

static void
flight_finish (GhCimdFlight *flight,
               const GError *internal_error)
{
  GhCimdResolver *self = flight->resolver;

  g_clear_handle_id (&flight->deadline_id, gh_source_remove_here);
  fill_network (flight);

  /* Abort before dropping the body stream: closing it would otherwise read the rest of an
   * endless body. */
  g_cancellable_cancel (flight->cancellable);
  if (flight->session != NULL)
    soup_session_abort (flight->session);
  g_clear_object (&flight->stream);

  if (gh_cimd_report_get_verdict (flight->report) == GH_CIMD_FAIL &&
      gh_cimd_report_get_cache_result (flight->report) == NULL)
    gh_cimd_report_set_cache (flight->report, "miss", 0,
                              "a failed resolution is never cached (a good cached copy, if "
                              "any, is kept)", 0);

  g_hash_table_remove (self->flights, flight->key);
  g_assert (self->active > 0);
  self->active--;

  for (guint i = 0; i < flight->waiters->len; i++)
    if (flight->kind == GH_CIMD_FLIGHT_JWKS)
      _gh_cimd_resolver_complete_jwks_task (g_ptr_array_index (flight->waiters, i),
                                            flight->report, flight->jwks, FALSE, internal_error);
    else
      _gh_cimd_resolver_complete_task (self, g_ptr_array_index (flight->waiters, i),
                                       flight->report, internal_error);

  while (self->active < GH_CIMD_MAX_CONCURRENT_FETCHES && !g_queue_is_empty (&self->pending))
    flight_start (g_queue_pop_head (&self->pending));

  flight_free (flight);
}

static void
fail (GhCimdFlight *flight,
      const char   *id,
      const char   *format,
      ...) G_GNUC_PRINTF (3, 4);

static void
fail (GhCimdFlight *flight,
      const char   *id,
      const char   *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  gh_cimd_report_add_check (flight->report, id, GH_CIMD_FAIL, "%s", message);
  flight_finish (flight, NULL);
}

/* A FAIL that says what was seen (@actual) against the rule's expectation. */
static void
fail_compared (GhCimdFlight *flight,
               const char   *id,
               const char   *actual,
               const char   *message)
{
  gh_cimd_report_add_check (flight->report, id, GH_CIMD_FAIL, "%s", message);
  gh_cimd_report_set_compared (flight->report, NULL, actual);
  flight_finish (flight, NULL);
}

static const char *
flight_noun (GhCimdFlight *flight)
{
  return flight->kind == GH_CIMD_FLIGHT_JWKS ? "JWK Set" : "document";
}

/* A failed network step: the deadline, a refused peer, TLS, or anything else. */
static void
fail_network (GhCimdFlight *flight,
              const char   *step,
              const GError *error)
{
  if (flight->peer_refused)
    flight_finish (flight, NULL);
  else if (flight->timed_out)
    fail (flight, "fetch.deadline",
          "No complete answer within cimd_timeout_ms = %" G_GINT64_FORMAT " ms (DNS, connect, "
          "TLS and body together; stopped while %s)", flight->settings->cimd_timeout_ms, step);
  else if (error->domain == G_TLS_ERROR)
    fail (flight, "fetch.tls",
          "TLS with “%s” failed: %s (the certificate must be valid for that host name)",
          flight->host, error->message);
  else
    fail (flight, "fetch.network", "Fetching the %s failed while %s: %s", flight_noun (flight),
          step, error->message);
}

/* --- the fetch ---------------------------------------------------------------------------- */

static gboolean
on_deadline (gpointer user_data)
{
  GhCimdFlight *flight = user_data;

  flight->deadline_id = 0;
  flight->timed_out = TRUE;
  g_cancellable_cancel (flight->cancellable);
  return G_SOURCE_REMOVE;
}

static gboolean
address_is_checked (GhCimdFlight *flight,
                    GInetAddress *address)
{
  for (guint i = 0; i < flight->addresses->len; i++)
    if (g_inet_address_equal (g_ptr_array_index (flight->addresses, i), address))
      return TRUE;
  return FALSE;
}

/* Marks @address "connected" in the network section's "addresses". */
static void
mark_connected (GhCimdFlight *flight,
                GInetAddress *address)
{
  JsonObject *network = gh_cimd_report_get_network (flight->report);
  g_autofree char *text = g_inet_address_to_string (address);
  JsonArray *addresses;

  if (!json_object_has_member (network, "addresses"))
    return;
  addresses = json_object_get_array_member (network, "addresses");
  for (guint i = 0; i < json_array_get_length (addresses); i++)
    {
      JsonObject *entry = json_array_get_object_element (addresses, i);

      if (g_str_equal (json_object_get_string_member (entry, "address"), text))
        json_object_set_boolean_member (entry, "connected", TRUE);
    }
}

static void
on_network_event (SoupMessage        *message,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  gpointer            user_data)
{
  GhCimdFlight *flight = user_data;

  switch (event)
    {
    case G_SOCKET_CLIENT_CONNECTING:
      if (flight->t_connect_start == 0)
        flight->t_connect_start = g_get_monotonic_time ();
      break;

    case G_SOCKET_CLIENT_CONNECTED:
      {
        g_autoptr(GSocketAddress) remote = NULL;
        g_autofree char *text = NULL;
        GInetAddress *address = NULL;
        gboolean loopback = FALSE;
        const char *reason = NULL;

        flight->t_connect = g_get_monotonic_time ();
        if (G_IS_SOCKET_CONNECTION (connection))
          remote = g_socket_connection_get_remote_address (G_SOCKET_CONNECTION (connection),
                                                           NULL);
        if (G_IS_INET_SOCKET_ADDRESS (remote))
          {
            address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
            text = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (remote));
            json_object_set_string_member (gh_cimd_report_get_network (flight->report),
                                           "connected_address", text);
            mark_connected (flight, address);
            reason = gh_cimd_address_special_reason (address, &loopback);
          }

        /* Before a byte is sent: the peer must be an address we checked, and still pass. */
        if (address == NULL || !address_is_checked (flight, address) ||
            (reason != NULL && !(loopback && flight->settings->allow_loopback_cimd)))
          {
            flight->peer_refused = TRUE;
            gh_cimd_report_add_check (flight->report, "network.peer", GH_CIMD_FAIL,
                                      "The connection went to %s, which is not an address "
                                      "checked for “%s”%s%s; closed before sending anything",
                                      text != NULL ? text : "an unknown peer", flight->host,
                                      reason != NULL ? ": " : "", reason != NULL ? reason : "");
            g_cancellable_cancel (flight->cancellable);
          }
        else
          gh_cimd_report_add_check (flight->report, "network.peer", GH_CIMD_PASS,
                                    "Connected to the checked address %s", text);
        break;
      }

    case G_SOCKET_CLIENT_TLS_HANDSHAKING:
      flight->t_tls_start = g_get_monotonic_time ();
      break;

    case G_SOCKET_CLIENT_TLS_HANDSHAKED:
      flight->t_tls = g_get_monotonic_time ();
      break;

    default:
      break;
    }
}

static void
finish_document (GhCimdFlight *flight)
{
  g_autoptr(JsonObject) metadata = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *why = NULL;
  g_autofree char *text = NULL;
  gboolean no_store;
  gint64 ttl;

  metadata = gh_cimd_check_document ((const char *) flight->body->data, flight->body->len,
                                     flight->url, flight->settings, flight->report);
  if (metadata == NULL)
    {
      flight_finish (flight, NULL);
      return;
    }

  ttl = _gh_cimd_cache_compute_ttl (soup_message_get_response_headers (flight->message),
                                    flight->settings, &no_store, &why);
  gh_cimd_report_set_cache_validators (flight->report, gh_now_seconds (),
                                       soup_message_headers_get_one (
                                         soup_message_get_response_headers (flight->message),
                                         "ETag"),
                                       soup_message_headers_get_one (
                                         soup_message_get_response_headers (flight->message),
                                         "Last-Modified"));
  if (flight->flags & GH_CIMD_RESOLVE_PREVIEW)
    {
      g_autofree char *preview_why = g_strdup_printf ("%s; a preview stores nothing", why);

      gh_cimd_report_set_cache (flight->report,
                                (flight->flags & GH_CIMD_RESOLVE_FORCE_REFRESH) ? "bypassed" :
                                "miss", ttl, preview_why, no_store ? 0 : gh_now_seconds () + ttl);
      flight_finish (flight, NULL);
      return;
    }
  text = g_strndup ((const char *) flight->body->data, flight->body->len);
  /* A no-store document is still written down, marked so it is never served from the cache:
   * /token must see the document /authorize just used, and a later change must be noticed. */
  if (!_gh_cimd_cache_save_document (flight, text,
                                     gh_cimd_report_get_raw_document (flight->report), metadata,
                                     ttl, why, no_store, &error))
    {
      flight_finish (flight, error);
      return;
    }
  gh_cimd_report_set_cache (flight->report,
                            (flight->flags & GH_CIMD_RESOLVE_FORCE_REFRESH) ? "bypassed" :
                            (flight->cached != NULL && flight->cached->no_store) ? "bypassed" :
                            "miss",
                            ttl, why, gh_now_seconds () + ttl);
  flight_finish (flight, NULL);
}

/* The body of a JWK Set: public keys only, kept in memory for as long as the headers allow. */
static void
finish_jwks (GhCimdFlight *flight)
{
  GhCimdResolver *self = flight->resolver;
  g_autofree char *why = NULL;
  gboolean no_store;
  gint64 ttl;

  flight->jwks = gh_cimd_check_jwks ((const char *) flight->body->data, flight->body->len,
                                     flight->report);
  if (flight->jwks == NULL)
    {
      flight_finish (flight, NULL);
      return;
    }

  ttl = _gh_cimd_cache_compute_ttl (soup_message_get_response_headers (flight->message),
                                    flight->settings, &no_store, &why);
  if (no_store)
    g_hash_table_remove (self->jwks_cache, flight->key);
  else
    _gh_cimd_cache_put_jwks (self, flight->key, flight->jwks, ttl,
                             (flight->flags & GH_CIMD_RESOLVE_FORCE_REFRESH) != 0);
  gh_cimd_report_set_cache (flight->report,
                            (flight->flags & GH_CIMD_RESOLVE_FORCE_REFRESH) ? "bypassed" : "miss",
                            ttl, why, no_store ? 0 : gh_now_seconds () + ttl);
  flight_finish (flight, NULL);
}

static void read_next (GhCimdFlight *flight);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GhCimdFlight *flight = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  flight->t_body_end = g_get_monotonic_time ();
  /* A preview's refused answer: its first bytes are read, whatever comes of that. */
  if (flight->deferred_id != NULL &&
      (bytes == NULL || g_bytes_get_size (bytes) == 0 ||
       flight->body->len + g_bytes_get_size (bytes) >= GH_CIMD_EXCERPT_BYTES))
    {
      if (bytes != NULL)
        g_byte_array_append (flight->body, g_bytes_get_data (bytes, NULL),
                             g_bytes_get_size (bytes));
      fail_compared (flight, flight->deferred_id, flight->deferred_actual,
                     flight->deferred_message);
      return;
    }
  if (bytes == NULL)
    {
      fail_network (flight, "reading the body", error);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      if (flight->kind == GH_CIMD_FLIGHT_JWKS)
        finish_jwks (flight);
      else
        finish_document (flight);
      return;
    }
  g_byte_array_append (flight->body, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (flight->body->len > (guint) flight->max_bytes)
    {
      if (flight->kind == GH_CIMD_FLIGHT_JWKS)
        fail (flight, "body.size",
              "The JWK Set is larger than %" G_GINT64_FORMAT " bytes (cimd_max_bytes, at least "
              "%d for a JWK Set); reading stopped there", flight->max_bytes,
              GH_CIMD_JWKS_MIN_MAX_BYTES);
      else
        fail (flight, "body.size",
              "The document is larger than cimd_max_bytes = %" G_GINT64_FORMAT " bytes; reading "
              "stopped there", flight->settings->cimd_max_bytes);
      return;
    }
  read_next (flight);
}

static void
read_next (GhCimdFlight *flight)
{
  gsize want = MIN (8192, (gsize) flight->max_bytes + 1 - flight->body->len);

  if (flight->deferred_id != NULL)
    want = GH_CIMD_EXCERPT_BYTES - flight->body->len;

  g_input_stream_read_bytes_async (flight->stream, want, G_PRIORITY_DEFAULT, flight->cancellable,
                                   on_read, flight);
}

static gboolean
is_json_media_type (const char *type)
{
  return type != NULL && (g_ascii_strcasecmp (type, "application/json") == 0 ||
                          (g_str_has_prefix (type, "application/") &&
                           g_str_has_suffix (type, "+json")));
}

static void
revalidated (GhCimdFlight *flight)
{
  g_autoptr(JsonObject) metadata = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *why = NULL;
  g_autofree char *full_why = NULL;
  gboolean no_store;
  gint64 ttl;

  gh_cimd_report_add_check (flight->report, "http.status", GH_CIMD_PASS,
                            "304 Not Modified: the cached document is still current");
  /* The project's rules may have changed since the document was cached. */
  metadata = gh_cimd_check_document (flight->cached->document, strlen (flight->cached->document),
                                     flight->url, flight->settings, flight->report);
  if (metadata == NULL)
    {
      flight_finish (flight, NULL);
      return;
    }
  ttl = _gh_cimd_cache_compute_ttl (soup_message_get_response_headers (flight->message),
                                    flight->settings, &no_store, &why);
  full_why = g_strdup_printf ("revalidated with a 304: %s%s", why,
                              (flight->flags & GH_CIMD_RESOLVE_PREVIEW) ?
                              "; a preview stores nothing" : "");
  gh_cimd_report_set_cache_validators (flight->report, flight->cached->fetched_at,
                                       flight->cached->etag, flight->cached->last_modified);
  if (!(flight->flags & GH_CIMD_RESOLVE_PREVIEW) &&
      !_gh_cimd_cache_refresh (flight, ttl, why, no_store, &error))
    {
      flight_finish (flight, error);
      return;
    }
  gh_cimd_report_set_cache (flight->report, "revalidated", ttl, full_why, gh_now_seconds () + ttl);
  flight_finish (flight, NULL);
}

/* Refuses the answer (@message): at once, or for a preview once the body's first bytes are
 * read for the report's excerpt (an HTML error page says more than its status). */
static void
refuse_answer (GhCimdFlight *flight,
               const char   *id,
               const char   *actual,
               char         *message)
{
  if (!(flight->flags & GH_CIMD_RESOLVE_PREVIEW))
    {
      fail_compared (flight, id, actual, message);
      g_free (message);
      return;
    }
  flight->deferred_id = g_strdup (id);
  flight->deferred_actual = g_strdup (actual);
  flight->deferred_message = message;
  flight->body = g_byte_array_new ();
  read_next (flight);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GhCimdFlight *flight = user_data;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  const char *content_type;
  guint status;

  flight->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  flight->t_first_byte = g_get_monotonic_time ();
  if (flight->stream == NULL)
    {
      fail_network (flight, "connecting and sending the request", error);
      return;
    }

  status = soup_message_get_status (flight->message);
  headers = soup_message_get_response_headers (flight->message);
  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (content_type != NULL)
    json_object_set_string_member (gh_cimd_report_get_network (flight->report), "content_type",
                                   content_type);

  if (status == SOUP_STATUS_NOT_MODIFIED && flight->conditional)
    {
      revalidated (flight);
      return;
    }
  if (status >= 300 && status < 400)
    {
      const char *location = soup_message_headers_get_one (headers, "Location");

      g_autofree char *actual = g_strdup_printf ("%u, Location: %s", status,
                                                 location != NULL ? location : "(none)");

      refuse_answer (flight, "http.redirect", actual,
                     g_strdup_printf ("The server answered %u with Location: %s; redirects are "
                                      "never followed, so serve the %s at the %s itself", status,
                                      location != NULL ? location : "(none)",
                                      flight_noun (flight),
                                      flight->kind == GH_CIMD_FLIGHT_JWKS ? "jwks_uri" :
                                      "client_id URL"));
      return;
    }
  if (status != SOUP_STATUS_OK)
    {
      g_autofree char *actual = g_strdup_printf ("%u %s", status,
                                                 soup_message_get_reason_phrase (flight->message));

      refuse_answer (flight, "http.status", actual,
                     g_strdup_printf ("The server answered %s; only 200 is accepted", actual));
      return;
    }
  gh_cimd_report_add_check (flight->report, "http.status", GH_CIMD_PASS, "200 OK");

  if (!is_json_media_type (content_type))
    {
      if (content_type != NULL && g_ascii_strcasecmp (content_type, "text/plain") == 0)
        refuse_answer (flight, "http.content_type", content_type,
                       g_strdup ("The Content-Type is text/plain, not application/json; raw "
                                 "file hosts (such as raw.githubusercontent.com or a gist) serve "
                                 "text/plain, so host the document where you can set "
                                 "application/json"));
      else
        refuse_answer (flight, "http.content_type",
                       content_type != NULL ? content_type : "(none)",
                       g_strdup_printf ("The Content-Type is %s, not application/json or a "
                                        "+json type",
                                        content_type != NULL ? content_type : "missing"));
      return;
    }
  gh_cimd_report_add_check (flight->report, "http.content_type", GH_CIMD_PASS,
                            "The Content-Type is %s", content_type);

  flight->body = g_byte_array_new ();
  read_next (flight);
}

static void
send_request (GhCimdFlight *flight)
{
  GhCimdResolver *self = flight->resolver;
  g_autoptr(GSocketConnectable) pinned = NULL;
  SoupMessageHeaders *headers;

  pinned = gh_pinned_address_new (flight->host, flight->port, flight->scheme,
                                  flight->addresses);
  flight->session = g_object_new (SOUP_TYPE_SESSION,
                                  "remote-connectable", pinned,
                                  "proxy-resolver", NULL,
                                  "user-agent", USER_AGENT,
                                  "max-conns", 1,
                                  "max-conns-per-host", 1,
                                  NULL);
  if (self->tls_database != NULL)
    soup_session_set_tls_database (flight->session, self->tls_database);

  flight->message = soup_message_new ("GET", flight->url);
  if (flight->message == NULL)
    {
      fail (flight, "url.syntax", "libsoup cannot send a request to “%s”", flight->url);
      return;
    }
  soup_message_add_flags (flight->message, SOUP_MESSAGE_NO_REDIRECT | SOUP_MESSAGE_NEW_CONNECTION);
  headers = soup_message_get_request_headers (flight->message);
  soup_message_headers_replace (headers, "Accept",
                                flight->kind == GH_CIMD_FLIGHT_JWKS ?
                                "application/jwk-set+json, application/json" : "application/json");

  /* Revalidate a stale copy, unless the caller asked for a fresh one. */
  if (flight->cached != NULL && !flight->cached->no_store &&
      !(flight->flags & GH_CIMD_RESOLVE_FORCE_REFRESH))
    {
      if (flight->cached->etag != NULL)
        soup_message_headers_replace (headers, "If-None-Match", flight->cached->etag);
      if (flight->cached->last_modified != NULL)
        soup_message_headers_replace (headers, "If-Modified-Since",
                                      flight->cached->last_modified);
      flight->conditional = flight->cached->etag != NULL || flight->cached->last_modified != NULL;
    }

  g_signal_connect (flight->message, "network-event", G_CALLBACK (on_network_event), flight);

  self->fetch_count++;
  flight->t_send = g_get_monotonic_time ();
  soup_session_send_async (flight->session, flight->message, G_PRIORITY_DEFAULT,
                           flight->cancellable, on_sent, flight);
}

/* Every address must pass; one special address refuses the host (DNS rebinding and
 * round-robin tricks mix them). */
static void
check_addresses (GhCimdFlight *flight)
{
  JsonArray *resolved = json_array_new ();
  JsonArray *verdicts = json_array_new ();
  g_autoptr(GString) loopbacks = g_string_new (NULL);
  gboolean refused = FALSE;

  for (guint i = 0; i < flight->addresses->len; i++)
    {
      GInetAddress *address = g_ptr_array_index (flight->addresses, i);
      g_autofree char *text = g_inet_address_to_string (address);
      gboolean loopback = FALSE;
      const char *reason = gh_cimd_address_special_reason (address, &loopback);
      JsonObject *verdict = json_object_new ();

      json_array_add_string_element (resolved, text);
      json_object_set_string_member (verdict, "address", text);
      json_object_set_string_member (verdict, "range", reason != NULL ? reason : "public");
      json_object_set_string_member (verdict, "verdict",
                                     reason == NULL ? "allowed" :
                                     loopback && flight->settings->allow_loopback_cimd ?
                                     "allowed (loopback, allow_loopback_cimd is on)" : "refused");
      json_object_set_boolean_member (verdict, "connected", FALSE);
      json_array_add_object_element (verdicts, verdict);
      if (reason != NULL && loopback && flight->settings->allow_loopback_cimd)
        g_string_append_printf (loopbacks, "%s%s", loopbacks->len > 0 ? ", " : "", text);
      else if (reason != NULL && !refused)
        {
          gh_cimd_report_add_check (flight->report, "address.special", GH_CIMD_FAIL,
                                    "“%s” resolves to %s, which is %s; refused before "
                                    "connecting%s", flight->host, text, reason,
                                    loopback ? " (loopback needs allow_loopback_cimd)" : "");
          refused = TRUE;
        }
    }
  json_object_set_array_member (gh_cimd_report_get_network (flight->report),
                                "resolved_addresses", resolved);
  json_object_set_array_member (gh_cimd_report_get_network (flight->report), "addresses",
                                verdicts);

  if (refused)
    {
      flight_finish (flight, NULL);
      return;
    }
  if (loopbacks->len > 0)
    gh_cimd_report_add_check (flight->report, "address.loopback", GH_CIMD_WARN,
                              "Connecting to the loopback address(es) %s, allowed only because "
                              "allow_loopback_cimd is on", loopbacks->str);
  else
    gh_cimd_report_add_check (flight->report, "address.special", GH_CIMD_PASS,
                              "Every address of “%s” is a public one", flight->host);
  send_request (flight);
}

static void
on_resolved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GhCimdFlight *flight = user_data;
  g_autoptr(GError) error = NULL;
  GList *list;

  list = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  flight->t_dns = g_get_monotonic_time ();
  if (list == NULL)
    {
      if (flight->timed_out)
        fail_network (flight, "resolving the host", error);
      else
        fail (flight, "dns.resolve", "“%s” does not resolve: %s", flight->host, error->message);
      return;
    }
  for (const GList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (flight->addresses, g_object_ref (l->data));
  g_resolver_free_addresses (list);
  check_addresses (flight);
}

static void
flight_start (GhCimdFlight *flight)
{
  g_autoptr(GInetAddress) literal = NULL;

  flight->resolver->active++;
  flight->t_start = g_get_monotonic_time ();
  flight->cancellable = g_cancellable_new ();
  flight->deadline_id = gh_timeout_add_here ((guint) flight->settings->cimd_timeout_ms,
                                             on_deadline, flight);
  flight->addresses = g_ptr_array_new_with_free_func (g_object_unref);

  /* An IP literal in any notation is the address itself: resolvers disagree on the odd ones. */
  literal = gh_cimd_parse_ip_literal (flight->host);
  if (literal != NULL)
    {
      g_ptr_array_add (flight->addresses, g_steal_pointer (&literal));
      flight->t_dns = flight->t_start;
      check_addresses (flight);
    }
  else
    {
      g_autoptr(GResolver) resolver = g_resolver_get_default ();

      g_resolver_lookup_by_name_async (resolver, flight->host, flight->cancellable, on_resolved,
                                       flight);
    }
}

/* A new fetch of @url (which passed gh_cimd_check_url()) with its first waiter, started now
 * or queued behind the concurrency limit. Takes @key, @report, @cached (a document's previous
 * good entry, or NULL) and @task. The flight may finish, and be freed, before this returns. */
void
_gh_cimd_flight_launch (GhCimdResolver     *self,
                        GhCimdFlightKind    kind,
                        char               *key,
                        const GhProject    *project,
                        const char         *url,
                        GhCimdResolveFlags  flags,
                        gint64              max_bytes,
                        GhCimdReport       *report,
                        GhCimdCacheEntry   *cached,
                        GTask              *task)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  GhCimdFlight *flight;
  gint port;

  g_assert (uri != NULL); /* gh_cimd_check_url() parsed it */
  flight = g_new0 (GhCimdFlight, 1);
  flight->resolver = g_object_ref (self);
  flight->kind = kind;
  flight->key = key;
  flight->project_id = project->id;
  flight->project_slug = g_strdup (project->slug);
  flight->settings = gh_project_settings_copy (project->settings);
  flight->url = g_strdup (url);
  flight->scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  flight->host = g_strdup (g_uri_get_host (uri));
  port = g_uri_get_port (uri);
  flight->port = port > 0 ? port : g_str_equal (flight->scheme, "http") ? 80 : 443;
  flight->flags = flags;
  flight->max_bytes = max_bytes;
  flight->report = report;
  flight->cached = cached;
  flight->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (flight->waiters, task);
  g_hash_table_insert (self->flights, flight->key, flight);

  if (self->active < GH_CIMD_MAX_CONCURRENT_FETCHES)
    flight_start (flight);
  else
    g_queue_push_tail (&self->pending, flight);
}
