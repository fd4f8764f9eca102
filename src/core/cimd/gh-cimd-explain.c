/* gh-cimd-explain.c — the explain object of a failed CIMD resolution, from its report
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cimd"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "gh-cimd-explain.h"
#include "gh-explain.h"
#include "gh-text.h"

/* What each check that can fail wanted, in words; the rule list in gh-explain.c has one
 * "cimd.<id>" rule per row. */
static const struct
{
  const char *check;
  const char *expected;
} expectations[] = {
  { "project.cimd_enabled", "cimd_enabled on" },
  { "url.syntax", "an absolute URL of at most 2048 ASCII characters" },
  { "url.scheme", "https (http only for a loopback host with allow_loopback_cimd on)" },
  { "url.userinfo", "no user information before the host" },
  { "url.fragment", "no fragment" },
  { "url.host", "a DNS name or an IP address" },
  { "url.port", "a port from 1 to 65535" },
  { "url.path", "a path below the root, such as /oauth/client.json" },
  { "url.dot_segments", "a path without . or .. segments" },
  { "url.domain", "a host cimd_allowed_domains allows and cimd_blocked_domains does not block" },
  { "url.address", "a public host" },
  { "dns.resolve", "a host that resolves" },
  { "address.special", "public addresses only" },
  { "network.peer", "a connection to a checked address" },
  { "fetch.deadline", "a complete answer within cimd_timeout_ms" },
  { "fetch.tls", "a certificate valid for the host" },
  { "fetch.network", "a complete answer" },
  { "http.redirect", "200 OK at the URL itself (redirects are never followed)" },
  { "http.status", "200 OK" },
  { "http.content_type", "application/json (or a +json type)" },
  { "body.size", "at most cimd_max_bytes" },
  { "document.json", "a strict JSON object" },
  { "document.client_id", NULL /* the URL */ },
  { "document.redirect_uris", "a non-empty array of valid redirect URIs" },
  { "document.client_name", "a non-empty string" },
  { "document.client_secret", "no client_secret, no client_secret_expires_at" },
  { "document.token_endpoint_auth_method", "none or private_key_jwt" },
  { "document.jwks", "a JWK Set of public keys" },
  { "document.jwks_uri", "a URL on the client_id's origin" },
  { "document.metadata", "metadata DCR would accept" },
  { "jwks.json", "a strict JSON object" },
  { "jwks.keys", "a \"keys\" array of public keys" },
};

/* The document member a check is about, when there is one. */
static const char *
document_member (const char *check)
{
  if (g_str_has_prefix (check, "document.") && !g_str_equal (check, "document.json") &&
      !g_str_equal (check, "document.metadata"))
    return check + strlen ("document.");
  return NULL;
}

const char *
gh_cimd_sniff (const char *data,
               gsize       len)
{
  gsize i = 0;

  if (data == NULL || len == 0)
    return "empty";
  /* A byte order mark, then white space. */
  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    i = 3;
  while (i < len && g_ascii_isspace (data[i]))
    i++;
  if (i == len)
    return "only white space";
  if (g_ascii_strncasecmp (data + i, "<!doctype html", MIN (len - i, 14)) == 0 ||
      g_ascii_strncasecmp (data + i, "<html", MIN (len - i, 5)) == 0)
    return "HTML page";
  if (data[i] == '<')
    return "XML or HTML";
  if (data[i] == '[')
    return "JSON array";
  if (data[i] == '{')
    return "JSON object";
  if (data[i] == '"')
    return "JSON string";
  return NULL;
}

