/* gh-compat.c — can each known MCP client family complete a flow with a project's settings:
 * the families' behaviour as the team's SPEC-NOTES.md records it, judged requirement by
 * requirement, with the fix for what fails
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-oauth"

#include "config.h"

#include "gh-client.h"
#include "gh-compat.h"
#include "gh-explain.h"
#include "gh-json.h"

/* What SPEC-NOTES.md says, cited by the requirements that rest on it. */
#define NOTE_CLAUDE_CIMD "SPEC-NOTES, Clients: Claude Code's CIMD document lists port-less " \
  "loopback redirect URIs and calls back on a random port"
#define NOTE_CURSOR_DCR "SPEC-NOTES, Clients: Cursor registers by DCR with " \
  "cursor://anysphere.cursor-mcp/oauth/callback and no application_type"
#define NOTE_VSCODE "SPEC-NOTES, Clients: VS Code uses http://127.0.0.1:33418 and " \
  "https://vscode.dev/redirect"
#define NOTE_NO_IAT "SPEC-NOTES, Clients: no shipping MCP client sends an Initial Access Token"
#define NOTE_CHOOSE_CIMD "SPEC-NOTES, Discovery: clients choose CIMD from " \
  "client_id_metadata_document_supported alone; registration_endpoint only when DCR is on"
#define NOTE_SCHEMES "SPEC-NOTES, Clients: custom schemes only through the project's " \
  "allowlist (redirect_schemes)"
#define NOTE_LOOPBACK "SPEC-NOTES, Clients: for loopback hosts the port is ignored at " \
  "/authorize (RFC 8252 §7.3)"
#define NOTE_PKCE "SPEC-NOTES, Discovery and Authorization: code_challenge_methods_supported " \
  "[\"S256\"]; PKCE S256 only"
#define NOTE_AUTH_NONE "SPEC-NOTES, Discovery: token_endpoint_auth_methods_supported " \
  "including none; only public and private_key_jwt CIMD clients exist"
#define NOTE_RESOURCE "SPEC-NOTES, Authorization: resource arrives on the authorize and the " \
  "token request; the access token's aud is the resource"
#define NOTE_APP_TYPE "SPEC-NOTES, Clients: application_type — default it sensibly when absent"
#define NOTE_CORS "SPEC-NOTES, Discovery: permissive CORS on every public endpoint a browser " \
  "client calls; the MCP Inspector runs in a browser"
#define NOTE_MCP_FLAG "SPEC-NOTES, Discovery: mcp_authorization_supported: true when MCP mode " \
  "is on"
#define NOTE_GRACE "SPEC-NOTES, Authorization: reuse of a rotated refresh token revokes the " \
  "family, except within the grace window (default 0 s)"
#define NOTE_DPOP "SPEC-NOTES, current revision: DPoP (RFC 9449) — the TypeScript SDK has " \
  "opt-in support"

typedef enum
{
  KNOWN_NO,
  KNOWN_YES,
  UNKNOWN,
} Known;

/* One client family as the notes describe it; where they say nothing, UNKNOWN. */
typedef struct
{
  const char *id;
  const char *name;
  Known       cimd;                 /* registers by a Client ID Metadata Document */
  Known       dcr;                  /* registers by DCR, without an IAT */
  const char *registration_note;
  const char *redirect_uris[3];     /* those the notes give; none: unknown */
  const char *redirect_note;
  Known       browser;              /* runs in a browser: needs CORS */
  Known       dpop;                 /* may use DPoP (opt-in) */
} ClientFamily;

static const ClientFamily families[] = {
  { "claude-code", "Claude Code", KNOWN_YES, UNKNOWN, NOTE_CLAUDE_CIMD,
    { "http://localhost/callback", "http://127.0.0.1/callback", NULL }, NOTE_CLAUDE_CIMD,
    KNOWN_NO, UNKNOWN },
  { "cursor", "Cursor", UNKNOWN, KNOWN_YES, NOTE_CURSOR_DCR,
    { "cursor://anysphere.cursor-mcp/oauth/callback", NULL }, NOTE_CURSOR_DCR,
    KNOWN_NO, UNKNOWN },
  { "vscode", "VS Code", UNKNOWN, UNKNOWN, NOTE_CHOOSE_CIMD,
    { "http://127.0.0.1:33418", "https://vscode.dev/redirect", NULL }, NOTE_VSCODE,
    UNKNOWN, UNKNOWN },
  { "mcp-typescript-sdk", "MCP TypeScript SDK", UNKNOWN, UNKNOWN, NOTE_CHOOSE_CIMD,
    { NULL }, NULL, UNKNOWN, KNOWN_YES },
  { "mcp-inspector", "MCP Inspector", UNKNOWN, UNKNOWN, NOTE_CHOOSE_CIMD,
    { NULL }, NULL, KNOWN_YES, UNKNOWN },
};

