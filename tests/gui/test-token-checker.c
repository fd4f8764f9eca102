/* test-token-checker.c — the Token checker page: a real access token checked against its
 * resource (every check passes), against one a trailing slash away (aud fails, the slash
 * marked), a token that does not parse, Clear, and the page opened with a target
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-gui-test.h"

#define MCP "https://mcp.example/mcp"
#define APP_CB "https://app.example/cb"

/* The checks of a JWT issued here, in the order the server answers them. */
static const char * const all_checks[] = {
  "format", "signature", "typ", "required_claims", "iss", "aud", "exp", "nbf", "iat", "scope",
  "issued_here", "revocation",
};

/* The value of query parameter @name in @url (no decoding needed for a code). */
static char *
query_param (const char *url,
             const char *name)
{
  g_autofree char *key = g_strconcat (name, "=", NULL);
  const char *at = strstr (url, "?");

  while (at != NULL)
    {
      at++;
      if (g_str_has_prefix (at, key))
        return g_strndup (at + strlen (key), strcspn (at + strlen (key), "&#"));
      at = strchr (at, '&');
    }
  return NULL;
}

/* A real access token for MCP: a public client pre-registered through the admin API, a
 * development user signed in and consenting by auto-approve, /authorize with PKCE (its
 * redirect read, not followed) and the code redeemed at /token. */
static char *
real_access_token (GhGuiTest *test)
{
  g_autoptr(JsonObject) user = NULL;
  g_autoptr(JsonObject) resource = NULL;
  g_autoptr(JsonObject) client = NULL;
  g_autoptr(JsonObject) patched = NULL;
  g_autoptr(GhRawResponse) authorize = NULL;
  g_autoptr(GhRawResponse) token = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *verifier = g_uuid_string_random ();
  g_autofree char *full_verifier = g_strconcat (verifier, "-pkce-verifier-of-the-test", NULL);
  g_autofree char *challenge = NULL;
  g_autofree char *request = NULL;
  g_autofree char *location = NULL;
  g_autofree char *code = NULL;
  g_autofree char *form = NULL;
  g_autofree char *cb = g_uri_escape_string (APP_CB, NULL, FALSE);
  g_autofree char *mcp = g_uri_escape_string (MCP, NULL, FALSE);
  JsonObject *answer;

  challenge = gh_gui_test_pkce_challenge (full_verifier);

  user = gh_gui_test_admin (test, "POST", "/projects/default/users",
                            "{\"username\": \"alice\", \"name\": \"Alice\"}");
  resource = gh_gui_test_admin (test, "POST", "/projects/default/resources",
                                "{\"uri\": \"" MCP "\", \"scopes\": [\"files:read\"]}");
  client = gh_gui_test_admin (test, "POST", "/projects/default/clients",
                              "{\"client_id\": \"app\", \"client_name\": \"App\", "
                              "\"redirect_uris\": [\"" APP_CB "\"], "
                              "\"token_endpoint_auth_method\": \"none\"}");
  patched = gh_gui_test_admin (test, "PATCH", "/projects/default",
                               "{\"auto_approve_user\": \"alice\"}");

  request = g_strdup_printf ("GET /authorize?response_type=code&client_id=app&redirect_uri=%s"
                             "&code_challenge=%s&code_challenge_method=S256&state=s"
                             "&scope=files%%3Aread&resource=%s HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\nConnection: close\r\n\r\n",
                             cb, challenge, mcp, test->server->port);
  authorize = gh_test_raw_http (test->server->port, request, strlen (request), 10000);
  location = gh_raw_response_header (authorize, "Location");
  if (authorize->status != 302 || location == NULL)
    g_error ("/authorize answered %u: %s", authorize->status, authorize->head);
  code = query_param (location, "code");
  g_assert_nonnull (code);

  form = g_strdup_printf ("grant_type=authorization_code&client_id=app&code=%s"
                          "&code_verifier=%s&redirect_uri=%s&resource=%s",
                          code, full_verifier, cb, mcp);
  token = gh_test_raw_post_form (test->server->port, "/token", form);
  if (token->status != 200)
    g_error ("/token answered %u: %.*s", token->status,
             (int) g_bytes_get_size (token->body),
             (const char *) g_bytes_get_data (token->body, NULL));
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (token->body, NULL),
                                             g_bytes_get_size (token->body), &error));
  g_assert_no_error (error);
  answer = json_node_get_object (json_parser_get_root (parser));
  return g_strdup (json_object_get_string_member (answer, "access_token"));
}

