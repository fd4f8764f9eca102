/* gh-explain.c — the closed list of explain rules and fix actions, and the explain builder
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-util"

#include "config.h"

#include "gh-explain.h"
#include "gh-text.h"

#define CIMD_SPEC "draft-ietf-oauth-client-id-metadata-document"

/* By area, in the order the README's table lists them, with these words. */
static const GhExplainRule rules[] = {
  /* The request itself */
  { "request.invalid", "RFC 6749 §4.1.2.1, §5.2",
    "a parameter is missing, repeated or malformed" },
  { "request.rate_limited", NULL,
    "too many requests of this kind from one source" },

  /* Redirect URIs, at /authorize and at registration */
  { "redirect_uri.missing", "OAuth 2.1 §4.1.1",
    "no redirect_uri, and the client has several registered" },
  { "redirect_uri.invalid", "RFC 6749 §3.1.2",
    "the redirect_uri is not an absolute URI, or has a fragment" },
  { "redirect_uri.mismatch", "RFC 6749 §3.1.2.3; RFC 8252 §7.3",
    "the redirect_uri is none of the registered ones; \"component\" names the first that "
    "differs from the closest (scheme, host, port, path, query), \"match_rule\" the rule "
    "applied (exact, or loopback any port)" },
  { "redirect_uri.scheme_not_allowed", "RFC 8252 §7.1",
    "a custom scheme the project's redirect_schemes does not allow" },

  /* The authorization request */
  { "response_type.unsupported", "OAuth 2.1 §4.1.1",
    "a response_type other than \"code\"" },
  { "pkce.missing", "OAuth 2.1 §4.1.1; RFC 7636 §4.3",
    "no code_challenge: PKCE is required" },
  { "pkce.method_not_supported", "OAuth 2.1 §4.1.1",
    "a code_challenge_method other than S256" },
  { "pkce.challenge_invalid", "RFC 7636 §4.2",
    "the code_challenge is not 43 base64url characters" },
  { "pkce.verifier_missing", "RFC 7636 §4.5",
    "the token request sent no code_verifier" },
  { "pkce.verifier_invalid", "RFC 7636 §4.1",
    "the code_verifier is not 43 to 128 unreserved characters" },
  { "pkce.verifier_mismatch", "RFC 7636 §4.6",
    "the code_verifier does not hash to the code_challenge" },
  { "scope.unknown", "RFC 6749 §3.3",
    "a scope the project does not know" },
  { "scope.not_allowed", "RFC 7591 §2",
    "a scope outside the client's registered scope" },
  { "resource.missing", "RFC 8707 §2; MCP authorization",
    "the client sent no resource where one is needed: a scope only a resource defines, or "
    "a token request when several resources were granted" },
  { "resource.invalid", "RFC 8707 §2",
    "the resource is not an absolute URI, or has a fragment" },
  { "resource.unknown", "RFC 8707 §2",
    "a resource the project does not list (resource_policy \"listed\")" },
  { "resource.trailing_slash", "RFC 8707 §2",
    "the resource differs from a known one only by a trailing slash" },
  { "resource.not_granted", "RFC 8707 §2.2",
    "the token request asked for a resource the grant does not cover" },
  { "prompt.interaction_required", "OpenID Connect Core §3.1.2.1",
    "prompt=none, but a login or consent is needed" },
  { "login.failed", NULL,
    "the development login refused the user name or password" },
  { "consent.denied", "RFC 6749 §4.1.2.1",
    "the user refused consent" },

  /* Clients */
  { "client.unknown", "RFC 6749 §4.1.2.1",
    "the client_id is not registered here; \"resolution\" says never registered, deleted "
    "(when, by whom) or registered in another project" },
  { "client.auth_missing", "RFC 6749 §2.3",
    "a confidential client sent no credentials" },
  { "client.auth_failed", "RFC 6749 §2.3",
    "the client's secret or assertion is wrong" },
  { "client.auth_method_mismatch", "RFC 7591 §2",
    "the client authenticated with another method than the one it registered: \"registered\" "
    "and \"presented\" name both" },
  { "client.grant_type_not_allowed", "RFC 7591 §2",
    "a grant type the client did not register" },
  { "client.not_confidential", "RFC 7662 §2.1",
    "a public client called an endpoint for confidential clients (/introspect)" },

  /* The token endpoint */
  { "grant_type.unsupported", "RFC 6749 §5.2",
    "a grant_type this server does not support" },
  { "code.unknown", "RFC 6749 §4.1.3",
    "an authorization code this server did not issue" },
  { "code.expired", "RFC 6749 §4.1.2",
    "the authorization code's lifetime (code_ttl) has passed" },
  { "code.replayed", "OAuth 2.1 §4.1.3",
    "the authorization code was already used; its tokens were revoked" },
  { "code.redirect_uri_differs", "RFC 6749 §4.1.3",
    "the token request's redirect_uri differs from the authorization request's" },
  { "code.client_differs", "RFC 6749 §4.1.3",
    "the code was issued to another client" },
  { "refresh.unknown", "RFC 6749 §6",
    "a refresh token this server did not issue" },
  { "refresh.expired", "RFC 6749 §6",
    "the refresh token's lifetime has passed" },
  { "refresh.revoked", "RFC 7009 §2.1",
    "the refresh token, or its family, was revoked" },
  { "refresh.client_differs", "RFC 6749 §6",
    "the refresh token was issued to another client" },
  { "refresh.reuse", "OAuth 2.1 §4.3.1",
    "a rotated refresh token was used again after the grace window: \"generation\" replayed, "
    "\"ms_since_rotation\" and the window, \"grace_ms\"" },
  { "refresh.scope_widened", "RFC 6749 §6",
    "the refresh asked for scopes the grant does not have" },
  { "token.invalid", "RFC 6750 §3.1",
    "a bearer token that is missing, unknown, expired or revoked" },
  { "token.insufficient_scope", "RFC 6750 §3.1; OpenID Connect Core §5.3",
    "the access token lacks the scope the endpoint needs (openid at /userinfo)" },

  /* Registration */
  { "dcr.disabled", "RFC 7591 §3",
    "dynamic registration is off in this project (dcr_mode \"disabled\")" },
  { "iat.missing", "RFC 7591 §3",
    "the project requires an initial access token and the request has no Authorization "
    "header" },
  { "iat.unknown", "RFC 7591 §3",
    "the initial access token is not one this project issued" },
  { "iat.expired", "RFC 7591 §3",
    "the initial access token has expired" },
  { "iat.exhausted", "RFC 7591 §3",
    "the initial access token has no uses left" },
  { "iat.revoked", "RFC 7591 §3",
    "the initial access token was revoked" },
  { "iat.pin_mismatch", "RFC 7591 §3",
    "the metadata differs from what the initial access token pins" },
  { "metadata.invalid", "RFC 7591 §3.2.2",
    "the client metadata is invalid: which member, and why" },

  /* Client ID metadata documents: one rule per check of the resolver's report that can fail
   * ("cimd." and the check's id, gh-cimd-report.h), in the order the checks run */
  { "cimd.project.cimd_enabled", CIMD_SPEC,
    "the project does not accept client ID metadata documents (cimd_enabled is off)" },
  { "cimd.url.syntax", CIMD_SPEC, "the client_id is not a URL" },
  { "cimd.url.scheme", CIMD_SPEC, "the client_id URL is not https" },
  { "cimd.url.userinfo", CIMD_SPEC, "the client_id URL has a user name or password" },
  { "cimd.url.fragment", CIMD_SPEC, "the client_id URL has a fragment" },
  { "cimd.url.host", CIMD_SPEC, "the client_id URL's host is not a domain name" },
  { "cimd.url.port", CIMD_SPEC, "the client_id URL's port is not allowed" },
  { "cimd.url.path", CIMD_SPEC, "the client_id URL has no path" },
  { "cimd.url.dot_segments", CIMD_SPEC, "the client_id URL has . or .. segments" },
  { "cimd.url.domain", CIMD_SPEC,
    "the client_id's domain is blocked, or not allowed by the project" },
  { "cimd.url.address", CIMD_SPEC,
    "the client_id's host is a special-use IP address or a loopback name" },
  { "cimd.dns.resolve", CIMD_SPEC, "the client_id's host does not resolve" },
  { "cimd.address.special", CIMD_SPEC,
    "the host resolved to a loopback, private, link-local or otherwise special address" },
  { "cimd.network.peer", CIMD_SPEC,
    "the connection reached an address that was not checked (refused before sending)" },
  { "cimd.fetch.deadline", CIMD_SPEC, "no complete answer within cimd_timeout_ms" },
  { "cimd.fetch.tls", CIMD_SPEC, "the TLS handshake failed (certificate not valid for the host)" },
  { "cimd.fetch.network", CIMD_SPEC, "the connection or the transfer failed" },
  { "cimd.http.redirect", CIMD_SPEC, "the fetch was answered with a redirect, never followed" },
  { "cimd.http.status", CIMD_SPEC, "the fetch was not answered 200" },
  { "cimd.http.content_type", CIMD_SPEC, "the document is not served as JSON" },
  { "cimd.body.size", CIMD_SPEC, "the document is larger than cimd_max_bytes" },
  { "cimd.document.json", CIMD_SPEC, "the document is not a strict JSON object" },
  { "cimd.document.client_id", CIMD_SPEC,
    "the document's client_id differs from its URL" },
  { "cimd.document.redirect_uris", CIMD_SPEC, "the document's redirect_uris are invalid" },
  { "cimd.document.client_name", CIMD_SPEC, "the document's client_name is invalid" },
  { "cimd.document.client_secret", CIMD_SPEC,
    "the document carries a client secret, which a public document may not" },
  { "cimd.document.token_endpoint_auth_method", CIMD_SPEC,
    "the document asks for an authentication method that needs a shared secret" },
  { "cimd.document.jwks", CIMD_SPEC, "the document's jwks is invalid" },
  { "cimd.document.jwks_uri", CIMD_SPEC, "the document's jwks_uri is invalid" },
  { "cimd.document.metadata", CIMD_SPEC, "a member of the document is invalid" },
  { "cimd.jwks.json", CIMD_SPEC, "the client's jwks_uri did not answer a JSON key set" },
  { "cimd.jwks.keys", CIMD_SPEC, "the client's key set has no usable key" },

  /* The admin API */
  { "admin.token_missing", "RFC 6750 §3.1", "no admin token was sent" },
  { "admin.token_unknown", "RFC 6750 §3.1", "the admin token is not one this server issued" },
  { "admin.token_expired", "RFC 6750 §3.1", "the admin token has expired" },
  { "admin.token_revoked", "RFC 6750 §3.1", "the admin token was revoked" },
  { "admin.rate_limited", NULL, "too many failed admin logins from this address" },
  { "admin.invalid_request", NULL,
    "an admin call's body, query or a value is refused (the member or parameter named when "
    "known)" },
  { "admin.not_found", NULL, "an admin call names a project or object that does not exist" },
  { "admin.conflict", NULL, "an admin call would give two objects one name" },
  { "admin.unavailable", NULL,
    "an admin call needs what is not available now (the secret store, a free stream)" },
};

