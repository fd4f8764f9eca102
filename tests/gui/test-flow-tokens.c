/* test-flow-tokens.c — the Live flows' Tokens tab (GhFlowTokens) on real flows: a code
 * exchange, a refresh and a replayed refresh token outside the grace window (the lineage marks
 * the replayed generation with its ms since rotation against the window), the aud and scope
 * badges, the ticking expiry, "Check Against a Resource…" opening the Token checker on the
 * token's record, and "Revoke Family" with its confirmation
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-flow-tokens.h"
#include "gh-gui-test.h"

#define MCP "https://mcp.example/mcp"
#define APP_CB "https://app.example/cb"

/* --- A real flow, by HTTP, as a client makes it --- */

static JsonObject *
parse_object (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                             g_bytes_get_size (body), &error));
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* POST /token with @form: the status, and the answer's JSON in *@answer. */
static guint
post_token (GhGuiTest   *test,
            const char  *form,
            JsonObject **answer)
{
  g_autoptr(GhRawResponse) response = gh_test_raw_post_form (test->server->port, "/token",
                                                             form);

  *answer = parse_object (response->body);
  return response->status;
}

/* /authorize (auto-approved for alice) and /token for "app", asking for MCP at both (at
 * /authorize only unless @resource_at_token): the tokens. */
static JsonObject *
code_flow (GhGuiTest *test,
           gboolean   resource_at_token)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *verifier = g_strconcat (uuid, "-flow-tokens-verifier", NULL);
  g_autofree char *challenge = gh_gui_test_pkce_challenge (verifier);
  g_autofree char *cb = g_uri_escape_string (APP_CB, NULL, FALSE);
  g_autofree char *mcp = g_uri_escape_string (MCP, NULL, FALSE);
  g_autofree char *request = NULL;
  g_autofree char *location = NULL;
  g_autofree char *form = NULL;
  g_autoptr(GhRawResponse) authorize = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;
  JsonObject *answer = NULL;

  request = g_strdup_printf ("GET /authorize?response_type=code&client_id=app&redirect_uri=%s"
                             "&code_challenge=%s&code_challenge_method=S256&state=s"
                             "&scope=files%%3Aread&resource=%s HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\nConnection: close\r\n\r\n",
                             cb, challenge, mcp, test->server->port);
  authorize = gh_test_raw_http (test->server->port, request, strlen (request), 10000);
  location = gh_raw_response_header (authorize, "Location");
  g_assert_cmpuint (authorize->status, ==, 302);
  uri = g_uri_parse (location, G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (uri);
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  g_assert_nonnull (g_hash_table_lookup (params, "code"));
  form = g_strdup_printf ("grant_type=authorization_code&client_id=app&code=%s"
                          "&code_verifier=%s&redirect_uri=%s%s%s",
                          (const char *) g_hash_table_lookup (params, "code"), verifier, cb,
                          resource_at_token ? "&resource=" : "", resource_at_token ? mcp : "");
  g_assert_cmpuint (post_token (test, form, &answer), ==, 200);
  return answer;
}

static guint
refresh (GhGuiTest   *test,
         const char  *refresh_token,
         JsonObject **answer)
{
  g_autofree char *form = g_strdup_printf ("grant_type=refresh_token&client_id=app"
                                           "&refresh_token=%s", refresh_token);

  return post_token (test, form, answer);
}

/* The claims or header (@part 1 or 0) of a JWT the client got. */
static JsonObject *
jwt_part (const char *jwt,
          guint       part)
{
  g_auto(GStrv) parts = g_strsplit (jwt, ".", -1);
  g_autofree char *padding = NULL;
  g_autofree char *padded = NULL;
  g_autofree guchar *bytes = NULL;
  g_autoptr(GBytes) body = NULL;
  gsize len;

  padding = g_strnfill ((4 - strlen (parts[part]) % 4) % 4, '=');
  padded = g_strconcat (parts[part], padding, NULL);
  g_strdelimit (padded, "-", '+');
  g_strdelimit (padded, "_", '/');
  bytes = g_base64_decode (padded, &len);
  body = g_bytes_new (bytes, len);
  return parse_object (body);
}

/* --- The tab in a window of its own, with the window actions it uses --- */

typedef struct
{
  GhGuiTest    *test;
  GtkWidget    *window;
  GhFlowTokens *tokens;
  char         *opened;  /* the last win.open's "page target" */
} Tab;