static const char * const family_ids[] = {
  "claude-code", "cursor", "vscode", "mcp-typescript-sdk", "mcp-inspector", NULL,
};

const char * const *
gh_compat_list_families (void)
{
  G_STATIC_ASSERT (G_N_ELEMENTS (family_ids) == G_N_ELEMENTS (families) + 1);
  return family_ids;
}

static const char *
known_to_string (Known known)
{
  static const char * const names[] = { "no", "yes", "unknown" };

  return names[known];
}

/* A requirement: @result ("pass", "fail", "warn", "unknown") and its sentence. */
static JsonObject *
requirement_new (const char *id,
                 const char *title,
                 const char *result,
                 const char *source,
                 const char *message_format,
                 ...) G_GNUC_PRINTF (5, 6);

static JsonObject *
requirement_new (const char *id,
                 const char *title,
                 const char *result,
                 const char *source,
                 const char *message_format,
                 ...)
{
  JsonObject *requirement = json_object_new ();
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, message_format);
  message = g_strdup_vprintf (message_format, args);
  va_end (args);
  json_object_set_string_member (requirement, "id", id);
  json_object_set_string_member (requirement, "title", title);
  json_object_set_string_member (requirement, "result", result);
  json_object_set_string_member (requirement, "message", message);
  json_object_set_string_member (requirement, "source", source);
  json_object_set_null_member (requirement, "fix");
  return requirement;
}

/* The fix that turns @key to @value (gh-explain.c's set_setting). */
static void
set_setting_fix (JsonObject *requirement,
                 const char *key,
                 const char *value)
{
  gh_explain_set_fix (requirement, "set_setting", "key", key, "value", value, NULL);
}

/* Why DCR does not let a client without an IAT in; NULL when it does. */
static const char *
dcr_closed_reason (const GhProjectSettings *settings)
{
  switch (settings->dcr_mode)
    {
    case GH_DCR_MODE_OPEN:
      return NULL;
    case GH_DCR_MODE_INITIAL_ACCESS_TOKEN:
      return "dcr_mode is initial_access_token, and no shipping MCP client sends one";
    case GH_DCR_MODE_DISABLED:
    default:
      return "dcr_mode is disabled: no registration_endpoint is advertised";
    }
}

/* A path @family is known to use, closed: fail, or warn when the other path is open and
 * whether the family takes it is unknown. */
static JsonObject *
known_path_closed (const ClientFamily      *family,
                   const GhProjectSettings *settings)
{
  gboolean by_cimd = family->cimd == KNOWN_YES;
  const char *reason = by_cimd ? "cimd_enabled is off" : dcr_closed_reason (settings);
  gboolean other_open = by_cimd ? settings->dcr_mode == GH_DCR_MODE_OPEN && family->dcr == UNKNOWN
                                : settings->cimd_enabled && family->cimd == UNKNOWN;
  g_autofree char *source = g_strconcat (family->registration_note,
                                         by_cimd ? "" : "; " NOTE_NO_IAT, NULL);
  JsonObject *requirement;

  if (other_open)
    requirement = requirement_new ("registration", "A registration path it uses is open",
                                   "warn", source, "%s registers by %s, which is closed here "
                                   "(%s); whether it falls back to %s is unknown",
                                   family->name, by_cimd ? "CIMD" : "DCR", reason,
                                   by_cimd ? "DCR" : "CIMD");
  else
    requirement = requirement_new ("registration", "A registration path it uses is open",
                                   "fail", source, "%s registers by %s, which is closed here "
                                   "(%s)", family->name, by_cimd ? "CIMD" : "DCR", reason);
  if (by_cimd)
    set_setting_fix (requirement, "cimd_enabled", "true");
  else
    set_setting_fix (requirement, "dcr_mode", "open");
  return requirement;
}