typedef struct
{
  GtkWidget  *root;
  const char *name;
} Find;

static gboolean
widget_mapped (gpointer data)
{
  Find *find = data;
  GtkWidget *widget = gh_gui_test_find (find->root, find->name);

  return widget != NULL && gtk_widget_get_mapped (widget);
}

static GtkWidget *
wait_mapped (GtkWidget  *root,
             const char *name)
{
  Find find = { root, name };

  if (!gh_gui_test_wait (widget_mapped, &find))
    g_error ("“%s” is not shown; labels:\n%s", name, gh_gui_test_dump_labels (root));
  return gh_gui_test_get (root, name);
}

/* The result word shown beside check @name. */
static const char *
result_word (GhPage     *page,
             const char *name)
{
  g_autofree char *label_name = g_strconcat ("check-result:", name, NULL);
  GtkWidget *label = wait_mapped (GTK_WIDGET (page), label_name);

  return gtk_label_get_text (GTK_LABEL (label));
}

/* Types @token and @resource as a user does and presses Check; waits for the answer. */
static void
check (GhPage     *page,
       const char *token,
       const char *resource)
{
  GtkWidget *button = gh_gui_test_get (GTK_WIDGET (page), "check-button");

  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (GTK_WIDGET (page), "token-entry")),
                         token);
  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (GTK_WIDGET (page), "resource-entry")),
                         resource);
  g_assert_true (gtk_widget_get_sensitive (button));
  gh_gui_test_click (button);
  g_assert_true (gh_page_get_busy (page));
  g_assert_true (gh_gui_test_wait_settled (page));
  wait_mapped (GTK_WIDGET (page), "verdict-label");
}

/* @text in base64url without padding, as a JWT's parts are. */
static char *
base64url (const char *text)
{
  g_autofree char *plain = g_base64_encode ((const guchar *) text, strlen (text));
  GString *out = g_string_new (NULL);

  for (const char *c = plain; *c != '\0' && *c != '='; c++)
    g_string_append_c (out, *c == '+' ? '-' : *c == '/' ? '_' : *c);
  return g_string_free (out, FALSE);
}

/* TRUE when a label under @widget shows @secret. */
static gboolean
label_holds (GtkWidget  *widget,
             const char *secret)
{
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_label (GTK_LABEL (widget)), secret) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (label_holds (child, secret))
      return TRUE;
  return FALSE;
}