static void
add_evidence (GhCimdReport *report,
              JsonObject   *evidence)
{
  JsonObject *network = gh_cimd_report_get_network (report);
  JsonObject *headers = NULL;
  gint64 body_size = -1;
  GBytes *excerpt = gh_cimd_report_get_excerpt (report, &body_size);

  json_object_set_string_member (evidence, "url", gh_cimd_report_get_client_id (report));
  if (json_object_has_member (network, "response_headers"))
    headers = json_object_get_object_member (network, "response_headers");
  if (json_object_has_member (network, "status"))
    {
      gint64 status = json_object_get_int_member (network, "status");
      g_autofree char *line = g_strdup_printf ("%" G_GINT64_FORMAT " %s", status,
                                               soup_status_get_phrase ((guint) status));

      json_object_set_string_member (evidence, "status_line", line);
    }
  if (json_object_has_member (network, "content_type"))
    json_object_set_string_member (evidence, "content_type",
                                   json_object_get_string_member (network, "content_type"));
  if (headers != NULL && json_object_has_member (headers, "location"))
    {
      g_autofree char *location = gh_text_cut (json_object_get_string_member (headers,
                                                                               "location"),
                                               GH_REFLECT_MAX_VALUE);
      json_object_set_string_member (evidence, "location", location);
    }
  if (body_size >= 0)
    json_object_set_int_member (evidence, "bytes", body_size);
  if (excerpt != NULL)
    {
      gsize len;
      const char *data = g_bytes_get_data (excerpt, &len);
      g_autofree char *valid = g_utf8_make_valid (data != NULL ? data : "", len);
      const char *sniff = gh_cimd_sniff (data, len);

      json_object_set_string_member (evidence, "excerpt", valid);
      if (sniff != NULL)
        json_object_set_string_member (evidence, "sniff", sniff);
      else
        json_object_set_null_member (evidence, "sniff");
    }
  for (const char * const *member = (const char * const[]) { "resolved_addresses",
         "connected_address", "timings_ms", NULL }; *member != NULL; member++)
    if (json_object_has_member (network, *member))
      json_object_set_member (evidence, *member,
                              json_node_copy (json_object_get_member (network, *member)));
}

/* What the fetch or the document showed for @check. */
static JsonNode *
actual_of (GhCimdReport *report,
           const char   *check,
           JsonObject   *evidence)
{
  JsonObject *raw = gh_cimd_report_get_raw_document (report);
  const char *member = document_member (check);

  if (g_str_has_prefix (check, "url.") || g_str_equal (check, "project.cimd_enabled"))
    return json_node_init_string (json_node_alloc (),
                                  g_str_equal (check, "project.cimd_enabled") ? "cimd_enabled off"
                                  : gh_cimd_report_get_client_id (report));
  if (g_str_equal (check, "address.special") || g_str_equal (check, "dns.resolve"))
    return json_object_has_member (evidence, "resolved_addresses") ?
           json_node_copy (json_object_get_member (evidence, "resolved_addresses")) : NULL;
  if (g_str_equal (check, "network.peer"))
    return json_object_has_member (evidence, "connected_address") ?
           json_node_copy (json_object_get_member (evidence, "connected_address")) : NULL;
  if (g_str_equal (check, "http.redirect") && json_object_has_member (evidence, "status_line"))
    {
      g_autofree char *text =
        g_strdup_printf ("%s, Location: %s",
                         json_object_get_string_member (evidence, "status_line"),
                         json_object_get_string_member_with_default (evidence, "location",
                                                                     "(none)"));
      return json_node_init_string (json_node_alloc (), text);
    }
  if (g_str_equal (check, "http.status") && json_object_has_member (evidence, "status_line"))
    return json_node_copy (json_object_get_member (evidence, "status_line"));
  if (g_str_equal (check, "http.content_type"))
    return json_node_init_string (json_node_alloc (),
                                  json_object_get_string_member_with_default (
                                    evidence, "content_type", "(none)"));
  if (g_str_equal (check, "body.size") && json_object_has_member (evidence, "bytes"))
    {
      g_autofree char *text = g_strdup_printf ("more than %" G_GINT64_FORMAT " bytes (reading "
                                               "stopped there)",
                                               json_object_get_int_member (evidence, "bytes") - 1);
      return json_node_init_string (json_node_alloc (), text);
    }
  if ((g_str_equal (check, "document.json") || g_str_equal (check, "jwks.json")) &&
      json_object_has_member (evidence, "excerpt"))
    {
      const char *sniff = json_object_get_string_member_with_default (evidence, "sniff", NULL);

      return json_node_init_string (json_node_alloc (), sniff != NULL ? sniff :
                                    json_object_get_string_member (evidence, "excerpt"));
    }
  if (member != NULL && raw != NULL)
    {
      /* "client_secret" fails for either member: say which is there, not its value. */
      if (g_str_equal (member, "client_secret"))
        return json_node_init_string (json_node_alloc (),
                                      json_object_has_member (raw, member) ?
                                      "client_secret present (not repeated here)" :
                                      "client_secret_expires_at present");
      if (json_object_has_member (raw, member))
        return json_node_copy (json_object_get_member (raw, member));
      return json_node_init_string (json_node_alloc (), "(absent)");
    }
  return NULL;
}