static void
open_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  Tab *tab = user_data;
  const char *page, *target;

  g_variant_get (parameter, "(&s&s)", &page, &target);
  g_free (tab->opened);
  tab->opened = g_strdup_printf ("%s %s", page, target);
}

static void
toast_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
}

static gboolean
tab_settled (gpointer data)
{
  Tab *tab = data;

  return !gh_flow_tokens_get_loading (tab->tokens) &&
         gtk_widget_get_mapped (GTK_WIDGET (tab->tokens));
}

static void
tab_init (Tab       *tab,
          GhGuiTest *test)
{
  static const GActionEntry entries[] = {
    { "open", open_activated, "(ss)", NULL, NULL, { 0 } },
    { "show-toast", toast_activated, "s", NULL, NULL, { 0 } },
  };
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();

  tab->test = test;
  tab->opened = NULL;
  g_action_map_add_action_entries (G_ACTION_MAP (group), entries, G_N_ELEMENTS (entries), tab);
  tab->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (tab->window), 1000, 2400);
  gtk_widget_insert_action_group (tab->window, "win", G_ACTION_GROUP (group));
  tab->tokens = GH_FLOW_TOKENS (gh_flow_tokens_new ());
  gtk_window_set_child (GTK_WINDOW (tab->window), GTK_WIDGET (tab->tokens));
  gtk_window_present (GTK_WINDOW (tab->window));
}

static void
tab_clear (Tab *tab)
{
  gtk_window_destroy (GTK_WINDOW (tab->window));
  g_clear_pointer (&tab->opened, g_free);
}

/* Shows flow @flow_id (its GET .../flows/{id} answer, as the page passes it) and waits. */
static void
tab_show (Tab        *tab,
          const char *flow_id)
{
  g_autofree char *path = g_strconcat ("/projects/default/flows/", flow_id, NULL);
  g_autoptr(JsonObject) detail = gh_gui_test_admin (tab->test, "GET", path, NULL);

  gh_flow_tokens_set_flow (tab->tokens, gh_connection_get_admin_client (tab->test->connection),
                           "default", detail);
  g_assert_true (gh_flow_tokens_get_loading (tab->tokens));
  g_assert_true (gh_gui_test_wait (tab_settled, tab));
  gh_gui_test_run_for (100);
}

static void
collect (GtkWidget  *root,
         const char *name,
         GPtrArray  *found)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    g_ptr_array_add (found, root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, name, found);
}

static GPtrArray *
all_named (GtkWidget  *root,
           const char *name)
{
  GPtrArray *found = g_ptr_array_new ();

  collect (root, name, found);
  return found;
}

static const char *
label_text (GtkWidget  *root,
            const char *name)
{
  return gtk_label_get_text (GTK_LABEL (gh_gui_test_get (root, name)));
}

/* The id of the project's newest flow. */
static char *
newest_flow (GhGuiTest *test)
{
  g_autoptr(JsonObject) flows = gh_gui_test_admin (test, "GET",
                                                   "/projects/default/flows?limit=1", NULL);

  return g_strdup (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (flows,
                                                                                  "flows"), 0),
                     "id"));
}

/* With GH_FLOW_TOKENS_SHOTS=DIR, @window as a user sees it, light and dark, at 1280x800 and
 * 800x600, written to DIR as PREFIX-WxH[-dark].png (to look at; nothing is asserted). */
static void
shoot (GtkWidget  *window,
       const char *prefix)
{
  static const int sizes[][2] = { { 1280, 800 }, { 800, 600 } };
  const char *dir = g_getenv ("GH_FLOW_TOKENS_SHOTS");
  int width, height;

  if (dir == NULL)
    return;
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  for (guint dark = 0; dark < 2; dark++)
    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
      {
        g_autoptr(GdkPaintable) paintable = NULL;
        g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
        g_autoptr(GskRenderNode) node = NULL;
        g_autoptr(GdkTexture) texture = NULL;
        g_autofree char *name = g_strdup_printf ("%s-%dx%d%s.png", prefix, sizes[i][0],
                                                 sizes[i][1], dark ? "-dark" : "");
        g_autofree char *path = g_build_filename (dir, name, NULL);

        adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                            dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                                 : ADW_COLOR_SCHEME_FORCE_LIGHT);
        gtk_window_set_default_size (GTK_WINDOW (window), sizes[i][0], sizes[i][1]);
        gh_gui_test_run_for (800);
        paintable = gtk_widget_paintable_new (window);
        gh_gui_test_run_for (200);
        gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot),
                                gdk_paintable_get_intrinsic_width (paintable),
                                gdk_paintable_get_intrinsic_height (paintable));
        node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
        g_assert_nonnull (node);
        texture = gsk_renderer_render_texture (
                    gtk_native_get_renderer (GTK_NATIVE (window)), node,
                    &GRAPHENE_RECT_INIT (0, 0, gdk_paintable_get_intrinsic_width (paintable),
                                         gdk_paintable_get_intrinsic_height (paintable)));
        g_assert_true (gdk_texture_save_to_png (texture, path));
      }
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gh_gui_test_run_for (300);
}

