/* gh-cimd-report.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cimd"

#include "config.h"

#include <string.h>

#include "gh-cimd-report.h"
#include "gh-time.h"

#define CIMD "draft-ietf-oauth-client-id-metadata-document"
#define CIMD_ID CIMD ", Client Identifier"
#define CIMD_DOC CIMD ", Client Metadata Document"
#define CIMD_SSRF CIMD ", Security Considerations (SSRF)"

typedef struct
{
  char *id;
  GhCimdStatus status;
  char *message;
  char *expected;
  char *actual;
} Check;

/* What each check looks at: its clause, what it expects, the project setting that decides it,
 * and whether a complete resolution always runs it (@alternative: or that one instead). */
typedef struct
{
  const char *id;
  const char *clause;
  const char *expected;
  const char *setting;
  gboolean always;
  const char *alternative;
} CheckInfo;

static const CheckInfo check_infos[] = {
  { "policy.cimd_enabled", NULL, "cimd_enabled on", "cimd_enabled", FALSE, NULL },
  { "policy.domains", NULL, "a host the domain lists accept", "cimd_allowed_domains", FALSE,
    NULL },
  { "policy.allow_loopback_cimd", NULL, "allow_loopback_cimd on for a loopback host",
    "allow_loopback_cimd", FALSE, NULL },
  { "project.cimd_enabled", NULL, "cimd_enabled on", "cimd_enabled", FALSE, NULL },
  { "url.syntax", CIMD_ID, "an absolute URL of at most 2048 ASCII characters", NULL, TRUE,
    NULL },
  { "url.scheme", CIMD_ID, "https (http only for a loopback host, with allow_loopback_cimd on)",
    "allow_loopback_cimd", TRUE, NULL },
  { "url.userinfo", CIMD_ID, "no user:password@ before the host", NULL, FALSE, NULL },
  { "url.fragment", CIMD_ID, "no #fragment", NULL, FALSE, NULL },
  { "url.host", CIMD_ID, "a DNS name or an IP address", NULL, TRUE, NULL },
  { "url.port", CIMD_ID, "a port other than 0", NULL, FALSE, NULL },
  { "url.path", CIMD_ID, "a path other than /", NULL, TRUE, NULL },
  { "url.dot_segments", CIMD_ID, "no . or .. path segment", NULL, FALSE, NULL },
  { "url.query", CIMD_ID, "no query string (allowed, with a warning)", NULL, FALSE, NULL },
  { "url.domain", NULL, "a host cimd_allowed_domains and cimd_blocked_domains accept",
    "cimd_allowed_domains", FALSE, NULL },
  { "url.address", CIMD_SSRF, "a public address (loopback only with allow_loopback_cimd on)",
    "allow_loopback_cimd", FALSE, NULL },
  { "dns.resolve", NULL, "the host resolves", NULL, FALSE, NULL },
  { "address.special", CIMD_SSRF, "every address of the host is a public one", NULL, TRUE,
    "address.loopback" },
  { "address.loopback", CIMD_SSRF, "loopback addresses only with allow_loopback_cimd on",
    "allow_loopback_cimd", FALSE, NULL },
  { "network.peer", CIMD_SSRF, "the connection goes to a checked address", NULL, TRUE, NULL },
  { "fetch.deadline", NULL, "a complete answer within cimd_timeout_ms", "cimd_timeout_ms", FALSE,
    NULL },
  { "fetch.tls", "RFC 9110 §4.3.4", "a certificate valid for the URL's host", NULL, FALSE, NULL },
  { "fetch.network", NULL, "the fetch completes", NULL, FALSE, NULL },
  { "http.redirect", CIMD_DOC, "no redirect (never followed)", NULL, FALSE, NULL },
  { "http.status", CIMD_DOC, "200", NULL, TRUE, NULL },
  { "http.content_type", CIMD_DOC, "application/json or a +json type", NULL, TRUE, NULL },
  { "body.size", NULL, "at most cimd_max_bytes", "cimd_max_bytes", FALSE, NULL },
  { "document.json", CIMD_DOC, "a strict JSON object", NULL, TRUE, NULL },
  { "document.client_id", CIMD_DOC, "the URL it is served from, byte for byte", NULL, TRUE,
    NULL },
  { "document.redirect_uris", "RFC 7591 §2", "a non-empty array of valid redirect URIs",
    "redirect_schemes", TRUE, NULL },
  { "document.client_name", "RFC 7591 §2", "a non-empty string (optional)", NULL, TRUE, NULL },
  { "document.client_secret", CIMD_DOC, "no client_secret", NULL, FALSE, NULL },
  { "document.token_endpoint_auth_method", CIMD_DOC, "none or private_key_jwt", NULL, TRUE,
    NULL },
  { "document.jwks", CIMD_DOC, "public keys only", NULL, FALSE, NULL },
  { "document.jwks_uri", CIMD_DOC, "a jwks_uri on the client_id's origin", NULL, FALSE, NULL },
  { "document.metadata", "RFC 7591 §2", "metadata Dynamic Client Registration would accept",
    NULL, TRUE, NULL },
  { "jwks.json", "RFC 7517 §5", "a JSON object", NULL, FALSE, NULL },
  { "jwks.keys", "RFC 7517 §5", "at least one public key", NULL, FALSE, NULL },
};