static JsonObject *
check_registration (const ClientFamily      *family,
                    const GhProjectSettings *settings)
{
  gboolean dcr_open = settings->dcr_mode == GH_DCR_MODE_OPEN;
  gboolean cimd_on = settings->cimd_enabled;
  JsonObject *requirement;

  if (family->cimd == KNOWN_YES && cimd_on)
    {
      if (settings->cimd_allowed_domains != NULL && settings->cimd_allowed_domains[0] != NULL)
        {
          g_autofree char *domains = g_strjoinv (", ", settings->cimd_allowed_domains);

          return requirement_new ("registration", "A registration path it uses is open", "warn",
                                  family->registration_note, "CIMD is on, but documents are "
                                  "fetched only from %s; the host of %s's document is unknown",
                                  domains, family->name);
        }
      return requirement_new ("registration", "A registration path it uses is open", "pass",
                              family->registration_note, "%s registers by CIMD, which is on",
                              family->name);
    }
  if (family->dcr == KNOWN_YES && dcr_open)
    return requirement_new ("registration", "A registration path it uses is open", "pass",
                            family->registration_note, "%s registers by DCR, open without an "
                            "initial access token", family->name);
  if (family->cimd == KNOWN_YES || family->dcr == KNOWN_YES)
    return known_path_closed (family, settings);

  /* Which path the family takes is unknown: it is served when both are open. */
  if (cimd_on && dcr_open)
    return requirement_new ("registration", "A registration path it uses is open", "pass",
                            family->registration_note, "Both dynamic paths are open (CIMD, and "
                            "DCR without an initial access token): whichever %s uses is "
                            "served", family->name);
  if (cimd_on || dcr_open)
    {
      requirement = requirement_new ("registration", "A registration path it uses is open",
                                     "warn", family->registration_note, "Only %s is open (%s); "
                                     "which path %s uses is unknown",
                                     cimd_on ? "CIMD" : "DCR",
                                     cimd_on ? dcr_closed_reason (settings) : "cimd_enabled is off",
                                     family->name);
      if (cimd_on)
        set_setting_fix (requirement, "dcr_mode", "open");
      else
        set_setting_fix (requirement, "cimd_enabled", "true");
      return requirement;
    }
  requirement = requirement_new ("registration", "A registration path it uses is open", "fail",
                                 family->registration_note, "No dynamic registration path is "
                                 "open: cimd_enabled is off and %s",
                                 dcr_closed_reason (settings));
  set_setting_fix (requirement, "dcr_mode", "open");
  return requirement;
}

/* One redirect URI's verdict; the first refused one's fix goes to @requirement. */
static JsonObject *
check_redirect_uri (const char              *uri,
                    const GhProjectSettings *settings,
                    JsonObject              *requirement)
{
  JsonObject *verdict = json_object_new ();
  g_autofree char *scheme = g_uri_parse_scheme (uri);

  json_object_set_string_member (verdict, "uri", uri);
  if (gh_uri_is_loopback_http (uri))
    {
      json_object_set_string_member (verdict, "kind", "loopback");
      json_object_set_string_member (verdict, "result", "pass");
      json_object_set_string_member (verdict, "message", "Loopback: any port is accepted at "
                                     "/authorize (RFC 8252 §7.3)");
    }
  else if (g_strcmp0 (scheme, "https") == 0)
    {
      json_object_set_string_member (verdict, "kind", "https");
      json_object_set_string_member (verdict, "result", "pass");
      json_object_set_string_member (verdict, "message", "https is always accepted");
    }
  else
    {
      gboolean allowed = scheme != NULL && settings->redirect_schemes != NULL &&
                         g_strv_contains ((const char * const *) settings->redirect_schemes,
                                          scheme);
      g_autofree char *message =
        allowed ? g_strdup_printf ("The custom scheme “%s” is in redirect_schemes", scheme)
                : g_strdup_printf ("The custom scheme “%s” is not in redirect_schemes: the "
                                   "registration is refused whole", scheme);

      json_object_set_string_member (verdict, "kind", "custom_scheme");
      json_object_set_string_member (verdict, "result", allowed ? "pass" : "fail");
      json_object_set_string_member (verdict, "message", message);
      if (!allowed && json_object_get_null_member (requirement, "fix"))
        gh_explain_set_fix (requirement, "allow_redirect_scheme", "scheme", scheme, NULL);
    }
  return verdict;
}