static const GhExplainFixAction fix_actions[] = {
  { "allow_redirect_scheme", "scheme",
    "add the scheme to the project's redirect_schemes" },
  { "add_redirect_uri", "client_id,redirect_uri",
    "add the redirect URI to a client registered here (not one from a CIMD document)" },
  { "add_resource", "resource",
    "list the resource in the project" },
  { "set_setting", "key,value",
    "change one project setting (its cascade applies)" },
  { "refresh_client", "client_id",
    "fetch a CIMD client's document again and apply it" },
};

const GhExplainRule *
gh_explain_rules (guint *n_rules)
{
  g_return_val_if_fail (n_rules != NULL, NULL);

  *n_rules = G_N_ELEMENTS (rules);
  return rules;
}

const GhExplainRule *
gh_explain_rule_lookup (const char *rule)
{
  for (guint i = 0; rule != NULL && i < G_N_ELEMENTS (rules); i++)
    if (g_str_equal (rules[i].rule, rule))
      return &rules[i];
  return NULL;
}

const GhExplainFixAction *
gh_explain_fix_actions (guint *n_actions)
{
  g_return_val_if_fail (n_actions != NULL, NULL);

  *n_actions = G_N_ELEMENTS (fix_actions);
  return fix_actions;
}

const GhExplainFixAction *
gh_explain_fix_action_lookup (const char *action)
{
  for (guint i = 0; action != NULL && i < G_N_ELEMENTS (fix_actions); i++)
    if (g_str_equal (fix_actions[i].action, action))
      return &fix_actions[i];
  return NULL;
}