static const CheckInfo *
lookup_info (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (check_infos); i++)
    if (g_str_equal (check_infos[i].id, id))
      return &check_infos[i];
  return NULL;
}

/* url, fetch, document or policy, from the check's name. */
static const char *
check_phase (const char *id)
{
  if (g_str_has_prefix (id, "url."))
    return "url";
  if (g_str_has_prefix (id, "document.") || g_str_has_prefix (id, "jwks."))
    return "document";
  if (g_str_has_prefix (id, "policy.") || g_str_has_prefix (id, "project."))
    return "policy";
  return "fetch";
}

struct _GhCimdReport
{
  gatomicrefcount ref_count;

  char *client_id;
  GArray *checks;              /* Check, in the order they ran */
  JsonObject *document;        /* validated */
  JsonObject *raw_document;    /* as fetched */
  JsonObject *network;
  char *cache_result;
  char *cache_why;
  gint64 cache_ttl_s;
  gint64 cache_expires_at;
  gint64 cache_fetched_at;
  char *cache_etag;
  char *cache_last_modified;
};

G_DEFINE_BOXED_TYPE (GhCimdReport, gh_cimd_report, gh_cimd_report_ref, gh_cimd_report_unref)

static const char * const status_names[] = { "pass", "warn", "fail", "skip" };

const char *
gh_cimd_status_to_string (GhCimdStatus status)
{
  g_return_val_if_fail (status <= GH_CIMD_SKIP, NULL);
  return status_names[status];
}

static void
check_clear (gpointer data)
{
  Check *check = data;

  g_clear_pointer (&check->id, g_free);
  g_clear_pointer (&check->message, g_free);
  g_clear_pointer (&check->expected, g_free);
  g_clear_pointer (&check->actual, g_free);
}

