/* gh-pages.c — the few HTML pages the server shows a person
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-http"

#include "config.h"

#include <string.h>

#include "gh-crypto.h"
#include "gh-error.h"
#include "gh-http.h"
#include "gh-pages.h"
#include "gh-text.h"

/* Self-contained: no external assets, the style carries the response's nonce. */
static const char page_style[] =
  ":root{color-scheme:light dark;--fg:#1e1e1e;--bg:#fafafa;--card:#fff;--muted:#5e5e5e;"
  "--accent:#1c71d8;--accent-fg:#fff;--warn-bg:#fdf1d3;--warn-fg:#5c3c00;--border:#d9d9d9}"
  "@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#242424;--card:#303030;--muted:#b0b0b0;"
  "--accent:#78aeed;--accent-fg:#1e1e1e;--warn-bg:#4a3a10;--warn-fg:#f8e4b0;--border:#484848}}"
  "body{font:16px/1.5 Cantarell,'Noto Sans',system-ui,sans-serif;margin:0;background:var(--bg);"
  "color:var(--fg)}"
  "main{max-width:34rem;margin:3rem auto;padding:2rem;background:var(--card);border-radius:12px;"
  "border:1px solid var(--border)}"
  "h1{font-size:1.4rem;margin:0 0 .25rem}p.sub{color:var(--muted);margin:0 0 1.5rem}"
  "dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1.5rem}"
  "dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere;font-family:monospace}"
  "ul{padding-left:1.25rem}li{margin:.25rem 0}code{overflow-wrap:anywhere}"
  ".warn{background:var(--warn-bg);color:var(--warn-fg);padding:.75rem 1rem;border-radius:8px;"
  "margin:0 0 1.5rem}"
  ".users{display:grid;gap:.5rem;margin:0 0 1.5rem}"
  "button{font:inherit;padding:.6rem 1.2rem;border-radius:8px;border:1px solid var(--border);"
  "background:var(--card);color:var(--fg);cursor:pointer;text-align:left}"
  "button.primary{background:var(--accent);color:var(--accent-fg);border-color:var(--accent)}"
  "button.primary small{color:inherit;opacity:.9}"
  "button:focus-visible,input:focus-visible{outline:3px solid var(--accent);outline-offset:2px}"
  ".actions{display:flex;gap:.75rem;justify-content:flex-end}"
  "input[type=text]{font:inherit;padding:.5rem;border-radius:8px;border:1px solid var(--border);"
  "background:var(--bg);color:var(--fg);width:100%;box-sizing:border-box;margin:.25rem 0 .75rem}"
  "small{color:var(--muted)}a{color:var(--accent)}";

char *
gh_page_new_nonce (void)
{
  return gh_random_token (16);
}

static void
append_escaped (GString    *out,
                const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text != NULL ? text : "", -1);

  g_string_append (out, escaped);
}

static void
append_printf_escaped (GString    *out,
                       const char *format,
                       ...) G_GNUC_PRINTF (2, 3);

static void
append_printf_escaped (GString    *out,
                       const char *format,
                       ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_markup_vprintf_escaped (format, args);
  va_end (args);
  g_string_append (out, text);
}

static GString *
page_begin (const char *title,
            const char *nonce)
{
  GString *out = g_string_new ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                               "<meta name=\"viewport\" "
                               "content=\"width=device-width,initial-scale=1\">"
                               "<meta name=\"referrer\" content=\"same-origin\"><title>");

  append_escaped (out, title);
  append_printf_escaped (out, " — Gatehouse</title><style nonce=\"%s\">", nonce);
  g_string_append (out, page_style);
  g_string_append (out, "</style></head><body><main>");
  return out;
}

static char *
page_end (GString *out)
{
  g_string_append (out, "</main></body></html>\n");
  return g_string_free (out, FALSE);
}

/* A name shown to a person could imitate another (markup, look-alike letters): it is always
 * escaped, and the hosts, which the browser really goes to, are shown next to it. */
static void
append_client_facts (GString            *out,
                     const GhPageClient *client)
{
  g_string_append (out, "<dl>");
  append_printf_escaped (out, "<dt>Client ID</dt><dd>%s</dd>", client->client_id);
  if (client->client_host != NULL)
    append_printf_escaped (out, "<dt>Published by</dt><dd>%s</dd>", client->client_host);
  if (client->redirect_host != NULL)
    append_printf_escaped (out, "<dt>Returns to</dt><dd>%s</dd>", client->redirect_host);
  g_string_append (out, "</dl>");
}

static void
append_hidden_fields (GString            *out,
                      const GhPageClient *client)
{
  append_printf_escaped (out,
                         "<input type=\"hidden\" name=\"request\" value=\"%s\">"
                         "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">",
                         client->request_id, client->csrf_token);
}