JsonObject *
gh_explain_new (const char *rule,
                const char *message_format,
                ...)
{
  const GhExplainRule *info = gh_explain_rule_lookup (rule);
  JsonObject *explain = json_object_new ();
  g_autofree char *message = NULL;
  va_list args;

  if (info == NULL)
    g_critical ("Explain rule %s is not registered (gh-explain.c)", rule);

  va_start (args, message_format);
  message = g_strdup_vprintf (message_format, args);
  va_end (args);

  json_object_set_string_member (explain, "rule",
                                 info != NULL ? info->rule : "internal.unregistered_rule");
  json_object_set_string_member (explain, "message", message);
  json_object_set_null_member (explain, "expected");
  json_object_set_null_member (explain, "actual");
  if (info != NULL && info->spec != NULL)
    json_object_set_string_member (explain, "spec", info->spec);
  else
    json_object_set_null_member (explain, "spec");
  json_object_set_null_member (explain, "hint");
  json_object_set_null_member (explain, "fix");
  return explain;
}

static void
set_cut_string (JsonObject *explain,
                const char *member,
                const char *value)
{
  g_autofree char *cut = NULL;

  g_return_if_fail (explain != NULL);

  if (value == NULL)
    {
      json_object_set_null_member (explain, member);
      return;
    }
  cut = gh_text_cut (value, GH_REFLECT_MAX_VALUE);
  json_object_set_string_member (explain, member, cut);
}