static gboolean
page_tokens_settled (gpointer data)
{
  GtkWidget *tokens = gh_gui_test_find (data, "flow-tokens");

  return tokens != NULL && gtk_widget_get_mapped (tokens) &&
         !gh_flow_tokens_get_loading (GH_FLOW_TOKENS (tokens));
}

/* The same inside the Live flows page, on flow @flow_id's Tokens tab. */
static void
shoot_page (GhGuiTest  *test,
            const char *flow_id)
{
  g_autofree char *target = g_strconcat ("flow:", flow_id, NULL);
  GtkWidget *views;

  if (g_getenv ("GH_FLOW_TOKENS_SHOTS") == NULL)
    return;
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)", "flows", target);
  g_assert_true (gh_gui_test_wait_settled (GH_PAGE (gh_gui_test_get (GTK_WIDGET (test->window),
                                                                     "flows"))));
  gh_gui_test_run_for (2000);
  views = gh_gui_test_get (GTK_WIDGET (test->window), "flow-views");
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (views), "tokens");
  g_assert_true (gh_gui_test_wait (page_tokens_settled, test->window));
  shoot (GTK_WIDGET (test->window), "flows-page-tokens");
}

static gboolean
dialog_shown (gpointer data)
{
  return gh_gui_test_find_window (data) != NULL;
}