static JsonObject *
check_redirect_uris (const ClientFamily      *family,
                     const GhProjectSettings *settings)
{
  g_autofree char *schemes = NULL;
  JsonObject *requirement;
  JsonArray *uris;
  gboolean refused = FALSE;

  if (family->redirect_uris[0] == NULL)
    {
      schemes = settings->redirect_schemes != NULL && settings->redirect_schemes[0] != NULL ?
                g_strjoinv (", ", settings->redirect_schemes) : g_strdup ("none");
      return requirement_new ("redirect_uris", "Its redirect URIs are accepted", "unknown",
                              NOTE_SCHEMES, "%s's redirect URIs are unknown: loopback http "
                              "(any port) and https are always accepted, custom schemes only "
                              "from redirect_schemes (%s)", family->name, schemes);
    }
  requirement = requirement_new ("redirect_uris", "Its redirect URIs are accepted", "pass",
                                 family->redirect_note, "Every redirect URI %s uses is accepted",
                                 family->name);
  uris = json_array_new ();
  for (guint i = 0; family->redirect_uris[i] != NULL; i++)
    {
      JsonObject *verdict = check_redirect_uri (family->redirect_uris[i], settings, requirement);

      refused |= g_str_equal (gh_json_get_string (verdict, "result"), "fail");
      json_array_add_object_element (uris, verdict);
    }
  json_object_set_array_member (requirement, "uris", uris);
  for (guint i = 0; i < json_array_get_length (uris) && refused; i++)
    {
      JsonObject *verdict = json_array_get_object_element (uris, i);
      g_autofree char *message = NULL;

      if (!g_str_equal (gh_json_get_string (verdict, "result"), "fail"))
        continue;
      message = g_strdup_printf ("%s: %s", gh_json_get_string (verdict, "uri"),
                                 gh_json_get_string (verdict, "message"));
      json_object_set_string_member (requirement, "result", "fail");
      json_object_set_string_member (requirement, "message", message);
      refused = FALSE;
    }
  return requirement;
}

static JsonObject *
check_resource (const GhProjectSettings *settings,
                guint                    n_resources)
{
  JsonObject *requirement;

  if (settings->resource_policy == GH_RESOURCE_POLICY_OPEN)
    return requirement_new ("resource", "The resource it names is accepted", "pass",
                            NOTE_RESOURCE, "resource_policy is open: any absolute resource is "
                            "accepted, and the token's aud is it");
  if (n_resources > 0)
    return requirement_new ("resource", "The resource it names is accepted", "pass",
                            NOTE_RESOURCE, "resource_policy is listed: the MCP server's URL "
                            "must be one of the %u resources listed", n_resources);
  requirement = requirement_new ("resource", "The resource it names is accepted", "fail",
                                 NOTE_RESOURCE, "resource_policy is listed and no resource is "
                                 "listed: every resource a client names is refused "
                                 "(invalid_target)");
  set_setting_fix (requirement, "resource_policy", "open");
  return requirement;
}

/* Every requirement of @family under @settings, in order. */
static JsonArray *
requirements_for (const ClientFamily      *family,
                  const GhProjectSettings *settings,
                  guint                    n_resources)
{
  JsonArray *requirements = json_array_new ();
  JsonObject *requirement;

  json_array_add_object_element (requirements, check_registration (family, settings));
  json_array_add_object_element (requirements, check_redirect_uris (family, settings));
  json_array_add_object_element (requirements,
                                 requirement_new ("application_type",
                                                  "Registration without application_type",
                                                  "pass", NOTE_APP_TYPE, "Accepted: native is "
                                                  "derived for loopback and custom-scheme "
                                                  "redirect URIs, web otherwise"));
  json_array_add_object_element (requirements,
                                 requirement_new ("pkce_s256", "PKCE with S256", "pass",
                                                  NOTE_PKCE, "S256 is advertised and "
                                                  "required"));
  json_array_add_object_element (requirements,
                                 requirement_new ("public_client",
                                                  "A public client (no secret)", "pass",
                                                  NOTE_AUTH_NONE, "token_endpoint_auth_method "
                                                  "none is advertised and accepted, and "
                                                  "private_key_jwt too"));
  json_array_add_object_element (requirements, check_resource (settings, n_resources));
  json_array_add_object_element (requirements,
                                 requirement_new ("cors", "CORS for a browser client", "pass",
                                                  NOTE_CORS, family->browser == KNOWN_YES ?
                                                  "%s runs in a browser; the public endpoints "
                                                  "always answer any origin" :
                                                  "Not needed unless %s runs in a browser; "
                                                  "the public endpoints answer any origin",
                                                  family->name));
  if (settings->mcp_enabled)
    requirement = requirement_new ("mcp_metadata", "MCP mode advertised", "pass",
                                   NOTE_MCP_FLAG, "mcp_authorization_supported is advertised");
  else
    {
      requirement = requirement_new ("mcp_metadata", "MCP mode advertised", "unknown",
                                     NOTE_MCP_FLAG, "mcp_enabled is off, so "
                                     "mcp_authorization_supported is not advertised; whether "
                                     "%s needs it is unknown", family->name);
      set_setting_fix (requirement, "mcp_enabled", "true");
    }
  json_array_add_object_element (requirements, requirement);
  if (settings->refresh_grace_seconds > 0)
    requirement = requirement_new ("refresh_grace", "Concurrent refreshes", "pass", NOTE_GRACE,
                                   "A rotated refresh token may be used once more for %"
                                   G_GINT64_FORMAT " s", settings->refresh_grace_seconds);
  else
    requirement = requirement_new ("refresh_grace", "Concurrent refreshes", "unknown",
                                   NOTE_GRACE, "refresh_grace_seconds is 0: a second use of a "
                                   "rotated refresh token revokes the family; whether %s "
                                   "refreshes concurrently is unknown", family->name);
  json_array_add_object_element (requirements, requirement);
  if (family->dpop == KNOWN_YES)
    json_array_add_object_element (requirements,
                                   requirement_new ("dpop", "DPoP", "unknown", NOTE_DPOP,
                                                    "This server offers no DPoP; an app that "
                                                    "turns the SDK's DPoP on may fail, one that "
                                                    "leaves it off is unaffected"));
  return requirements;
}