void
gh_explain_set_expected (JsonObject *explain,
                         const char *expected)
{
  set_cut_string (explain, "expected", expected);
}

void
gh_explain_set_actual (JsonObject *explain,
                       const char *actual)
{
  set_cut_string (explain, "actual", actual);
}

void
gh_explain_take_expected (JsonObject *explain,
                          JsonNode   *node)
{
  g_return_if_fail (explain != NULL);

  json_object_set_member (explain, "expected",
                          node != NULL ? node : json_node_new (JSON_NODE_NULL));
}

void
gh_explain_take_actual (JsonObject *explain,
                        JsonNode   *node)
{
  g_return_if_fail (explain != NULL);

  json_object_set_member (explain, "actual",
                          node != NULL ? node : json_node_new (JSON_NODE_NULL));
}

void
gh_explain_set_hint (JsonObject *explain,
                     const char *hint)
{
  g_return_if_fail (explain != NULL);

  if (hint != NULL)
    json_object_set_string_member (explain, "hint", hint);
  else
    json_object_set_null_member (explain, "hint");
}

void
gh_explain_set_fix (JsonObject *explain,
                    const char *action,
                    const char *first_member,
                    ...)
{
  g_autoptr(JsonObject) fix = NULL;
  const char *member = first_member;
  va_list args;

  g_return_if_fail (explain != NULL);

  if (gh_explain_fix_action_lookup (action) == NULL)
    {
      g_critical ("Fix action %s is not registered (gh-explain.c)", action);
      return;
    }

  fix = json_object_new ();
  json_object_set_string_member (fix, "action", action);
  va_start (args, first_member);
  while (member != NULL)
    {
      const char *value = va_arg (args, const char *);
      g_autofree char *cut = gh_text_cut (value != NULL ? value : "", GH_REFLECT_MAX_VALUE);

      json_object_set_string_member (fix, member, cut);
      member = va_arg (args, const char *);
    }
  va_end (args);
  json_object_set_object_member (explain, "fix", g_steal_pointer (&fix));
}