static void
test_flow_tokens (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) user = NULL;
  g_autoptr(JsonObject) resource = NULL;
  g_autoptr(JsonObject) client = NULL;
  g_autoptr(JsonObject) patched = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(JsonObject) replayed = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(JsonObject) families = NULL;
  g_autoptr(JsonObject) family = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GPtrArray) cards = NULL;
  g_autoptr(GPtrArray) replays = NULL;
  g_autofree char *flow_id = NULL;
  g_autofree char *family_path = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *key_title = NULL;
  g_autofree char *before = NULL;
  JsonObject *reuse;
  GtkWidget *token_one;
  GtkWidget *row;
  GhPage *checker;
  Tab tab;

  user = gh_gui_test_admin (test, "POST", "/projects/default/users",
                            "{\"username\": \"alice\", \"name\": \"Alice\"}");
  resource = gh_gui_test_admin (test, "POST", "/projects/default/resources",
                                "{\"uri\": \"" MCP "\", \"scopes\": [\"files:read\"]}");
  client = gh_gui_test_admin (test, "POST", "/projects/default/clients",
                              "{\"client_id\": \"app\", \"client_name\": \"App\", "
                              "\"redirect_uris\": [\"" APP_CB "\"], "
                              "\"grant_types\": [\"authorization_code\", \"refresh_token\"], "
                              "\"token_endpoint_auth_method\": \"none\"}");
  patched = gh_gui_test_admin (test, "PATCH", "/projects/default",
                               "{\"auto_approve_user\": \"alice\", "
                               "\"refresh_grace_seconds\": 1}");

  /* A code exchange, a refresh, and the first refresh token replayed outside the 1 s grace
   * window (the server compares whole seconds: 2.1 s is outside): the family is revoked. */
  first = code_flow (test, TRUE);
  g_assert_cmpuint (refresh (test, json_object_get_string_member (first, "refresh_token"),
                             &second), ==, 200);
  gh_gui_test_run_for (2100);
  g_assert_cmpuint (refresh (test, json_object_get_string_member (first, "refresh_token"),
                             &replayed), ==, 400);
  flow_id = newest_flow (test);
  header = jwt_part (json_object_get_string_member (first, "access_token"), 0);
  claims = jwt_part (json_object_get_string_member (first, "access_token"), 1);

  tab_init (&tab, test);
  tab_show (&tab, flow_id);
  shoot (tab.window, "flow-tokens");
  shoot_page (test, flow_id);

  /* Every token of the flow, in the order issued. */
  groups = all_named (GTK_WIDGET (tab.tokens), "flow-token");
  g_assert_cmpuint (groups->len, ==, 2);
  token_one = g_ptr_array_index (groups, 0);
  g_assert_cmpstr (g_object_get_data (G_OBJECT (token_one), "gh-jti"), ==,
                   json_object_get_string_member (claims, "jti"));
  g_assert_true (gh_gui_test_text_shown (token_one, json_object_get_string_member (claims,
                                                                                   "jti")));

  /* The header: the key that signed it, and its state. */
  row = gh_gui_test_get (token_one, "token-key");
  key_title = g_strdup_printf ("key %s (active)", json_object_get_string_member (header, "kid"));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, key_title);
  g_assert_true (gh_gui_test_text_shown (token_one, "Signed at issuance"));

  /* aud against the resource asked for at /authorize and at /token; scope against the
   * scopes asked for; the token refused now, its family revoked. */
  g_assert_cmpstr (label_text (token_one, "aud-badge-authorize"), ==, "/authorize: match");
  g_assert_cmpstr (label_text (token_one, "aud-badge-token"), ==, "/token: match");
  g_assert_cmpstr (label_text (token_one, "scope-badge"), ==, "Asked for: match");
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (
                     gh_gui_test_get (token_one, "token-aud"))), ==, "“" MCP "”");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (
                     gh_gui_test_get (token_one, "token-now"))), ==, "Refused now");

  /* The lineage: generation 1 used and replayed, against the grace window, as the admin API
   * says; generation 2 revoked with the family. */
  families = gh_gui_test_admin (test, "GET", "/projects/default/refresh-families?client_id=app",
                                NULL);
  family_path = g_strconcat ("/projects/default/refresh-families/",
                             json_object_get_string_member (
                               json_array_get_object_element (
                                 json_object_get_array_member (families, "refresh_families"), 0),
                               "id"), NULL);
  family = gh_gui_test_admin (test, "GET", family_path, NULL);
  reuse = json_object_get_object_member (family, "reuse");
  g_assert_cmpint (json_object_get_int_member (reuse, "ms_after_rotation"), >=, 1000);
  cards = all_named (GTK_WIDGET (tab.tokens), "lineage-generation");
  g_assert_cmpuint (cards->len, ==, 2);
  g_assert_cmpint (GPOINTER_TO_INT (g_object_get_data (g_ptr_array_index (cards, 0),
                                                       "gh-generation")), ==, 1);
  g_assert_cmpstr (label_text (g_ptr_array_index (cards, 0), "lineage-state"), ==,
                   "Used, rotated · now revoked");
  g_assert_cmpstr (label_text (g_ptr_array_index (cards, 1), "lineage-state"), ==,
                   "Never used · revoked");
  replays = all_named (g_ptr_array_index (cards, 0), "lineage-replay");
  g_assert_cmpuint (replays->len, ==, 1);
  expected = g_strdup_printf ("Replayed %" G_GINT64_FORMAT " ms after its rotation — grace "
                              "window 1000 ms",
                              json_object_get_int_member (reuse, "ms_after_rotation"));
  g_assert_cmpstr (gtk_label_get_text (g_ptr_array_index (replays, 0)), ==, expected);
  g_assert_null (gh_gui_test_find (g_ptr_array_index (cards, 1), "lineage-replay"));
  g_assert_true (gh_gui_test_text_shown (gh_gui_test_get (GTK_WIDGET (tab.tokens),
                                                          "family-reuse"),
                                         json_object_get_string_member (reuse, "message")));
  g_assert_false (gtk_widget_get_sensitive (gh_gui_test_get (GTK_WIDGET (tab.tokens),
                                                             "revoke-family")));
  /* Why, in words */
  g_assert_true (gh_gui_test_text_shown (GTK_WIDGET (tab.tokens),
                                         "Revoked: a spent refresh token was used again"));

  /* The expiry counts down. */
  before = g_strdup (label_text (token_one, "token-countdown"));
  g_assert_true (g_str_has_prefix (before, "Would expire in "));
  gh_gui_test_run_for (2100);
  g_assert_cmpstr (label_text (token_one, "token-countdown"), !=, before);

  /* "Check Against a Resource…": the Token checker on the token's record, against the
   * resource the client asked for (whatever the checker held before). */
  gh_gui_test_click (gh_gui_test_get (token_one, "check-token"));
  g_clear_pointer (&expected, g_free);
  expected = g_strconcat ("token-checker resource:" MCP " jti:",
                          json_object_get_string_member (claims, "jti"), NULL);
  g_assert_cmpstr (tab.opened, ==, expected);
  checker = GH_PAGE (gh_gui_test_get (GTK_WIDGET (test->window), "token-checker"));
  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (GTK_WIDGET (checker),
                                                        "resource-entry")),
                         "https://typed-before.example/mcp");
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)", "token-checker",
                              tab.opened + strlen ("token-checker "));
  g_assert_true (gh_gui_test_wait_settled (checker));
  gh_gui_test_run_for (100);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (gh_gui_test_get (GTK_WIDGET (checker),
                                                                         "resource-entry"))),
                   ==, MCP);
  g_assert_true (gh_gui_test_text_shown (gh_gui_test_get (GTK_WIDGET (checker), "check-row:aud"),
                                         "Pass"));
  g_assert_true (gh_gui_test_text_shown (GTK_WIDGET (checker), "Checked from the server's "
                                         "record of token"));
  g_assert_true (gh_gui_test_text_shown (GTK_WIDGET (checker),
                                         json_object_get_string_member (claims, "jti")));
  tab_clear (&tab);

  /* A second flow, not replayed: "Revoke Family" asks first, then revokes. */
  {
    g_autoptr(JsonObject) other = code_flow (test, FALSE);
    g_autoptr(JsonObject) after = NULL;
    g_autoptr(JsonObject) mine = NULL;
    g_autofree char *other_flow = newest_flow (test);
    g_autofree char *list = g_strconcat ("/projects/default/refresh-families?flow_id=",
                                         other_flow, NULL);
    g_autofree char *path = NULL;
    GtkWidget *button;
    GtkWidget *dialog;
    Tab second_tab;

    mine = gh_gui_test_admin (test, "GET", list, NULL);
    path = g_strconcat ("/projects/default/refresh-families/",
                        json_object_get_string_member (
                          json_array_get_object_element (
                            json_object_get_array_member (mine, "refresh_families"), 0), "id"),
                        NULL);
    tab_init (&second_tab, test);
    tab_show (&second_tab, other_flow);
    {
      g_autoptr(GPtrArray) one = all_named (GTK_WIDGET (second_tab.tokens), "flow-token");

      g_assert_cmpuint (one->len, ==, 1);
      /* No resource sent to /token: nothing to match there, and the badge says so. */
      g_assert_cmpstr (label_text (g_ptr_array_index (one, 0), "aud-badge-authorize"), ==,
                       "/authorize: match");
      g_assert_cmpstr (label_text (g_ptr_array_index (one, 0), "aud-badge-token"), ==,
                       "/token: no resource sent");
    }
    button = gh_gui_test_get (GTK_WIDGET (second_tab.tokens), "revoke-family");
    g_assert_true (gtk_widget_get_sensitive (button));

    gh_gui_test_click (button);
    g_assert_true (gh_gui_test_wait (dialog_shown, (gpointer) "revoke-family-confirm"));
    dialog = gh_gui_test_find_window ("revoke-family-confirm");
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
    gh_gui_test_run_for (300);
    after = gh_gui_test_admin (test, "GET", path, NULL);
    g_assert_cmpstr (json_object_get_string_member (after, "state"), ==, "active");
    g_clear_pointer (&after, json_object_unref);

    gh_gui_test_click (button);
    g_assert_true (gh_gui_test_wait (dialog_shown, (gpointer) "revoke-family-confirm"));
    dialog = gh_gui_test_find_window ("revoke-family-confirm");
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "revoke");
    gh_gui_test_run_for (300);
    g_assert_true (gh_gui_test_wait (tab_settled, &second_tab));
    gh_gui_test_run_for (100);
    after = gh_gui_test_admin (test, "GET", path, NULL);
    g_assert_cmpstr (json_object_get_string_member (after, "state"), ==, "revoked");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (after,
                                                                                  "revoked"),
                                                    "reason"), ==, "revoked_by_admin");
    /* The tab read it again: revoked, nothing left to revoke. */
    g_assert_true (gh_gui_test_text_shown (GTK_WIDGET (second_tab.tokens),
                                           "Revoked: an administrator revoked it"));
    g_assert_false (gtk_widget_get_sensitive (gh_gui_test_get (GTK_WIDGET (second_tab.tokens),
                                                               "revoke-family")));
    g_assert_nonnull (other);
    tab_clear (&second_tab);
  }
}

int
main (int    argc,
      char **argv)
{
  gh_gui_test_init (&argc, &argv);
  g_test_add_func ("/gui/flow-tokens/lineage-badges-check-revoke", test_flow_tokens);
  return g_test_run ();
}