static const char *
display_name (const GhPageClient *client)
{
  return client->client_name != NULL && *client->client_name != '\0' ? client->client_name
                                                                     : client->client_id;
}

char *
gh_page_login (const GhPageClient *client,
               const GhPageUser   *users,
               guint               n_users,
               gboolean            free_form,
               const char         *message,
               const char         *nonce)
{
  GString *out = page_begin ("Sign in", nonce);

  append_printf_escaped (out, "<h1>Sign in to %s</h1>", client->project_name);
  append_printf_escaped (out, "<p class=\"sub\">“%s” asks you to sign in. Choose a development "
                         "user.</p>", display_name (client));
  append_client_facts (out, client);
  if (message != NULL)
    append_printf_escaped (out, "<p class=\"warn\" role=\"alert\">%s</p>", message);

  append_printf_escaped (out, "<form method=\"post\" action=\"%s\">", client->form_action);
  append_hidden_fields (out, client);
  if (n_users > 0)
    {
      g_string_append (out,
                       "<div class=\"users\" role=\"group\" aria-label=\"Development users\">");
      for (guint i = 0; i < n_users; i++)
        {
          /* Only the values go through escaping; the first user is the default choice. */
          append_printf_escaped (out, "<button type=\"submit\" name=\"username\" value=\"%s\"",
                                 users[i].username);
          g_string_append (out, i == 0 ? " class=\"primary\" autofocus>" : ">");
          append_printf_escaped (out, "<strong>%s</strong>",
                                 users[i].name != NULL && *users[i].name != '\0'
                                 ? users[i].name : users[i].username);
          append_printf_escaped (out, "<br><small>%s%s%s</small></button>", users[i].username,
                                 users[i].email != NULL && *users[i].email != '\0' ? " · " : "",
                                 users[i].email != NULL ? users[i].email : "");
        }
      g_string_append (out, "</div>");
    }
  g_string_append (out, "</form>");

  if (free_form)
    {
      append_printf_escaped (out, "<form method=\"post\" action=\"%s\">", client->form_action);
      append_hidden_fields (out, client);
      g_string_append (out, "<label for=\"username\">Or sign in as another user name</label>"
                            "<input type=\"text\" id=\"username\" name=\"username\" "
                            "autocomplete=\"username\" pattern=\"[A-Za-z0-9._@\\-]{1,64}\" "
                            "required>"
                            "<div class=\"actions\"><button type=\"submit\">Sign in</button></div>"
                            "</form>");
    }
  else if (n_users == 0)
    g_string_append (out, "<p class=\"warn\">This project has no users. Add one with "
                          "<code>gatehouse-server user add NAME</code>.</p>");

  return page_end (out);
}

char *
gh_page_consent (const GhPageClient *client,
                 const char         *username,
                 const GhPageItem   *scopes,
                 guint               n_scopes,
                 const GhPageItem   *resources,
                 guint               n_resources,
                 const char         *warning,
                 const char         *nonce)
{
  GString *out = page_begin ("Allow access", nonce);

  append_printf_escaped (out, "<h1>Allow “%s” to act for you?</h1>", display_name (client));
  append_printf_escaped (out, "<p class=\"sub\">Signed in to %s as <strong>%s</strong>.</p>",
                         client->project_name, username);
  append_client_facts (out, client);
  if (warning != NULL)
    append_printf_escaped (out, "<p class=\"warn\" role=\"alert\">%s</p>", warning);

  if (n_scopes > 0)
    {
      g_string_append (out, "<p>It asks for:</p><ul>");
      for (guint i = 0; i < n_scopes; i++)
        append_printf_escaped (out, "<li><code>%s</code> — %s</li>", scopes[i].value,
                               scopes[i].description);
      g_string_append (out, "</ul>");
    }
  else
    g_string_append (out, "<p>It asks for no particular scope.</p>");

  if (n_resources > 0)
    {
      g_string_append (out, "<p>Its tokens will be accepted by:</p><ul>");
      for (guint i = 0; i < n_resources; i++)
        append_printf_escaped (out, "<li><code>%s</code>%s%s</li>", resources[i].value,
                               resources[i].description != NULL ? " — " : "",
                               resources[i].description != NULL ? resources[i].description : "");
      g_string_append (out, "</ul>");
    }

  append_printf_escaped (out, "<form method=\"post\" action=\"%s\">", client->form_action);
  append_hidden_fields (out, client);
  g_string_append (out, "<div class=\"actions\">"
                        "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>"
                        "<button type=\"submit\" name=\"decision\" value=\"allow\" "
                        "class=\"primary\" autofocus>Allow</button></div></form>");
  return page_end (out);
}