static void
test_token_checker (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autofree char *token = real_access_token (test);
  GhPage *page = gh_gui_test_show_page (test, "token-checker");
  GtkWidget *root = GTK_WIDGET (page);
  GtkWidget *entry = gh_gui_test_get (root, "token-entry");
  GtkWidget *label;
  const char *markup;

  /* Nothing checked yet: the page says what it does; the token is hidden by default. */
  g_assert_true (gtk_widget_get_mapped (gh_gui_test_get (root, "empty-state")));
  g_assert_true (gh_gui_test_text_shown (root, "checks, one by one"));
  g_assert_true (ADW_IS_PASSWORD_ENTRY_ROW (entry));
  /* In locked memory, zeroed when replaced. */
  g_assert_true (GTK_IS_PASSWORD_ENTRY_BUFFER (gtk_text_get_buffer (
                   GTK_TEXT (gtk_editable_get_delegate (GTK_EDITABLE (entry))))));
  g_assert_false (gtk_widget_get_sensitive (gh_gui_test_get (root, "check-button")));

  /* The right resource: every check passes, in the server's order. */
  check (page, token, MCP);
  for (guint i = 0; i < G_N_ELEMENTS (all_checks); i++)
    {
      g_test_message ("check %s", all_checks[i]);
      g_assert_cmpstr (result_word (page, all_checks[i]), ==, "Pass");
    }
  label = gh_gui_test_get (root, "verdict-label");
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (label)),
                                   "Every check passes"));
  /* The signature names its key and the key's state. */
  g_assert_true (gh_gui_test_text_shown (gh_gui_test_get (root, "check-row:signature"),
                                         "Signed by key"));
  g_assert_true (gh_gui_test_text_shown (gh_gui_test_get (root, "check-row:signature"),
                                         "active"));
  /* Times relative to now, with the date. */
  g_assert_true (gh_gui_test_text_shown (gh_gui_test_get (root, "check-row:exp"), "· in "));
  g_assert_true (gh_gui_test_text_shown (gh_gui_test_get (root, "check-row:iat"), " · "));
  /* The decoded token: aud is the resource, with its meaning in words. */
  label = wait_mapped (root, "claims:aud-value");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, MCP);
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (label)));
  g_assert_true (gh_gui_test_text_shown (root, "audience"));
  g_assert_true (gh_gui_test_text_shown (gh_gui_test_get (root, "claims:exp"), "in "));
  g_assert_true (gh_gui_test_label_shown (root, "at+jwt"));
  /* The token itself is in the entry only. */
  g_assert_false (label_holds (GTK_WIDGET (test->window), token));

  /* A trailing slash away: aud fails, both strings quoted, the slash marked. */
  check (page, token, MCP "/");
  g_assert_cmpstr (result_word (page, "aud"), ==, "Fail");
  g_assert_cmpstr (result_word (page, "signature"), ==, "Pass");
  g_assert_true (gh_gui_test_text_shown (root, "trailing slash"));
  label = wait_mapped (root, "aud-expected-value");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, "“" MCP "/”");
  markup = gtk_label_get_label (GTK_LABEL (label));
  g_assert_nonnull (strstr (markup, "underline=\"error\""));
  g_assert_nonnull (strstr (markup, ">/</span>”"));
  label = wait_mapped (root, "aud-actual-value");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, "“" MCP "”");
  label = gh_gui_test_get (root, "verdict-label");
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (label)),
                                   "Refused: 1 check fails, Audience (aud)"));

  /* Signed by a key this server never had: the key row names the header's kid and says so,
   * and the verdict gives /introspect's reason as a sentence of its own. */
  {
    g_autofree char *header = base64url ("{\"alg\":\"ES256\",\"kid\":\"not-here\","
                                         "\"typ\":\"at+jwt\"}");
    g_autofree char *claims = base64url ("{\"iss\":\"https://elsewhere.example\"}");
    g_autofree char *forged = g_strdup_printf ("%s.%s.c2ln", header, claims);

    check (page, forged, MCP);
    g_assert_cmpstr (result_word (page, "signature"), ==, "Fail");
    label = wait_mapped (root, "signature-key-value");
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==,
                     "“not-here” — unknown to this server: it never had this key, or removed "
                     "it");
    label = gh_gui_test_get (root, "verdict-detail");
    g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)),
                              "calls it inactive. Its reason: "));
  }

  /* A token that does not parse: the parse check fails with the server's reason. */
  check (page, "a.b.c", "");
  g_assert_cmpstr (result_word (page, "format"), ==, "Fail");
  g_assert_true (gh_gui_test_text_shown (root, "The header is not base64url JSON"));
  g_assert_null (gh_gui_test_find (root, "check-row:aud"));

  /* Clear: the entry is empty, the report gone, the page back to what it does. */
  gh_gui_test_click (gh_gui_test_get (root, "clear-button"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  g_assert_null (gh_gui_test_find (root, "check-row:format"));
  g_assert_true (gtk_widget_get_mapped (gh_gui_test_get (root, "empty-state")));
  g_assert_false (gtk_widget_get_sensitive (gh_gui_test_get (root, "check-button")));

  /* Opened from elsewhere (a token card): the resource, then the token, checked at once. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)",
                                             "token-checker", "resource:" MCP "/"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)",
                                             "token-checker", "token:a.b.c"));
  g_assert_true (gh_gui_test_wait_settled (page));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "a.b.c");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (gh_gui_test_get (root,
                                                                         "resource-entry"))),
                   ==, MCP "/");
  g_assert_cmpstr (result_word (page, "format"), ==, "Fail");

  /* Both in one target (--target of a screenshot): the resource first, then the check. */
  gh_gui_test_click (gh_gui_test_get (root, "clear-button"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)",
                                             "token-checker", "resource:" MCP " token:a.b.c"));
  g_assert_true (gh_gui_test_wait_settled (page));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (gh_gui_test_get (root,
                                                                         "resource-entry"))),
                   ==, MCP);
  g_assert_cmpstr (result_word (page, "format"), ==, "Fail");
  label = gh_gui_test_get (root, "verdict-label");
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (label)),
                                   "Refused: 1 check fails, Parse"));
}

int
main (int   argc,
      char *argv[])
{
  gh_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/token-checker/checks", test_token_checker);

  return g_test_run ();
}