GhCimdReport *
gh_cimd_report_new (const char *client_id_url)
{
  GhCimdReport *self;

  g_return_val_if_fail (client_id_url != NULL, NULL);

  self = g_new0 (GhCimdReport, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->client_id = g_strdup (client_id_url);
  self->checks = g_array_new (FALSE, TRUE, sizeof (Check));
  g_array_set_clear_func (self->checks, check_clear);
  return self;
}

GhCimdReport *
gh_cimd_report_ref (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
gh_cimd_report_unref (GhCimdReport *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_clear_pointer (&self->client_id, g_free);
  g_clear_pointer (&self->checks, g_array_unref);
  g_clear_pointer (&self->document, json_object_unref);
  g_clear_pointer (&self->raw_document, json_object_unref);
  g_clear_pointer (&self->network, json_object_unref);
  g_clear_pointer (&self->cache_result, g_free);
  g_clear_pointer (&self->cache_why, g_free);
  g_clear_pointer (&self->cache_etag, g_free);
  g_clear_pointer (&self->cache_last_modified, g_free);
  g_free (self);
}

void
gh_cimd_report_add_check (GhCimdReport *self,
                          const char   *id,
                          GhCimdStatus  status,
                          const char   *format,
                          ...)
{
  Check check;
  va_list args;

  g_return_if_fail (self != NULL);
  g_return_if_fail (id != NULL && format != NULL);
  g_return_if_fail (status <= GH_CIMD_SKIP);

  va_start (args, format);
  memset (&check, 0, sizeof check);
  check.id = g_strdup (id);
  check.status = status;
  check.message = g_strdup_vprintf (format, args);
  va_end (args);
  g_array_append_val (self->checks, check);
}

void
gh_cimd_report_set_compared (GhCimdReport *self,
                             const char   *expected,
                             const char   *actual)
{
  Check *check;

  g_return_if_fail (self != NULL);
  g_return_if_fail (self->checks->len > 0);

  check = &g_array_index (self->checks, Check, self->checks->len - 1);
  g_free (check->expected);
  check->expected = g_strdup (expected);
  g_free (check->actual);
  check->actual = g_strdup (actual);
}

static gboolean
check_ran (GhCimdReport *self,
           const char   *id)
{
  return id != NULL && gh_cimd_report_get_check_status (self, id, NULL);
}

void
gh_cimd_report_add_skipped (GhCimdReport *self,
                            const char   *reason)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (reason != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (check_infos); i++)
    if (check_infos[i].always && !check_ran (self, check_infos[i].id) &&
        !check_ran (self, check_infos[i].alternative))
      gh_cimd_report_add_check (self, check_infos[i].id, GH_CIMD_SKIP, "%s", reason);
}

void
gh_cimd_report_append_checks (GhCimdReport *self,
                              GhCimdReport *other)
{
  g_return_if_fail (self != NULL && other != NULL && self != other);

  for (guint i = 0; i < other->checks->len; i++)
    {
      const Check *check = &g_array_index (other->checks, Check, i);

      gh_cimd_report_add_check (self, check->id, check->status, "%s", check->message);
      if (check->expected != NULL || check->actual != NULL)
        gh_cimd_report_set_compared (self, check->expected, check->actual);
    }
}

GhCimdStatus
gh_cimd_report_get_verdict (GhCimdReport *self)
{
  GhCimdStatus verdict = GH_CIMD_PASS;

  g_return_val_if_fail (self != NULL, GH_CIMD_FAIL);

  for (guint i = 0; i < self->checks->len; i++)
    {
      GhCimdStatus status = g_array_index (self->checks, Check, i).status;

      if (status != GH_CIMD_SKIP)
        verdict = MAX (verdict, status);
    }
  return verdict;
}

static const Check *
first_failure (GhCimdReport *self)
{
  for (guint i = 0; i < self->checks->len; i++)
    if (g_array_index (self->checks, Check, i).status == GH_CIMD_FAIL)
      return &g_array_index (self->checks, Check, i);
  return NULL;
}

const char *
gh_cimd_report_get_failure (GhCimdReport *self)
{
  const Check *check;

  g_return_val_if_fail (self != NULL, NULL);

  check = first_failure (self);
  return check != NULL ? check->message : NULL;
}

const char *
gh_cimd_report_get_failure_id (GhCimdReport *self)
{
  const Check *check;

  g_return_val_if_fail (self != NULL, NULL);

  check = first_failure (self);
  return check != NULL ? check->id : NULL;
}

gboolean
gh_cimd_report_get_check_status (GhCimdReport *self,
                                 const char   *id,
                                 GhCimdStatus *status)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  for (guint i = self->checks->len; i > 0; i--)
    {
      const Check *check = &g_array_index (self->checks, Check, i - 1);

      if (g_str_equal (check->id, id))
        {
          if (status != NULL)
            *status = check->status;
          return TRUE;
        }
    }
  return FALSE;
}

const char *
gh_cimd_report_get_client_id (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->client_id;
}

JsonObject *
gh_cimd_report_get_document (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (gh_cimd_report_get_verdict (self) == GH_CIMD_FAIL)
    return NULL;
  return self->document;
}

JsonObject *
gh_cimd_report_get_checked_document (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->document;
}

void
gh_cimd_report_set_document (GhCimdReport *self,
                             JsonObject   *document)
{
  g_return_if_fail (self != NULL);

  if (document != NULL)
    json_object_ref (document);
  g_clear_pointer (&self->document, json_object_unref);
  self->document = document;
}

JsonObject *
gh_cimd_report_get_raw_document (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->raw_document;
}

void
gh_cimd_report_set_raw_document (GhCimdReport *self,
                                 JsonObject   *raw_document)
{
  g_return_if_fail (self != NULL);

  if (raw_document != NULL)
    json_object_ref (raw_document);
  g_clear_pointer (&self->raw_document, json_object_unref);
  self->raw_document = raw_document;
}

JsonObject *
gh_cimd_report_get_network (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->network == NULL)
    self->network = json_object_new ();
  return self->network;
}