char *
gh_page_issuer (const char *project_name,
                const char *issuer,
                const char *oauth_metadata_url,
                const char *openid_configuration_url,
                const char *jwks_url,
                const char *nonce)
{
  GString *out = page_begin (project_name, nonce);

  append_printf_escaped (out, "<h1>%s</h1>", project_name);
  g_string_append (out, "<p class=\"sub\">An OAuth 2.1 and OpenID Connect issuer run by "
                        "Gatehouse. There is nothing to sign in to here: applications send you "
                        "to its sign-in page themselves, after they read its metadata.</p>");
  append_printf_escaped (out, "<dl><dt>Issuer</dt><dd>%s</dd>"
                         "<dt>OAuth metadata</dt><dd><a href=\"%s\">%s</a></dd>"
                         "<dt>OpenID configuration</dt><dd><a href=\"%s\">%s</a></dd>"
                         "<dt>JWKS</dt><dd><a href=\"%s\">%s</a></dd></dl>",
                         issuer, oauth_metadata_url, oauth_metadata_url,
                         openid_configuration_url, openid_configuration_url, jwks_url, jwks_url);
  g_string_append (out, "<p><small>Point an MCP client or server at the issuer URL; the "
                        "metadata (RFC 8414) lists every endpoint.</small></p>");
  return page_end (out);
}

char *
gh_page_error (const char *title,
               const char *message,
               const char *detail,
               const char *nonce)
{
  GString *out = page_begin (title, nonce);

  append_printf_escaped (out, "<h1>%s</h1><p>%s</p>", title, message);
  if (detail != NULL)
    append_printf_escaped (out, "<p><small>%s</small></p>", detail);
  g_string_append (out, "<p><small>The application that sent you here was not told about this "
                        "error, because the request could not be trusted to say where to send "
                        "it. You can close this page.</small></p>");
  return page_end (out);
}

/* The CSP source for where @redirect_uri sends the browser: its origin, or its scheme for an
 * app's own scheme. NULL when it has neither. */
static char *
form_target_source (const char *redirect_uri)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *port = NULL;
  const char *scheme;
  const char *host;

  if (redirect_uri == NULL)
    return NULL;
  uri = g_uri_parse (redirect_uri, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return NULL;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  for (const char *p = scheme; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '-' && *p != '.')
      return NULL;
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    return g_strdup_printf ("%s:", scheme);
  if (host == NULL || *host == '\0' || strpbrk (host, " ;,'\"") != NULL)
    return NULL;
  if (g_uri_get_port (uri) > 0)
    port = g_strdup_printf (":%d", g_uri_get_port (uri));
  return g_strdup_printf ("%s://%s%s%s%s", scheme, strchr (host, ':') != NULL ? "[" : "", host,
                          strchr (host, ':') != NULL ? "]" : "", port != NULL ? port : "");
}

void
gh_page_send_form (SoupServerMessage *msg,
                   guint              status,
                   char              *html,
                   const char        *nonce,
                   const char        *redirect_uri)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *target = form_target_source (redirect_uri);
  g_autofree char *csp = NULL;

  /* Forms post to this server only. The login and consent POSTs answer with a redirect that
   * may lead to the client, and browsers check form-action on redirects too: the client's
   * redirect_uri is allowed as well. */
  csp = g_strdup_printf ("default-src 'none'; style-src 'nonce-%s'; img-src 'self'; "
                         "form-action 'self'%s%s; frame-ancestors 'none'; base-uri 'none'",
                         nonce, target != NULL ? " " : "", target != NULL ? target : "");
  soup_message_headers_replace (headers, "Content-Security-Policy", csp);
  soup_message_headers_replace (headers, "X-Frame-Options", "DENY");
  /* same-origin, not no-referrer: a browser then names this origin in the Origin of the
   * pages' own form posts (no-referrer makes it "null"), and still tells other sites nothing,
   * the client the consent page sends the browser back to included. */
  soup_message_headers_replace (headers, "Referrer-Policy", "same-origin");
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Pragma", "no-cache");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE, html,
                                    strlen (html));
}

void
gh_page_send (SoupServerMessage *msg,
              guint              status,
              char              *html,
              const char        *nonce)
{
  gh_page_send_form (msg, status, html, nonce, NULL);
}

void
gh_page_send_refusal (SoupServerMessage *msg,
                      const GError      *error,
                      const char        *title)
{
  g_autofree char *nonce = NULL;
  g_autofree char *description = gh_text_cut (error->message, GH_REFLECT_MAX_DESCRIPTION);
  guint status = gh_error_page_status (error);

  if (!gh_http_accepts_html (msg))
    {
      gh_http_send_oauth_error (msg, gh_oauth_error_from_gerror (error), description);
      soup_server_message_set_status (msg, status, NULL);
      return;
    }
  nonce = gh_page_new_nonce ();
  gh_page_send (msg, status,
                gh_page_error (title, description, gh_error_code_string (error), nonce), nonce);
}