static JsonObject *
behaviour_to_json (const ClientFamily *family)
{
  JsonObject *behaviour = json_object_new ();
  JsonArray *uris = json_array_new ();

  json_object_set_string_member (behaviour, "registers_by_cimd", known_to_string (family->cimd));
  json_object_set_string_member (behaviour, "registers_by_dcr", known_to_string (family->dcr));
  json_object_set_string_member (behaviour, "pre_registered", "unknown");
  json_object_set_string_member (behaviour, "sends_initial_access_token", "no");
  for (guint i = 0; family->redirect_uris[i] != NULL; i++)
    json_array_add_string_element (uris, family->redirect_uris[i]);
  json_object_set_array_member (behaviour, "redirect_uris", uris);
  json_object_set_string_member (behaviour, "sends_resource", "unknown");
  json_object_set_string_member (behaviour, "browser_based", known_to_string (family->browser));
  return behaviour;
}

static JsonObject *
evaluate_family (const ClientFamily      *family,
                 const GhProjectSettings *settings,
                 guint                    n_resources)
{
  JsonObject *client = json_object_new ();
  JsonArray *requirements = requirements_for (family, settings, n_resources);
  JsonArray *fixes = json_array_new ();
  JsonObject *first_fail = NULL;
  JsonObject *first_warn = NULL;

  for (guint i = 0; i < json_array_get_length (requirements); i++)
    {
      JsonObject *requirement = json_array_get_object_element (requirements, i);
      const char *result = gh_json_get_string (requirement, "result");
      JsonObject *fix = json_object_get_object_member (requirement, "fix");
      gboolean blocking = g_str_equal (result, "fail") || g_str_equal (result, "warn");

      if (g_str_equal (result, "fail") && first_fail == NULL)
        first_fail = requirement;
      if (g_str_equal (result, "warn") && first_warn == NULL)
        first_warn = requirement;
      if (blocking && fix != NULL)
        json_array_add_object_element (fixes, json_object_ref (fix));
    }
  json_object_set_string_member (client, "family", family->id);
  json_object_set_string_member (client, "name", family->name);
  json_object_set_string_member (client, "verdict", first_fail != NULL ? "blocked" :
                                 first_warn != NULL ? "warning" : "ok");
  if (first_fail != NULL || first_warn != NULL)
    json_object_set_string_member (client, "summary",
                                   gh_json_get_string (first_fail != NULL ? first_fail :
                                                       first_warn, "message"));
  else
    json_object_set_string_member (client, "summary",
                                   "Can complete a flow with the current settings");
  json_object_set_object_member (client, "behaviour", behaviour_to_json (family));
  json_object_set_array_member (client, "requirements", requirements);
  json_object_set_array_member (client, "fixes", fixes);
  return client;
}

static JsonObject *
settings_judged (const GhProjectSettings *settings)
{
  static const char * const keys[] = {
    "mcp_enabled", "cimd_enabled", "dcr_mode", "redirect_schemes", "resource_policy",
    "refresh_grace_seconds", "cimd_allowed_domains",
  };
  g_autoptr(JsonObject) all = gh_project_settings_to_json (settings);
  JsonObject *judged = json_object_new ();

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (json_object_has_member (all, keys[i]))
      json_object_set_member (judged, keys[i],
                              json_node_copy (json_object_get_member (all, keys[i])));
  return judged;
}

JsonObject *
gh_compat_evaluate (const GhProject *project,
                    guint            n_resources)
{
  JsonObject *answer = json_object_new ();
  JsonArray *clients = json_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    json_array_add_object_element (clients, evaluate_family (&families[i], project->settings,
                                                             n_resources));
  json_object_set_string_member (answer, "project", project->slug);
  json_object_set_object_member (answer, "settings", settings_judged (project->settings));
  json_object_set_array_member (answer, "clients", clients);
  return answer;
}