void
gh_cimd_report_set_cache (GhCimdReport *self,
                          const char   *result,
                          gint64        ttl_s,
                          const char   *why,
                          gint64        expires_at)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (result != NULL);

  g_free (self->cache_result);
  self->cache_result = g_strdup (result);
  g_free (self->cache_why);
  self->cache_why = g_strdup (why);
  self->cache_ttl_s = ttl_s;
  self->cache_expires_at = expires_at;
}

void
gh_cimd_report_set_cache_validators (GhCimdReport *self,
                                     gint64        fetched_at,
                                     const char   *etag,
                                     const char   *last_modified)
{
  g_return_if_fail (self != NULL);

  self->cache_fetched_at = fetched_at;
  g_free (self->cache_etag);
  self->cache_etag = g_strdup (etag);
  g_free (self->cache_last_modified);
  self->cache_last_modified = g_strdup (last_modified);
}

const char *
gh_cimd_report_get_cache_result (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->cache_result;
}

gint64
gh_cimd_report_get_cache_ttl (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->cache_ttl_s;
}

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/* A check's phase, clause, what it expects, what it saw and the setting deciding it. */
static void
add_check_context (JsonBuilder *builder,
                   const Check *check)
{
  const CheckInfo *info = lookup_info (check->id);

  json_builder_set_member_name (builder, "phase");
  json_builder_add_string_value (builder, check_phase (check->id));
  add_string_or_null (builder, "clause", info != NULL ? info->clause : NULL);
  add_string_or_null (builder, "expected", check->expected != NULL ? check->expected :
                                           info != NULL ? info->expected : NULL);
  if (check->actual != NULL)
    add_string_or_null (builder, "actual", check->actual);
  if (info != NULL && info->setting != NULL)
    add_string_or_null (builder, "setting", info->setting);
}

/* The copy's age, its validators and when it is next revalidated. */
static void
add_cache_record (JsonBuilder  *builder,
                  GhCimdReport *self)
{
  gint64 now = gh_now_seconds ();

  json_builder_set_member_name (builder, "fetched_at");
  if (self->cache_fetched_at > 0)
    json_builder_add_int_value (builder, self->cache_fetched_at);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "age_s");
  if (self->cache_fetched_at > 0)
    json_builder_add_int_value (builder, MAX (0, now - self->cache_fetched_at));
  else
    json_builder_add_null_value (builder);
  add_string_or_null (builder, "etag", self->cache_etag);
  add_string_or_null (builder, "last_modified", self->cache_last_modified);
  json_builder_set_member_name (builder, "next_revalidation_at");
  if (self->cache_expires_at > 0)
    json_builder_add_int_value (builder, self->cache_expires_at);
  else
    json_builder_add_null_value (builder);
}

JsonObject *
gh_cimd_report_to_json (GhCimdReport *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, self->client_id);
  json_builder_set_member_name (builder, "verdict");
  json_builder_add_string_value (builder,
                                 gh_cimd_status_to_string (gh_cimd_report_get_verdict (self)));

  json_builder_set_member_name (builder, "checks");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->checks->len; i++)
    {
      const Check *check = &g_array_index (self->checks, Check, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, check->id);
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, gh_cimd_status_to_string (check->status));
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, check->message);
      add_check_context (builder, check);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  if (self->network != NULL)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (node, self->network);
      json_builder_set_member_name (builder, "network");
      json_builder_add_value (builder, g_steal_pointer (&node));
    }

  if (self->cache_result != NULL)
    {
      json_builder_set_member_name (builder, "cache");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "result");
      json_builder_add_string_value (builder, self->cache_result);
      json_builder_set_member_name (builder, "ttl_s");
      json_builder_add_int_value (builder, self->cache_ttl_s);
      json_builder_set_member_name (builder, "why");
      json_builder_add_string_value (builder, self->cache_why != NULL ? self->cache_why : "");
      json_builder_set_member_name (builder, "expires_at");
      if (self->cache_expires_at > 0)
        json_builder_add_int_value (builder, self->cache_expires_at);
      else
        json_builder_add_null_value (builder);
      add_cache_record (builder, self);
      json_builder_end_object (builder);
    }

  if (self->raw_document != NULL)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (node, self->raw_document);
      json_builder_set_member_name (builder, "document");
      json_builder_add_value (builder, g_steal_pointer (&node));
    }

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_object_ref (json_node_get_object (root));
}