/* Where the document's client_id first differs from the URL: a byte offset, or -1. */
static gint64
first_difference (const char *a,
                  const char *b)
{
  gsize i = 0;

  if (a == NULL || b == NULL)
    return -1;
  while (a[i] != '\0' && a[i] == b[i])
    i++;
  return a[i] == b[i] ? -1 : (gint64) i;
}

JsonObject *
gh_cimd_report_explain (GhCimdReport *report)
{
  const char *check;
  const char *expected = NULL;
  g_autofree char *rule = NULL;
  g_autoptr(JsonObject) evidence = json_object_new ();
  JsonObject *explain;
  JsonNode *actual;

  g_return_val_if_fail (report != NULL, NULL);

  check = gh_cimd_report_get_failure_id (report);
  if (check == NULL)
    return NULL;
  rule = g_strconcat ("cimd.", check, NULL);
  explain = gh_explain_new (rule, "%s", gh_cimd_report_get_failure (report));
  add_evidence (report, evidence);

  for (guint i = 0; i < G_N_ELEMENTS (expectations); i++)
    if (g_str_equal (expectations[i].check, check))
      expected = expectations[i].expected;
  if (g_str_equal (check, "document.client_id"))
    {
      JsonObject *raw = gh_cimd_report_get_raw_document (report);
      const char *given = raw != NULL ?
                          json_object_get_string_member_with_default (raw, "client_id", NULL) :
                          NULL;
      gint64 at = first_difference (gh_cimd_report_get_client_id (report), given);

      expected = gh_cimd_report_get_client_id (report);
      if (at >= 0)
        json_object_set_int_member (evidence, "differs_at", at);
    }
  gh_explain_set_expected (explain, expected);
  actual = actual_of (report, check, evidence);
  if (actual != NULL && JSON_NODE_HOLDS_VALUE (actual) &&
      json_node_get_value_type (actual) == G_TYPE_STRING)
    {
      gh_explain_set_actual (explain, json_node_get_string (actual));
      json_node_unref (actual);
    }
  else
    gh_explain_take_actual (explain, actual);

  if (g_str_equal (check, "project.cimd_enabled"))
    {
      gh_explain_set_hint (explain, "URL client ids (used by VS Code and newer MCP clients) "
                                    "are refused until the project turns cimd_enabled on");
      gh_explain_set_fix (explain, "set_setting", "key", "cimd_enabled", "value", "true", NULL);
    }
  else if (g_str_equal (check, "http.content_type") || g_str_equal (check, "document.json"))
    gh_explain_set_hint (explain, "A login page, an error page or a raw file host answers "
                                  "instead of the JSON document");
  else if (g_str_equal (check, "document.client_id"))
    gh_explain_set_hint (explain, "The document's client_id must be the URL it is served from, "
                                  "byte for byte (scheme, host, port, path, trailing slash)");
  else if (g_str_equal (check, "address.special") || g_str_equal (check, "url.address"))
    gh_explain_set_hint (explain, "Documents on this machine or a private network are fetched "
                                  "only in a project with allow_loopback_cimd on (loopback "
                                  "only)");
  json_object_set_object_member (explain, "evidence", g_steal_pointer (&evidence));
  return explain;
}
