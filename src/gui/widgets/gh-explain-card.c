/* gh-explain-card.c — GhExplainCard: why the server refused something, and the fix
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-explain-card.h"

/* The server's explain object drawn as the console draws every refusal: the message, the
 * rule, expected against actual with the differing span marked, what else the rule recorded,
 * the clause, a hint, and the fix as a button when the server offers one. */
struct _GhExplainCard
{
  AdwBin         parent_instance;

  JsonObject    *explain;
  GhAdminClient *client;
  char          *project;
  GCancellable  *cancellable;

  GtkWidget     *box;
  GtkWidget     *fix_button;
  GtkWidget     *fix_status;
};

G_DEFINE_FINAL_TYPE (GhExplainCard, gh_explain_card, ADW_TYPE_BIN)

enum {
  FIXED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Members every explain has; anything else a rule added is shown as a fact of its own. */
static const char * const standard_members[] = {
  "rule", "message", "expected", "actual", "spec", "hint", "fix", NULL,
};

static gsize
common_prefix (const char *a,
               const char *b)
{
  gsize n = 0;

  while (a[n] != '\0' && a[n] == b[n])
    n++;

  /* Never split a UTF-8 character. */
  while (n > 0 && (((guchar)a[n]) & 0xC0) == 0x80)
    n--;

  return n;
}

static gsize
common_suffix (const char *a,
               gsize       a_len,
               const char *b,
               gsize       b_len,
               gsize       prefix)
{
  gsize n = 0;

  while (n < a_len - prefix && n < b_len - prefix && a[a_len - 1 - n] == b[b_len - 1 - n])
    n++;

  while (n > 0 && (((guchar)a[a_len - n]) & 0xC0) == 0x80)
    n--;

  return n;
}

char *
gh_explain_diff_markup (const char *value,
                        const char *other,
                        gboolean   *differs)
{
  g_autofree char *head = NULL;
  g_autofree char *middle = NULL;
  g_autofree char *tail = NULL;
  gsize len;
  gsize prefix;
  gsize suffix;

  g_return_val_if_fail (value != NULL, NULL);

  len = strlen (value);
  if (other == NULL)
    {
      if (differs != NULL)
        *differs = FALSE;
      return g_markup_escape_text (value, -1);
    }

  prefix = common_prefix (value, other);
  suffix = common_suffix (value, len, other, strlen (other), prefix);

  if (differs != NULL)
    *differs = prefix + suffix < len || strlen (other) != len;

  head = g_markup_escape_text (value, prefix);
  middle = g_markup_escape_text (value + prefix, len - prefix - suffix);
  tail = g_markup_escape_text (value + len - suffix, suffix);

  if (*middle == '\0')
    return g_strconcat (head, tail, NULL);

  /* Red with a wavy line: readable in light and dark, and not by colour alone. */
  return g_strconcat (head,
                      "<span weight=\"bold\" underline=\"error\" bgcolor=\"#e01b24\" "
                      "bgalpha=\"25%\">", middle, "</span>",
                      tail, NULL);
}

char *
gh_explain_fix_label (JsonObject *fix)
{
  const char *action;

  g_return_val_if_fail (fix != NULL, NULL);

  action = json_object_get_string_member_with_default (fix, "action", "");

  if (g_str_equal (action, "allow_redirect_scheme"))
    return g_strdup_printf (_("Allow the “%s” Scheme"),
                            json_object_get_string_member_with_default (fix, "scheme", "?"));
  if (g_str_equal (action, "add_redirect_uri"))
    return g_strdup (_("Register This Redirect URI"));
  if (g_str_equal (action, "add_resource"))
    return g_strdup (_("List This Resource"));
  if (g_str_equal (action, "set_setting"))
    {
      JsonNode *value = json_object_get_member (fix, "value");
      g_autofree char *shown = value != NULL ? json_to_string (value, FALSE) : g_strdup ("?");

      return g_strdup_printf (_("Set %s to %s"),
                              json_object_get_string_member_with_default (fix, "key", "?"),
                              shown);
    }
  if (g_str_equal (action, "refresh_client"))
    return g_strdup (_("Fetch the Client’s Document Again"));

  return g_strdup (_("Apply the Fix"));
}

/* A value as compared: strings quoted, so that their ends (a trailing slash, a space) show. */
static char *
value_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup (_("(none)"));
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));

  return json_to_string (node, FALSE);
}

static gboolean
is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

static GtkWidget *
value_label_new (const char *markup,
                 const char *name)
{
  GtkWidget *label = gtk_label_new (NULL);
  g_autofree char *quoted = g_strconcat ("“", markup, "”", NULL);
  PangoAttrList *attrs;

  gtk_label_set_markup (GTK_LABEL (label), quoted);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_CHAR);
  /* A value wraps anywhere, and never gains a hyphen it does not have */
  attrs = pango_attr_list_new ();
  pango_attr_list_insert (attrs, pango_attr_insert_hyphens_new (FALSE));
  gtk_label_set_attributes (GTK_LABEL (label), attrs);
  pango_attr_list_unref (attrs);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_name (label, name);
  gtk_widget_add_css_class (label, "monospace");
  gtk_widget_add_css_class (label, "explain-value");

  return label;
}

static GtkWidget *
caption_new (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_valign (label, GTK_ALIGN_START);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "caption-heading");

  return label;
}

static GtkWidget *
text_new (const char *text,
          const char *name)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_name (label, name);

  return label;
}

/* The expected value closest to @actual: the one sharing the most at both ends. */
static const char *
closest (GPtrArray  *candidates,
         const char *actual)
{
  const char *best = NULL;
  gsize best_score = 0;

  for (guint i = 0; i < candidates->len; i++)
    {
      const char *candidate = g_ptr_array_index (candidates, i);
      gsize prefix = common_prefix (candidate, actual);
      gsize score = prefix + common_suffix (candidate, strlen (candidate), actual,
                                            strlen (actual), prefix);

      if (best == NULL || score > best_score)
        {
          best = candidate;
          best_score = score;
        }
    }

  return best;
}

static void
add_comparison (GhExplainCard *self,
                GtkGrid       *grid,
                int           *row)
{
  JsonNode *expected = json_object_get_member (self->explain, "expected");
  JsonNode *actual = json_object_get_member (self->explain, "actual");
  g_autoptr(GPtrArray) expected_values = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *actual_text = value_text (actual);
  const char *nearest;
  GtkWidget *values;

  if ((expected == NULL || JSON_NODE_HOLDS_NULL (expected)) &&
      (actual == NULL || JSON_NODE_HOLDS_NULL (actual)))
    return;

  if (expected != NULL && JSON_NODE_HOLDS_ARRAY (expected))
    {
      JsonArray *array = json_node_get_array (expected);

      for (guint i = 0; i < json_array_get_length (array); i++)
        g_ptr_array_add (expected_values, value_text (json_array_get_element (array, i)));
    }
  else
    {
      g_ptr_array_add (expected_values, value_text (expected));
    }

  /* Only strings are compared span by span; other values are shown as they are. */
  nearest = is_string (actual) ? closest (expected_values, actual_text) : NULL;

  values = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  for (guint i = 0; i < expected_values->len; i++)
    {
      const char *value = g_ptr_array_index (expected_values, i);
      g_autofree char *markup = gh_explain_diff_markup (value,
                                                        value == nearest ? actual_text : NULL,
                                                        NULL);

      gtk_box_append (GTK_BOX (values), value_label_new (markup, "expected-value"));
    }
  if (expected_values->len == 0)
    gtk_box_append (GTK_BOX (values), value_label_new (_("(nothing registered)"),
                                                       "expected-value"));
  gtk_grid_attach (grid, caption_new (_("Expected")), 0, *row, 1, 1);
  gtk_grid_attach (grid, values, 1, (*row)++, 1, 1);

  {
    g_autofree char *markup = gh_explain_diff_markup (actual_text, nearest, NULL);

    gtk_grid_attach (grid, caption_new (_("Actual")), 0, *row, 1, 1);
    gtk_grid_attach (grid, value_label_new (markup, "actual-value"), 1, (*row)++, 1, 1);
  }
}

static void
add_facts (GhExplainCard *self,
           GtkGrid       *grid,
           int           *row)
{
  JsonObjectIter iter;
  const char *member;
  JsonNode *node;

  json_object_iter_init (&iter, self->explain);
  while (json_object_iter_next (&iter, &member, &node))
    {
      g_autofree char *text = NULL;
      g_autofree char *name = NULL;
      GtkWidget *value;

      if (g_strv_contains (standard_members, member) || JSON_NODE_HOLDS_NULL (node))
        continue;

      /* "match_rule" -> "Match rule", as the other captions */
      name = g_strdelimit (g_strdup (member), "_", ' ');
      name[0] = g_ascii_toupper (name[0]);
      text = value_text (node);
      value = text_new (text, member);
      gtk_widget_add_css_class (value, "monospace");
      gtk_grid_attach (grid, caption_new (name), 0, *row, 1, 1);
      gtk_grid_attach (grid, value, 1, (*row)++, 1, 1);
    }
}

static void
fix_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GhExplainCard) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;

  answer = gh_admin_client_request_json_finish (GH_ADMIN_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->fix_status == NULL)
    return;

  gtk_widget_set_visible (self->fix_status, TRUE);
  gtk_widget_remove_css_class (self->fix_status, "success");
  gtk_widget_remove_css_class (self->fix_status, "error");
  if (answer == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The fix was refused: %s"), error->message);

      gtk_label_set_label (GTK_LABEL (self->fix_status), text);
      gtk_widget_add_css_class (self->fix_status, "error");
      gtk_widget_set_sensitive (self->fix_button, TRUE);
      return;
    }

  gtk_label_set_label (GTK_LABEL (self->fix_status),
                       _("Fixed. The next attempt will be judged with this change."));
  gtk_widget_add_css_class (self->fix_status, "success");
  g_signal_emit (self, signals[FIXED], 0, answer);
}

static void
fix_clicked_cb (GhExplainCard *self)
{
  g_autofree char *path = NULL;
  g_autofree char *slug = NULL;
  JsonObject *fix;

  fix = json_object_get_object_member (self->explain, "fix");
  if (fix == NULL || self->client == NULL)
    return;

  gtk_widget_set_sensitive (self->fix_button, FALSE);
  slug = g_uri_escape_string (self->project, NULL, FALSE);
  path = g_strconcat ("/projects/", slug, "/fixes", NULL);
  gh_admin_client_request_json_async (self->client, "POST", path, fix, self->cancellable,
                                      fix_done_cb, g_object_ref (self));
}

static void
rebuild (GhExplainCard *self)
{
  GtkWidget *box;
  GtkWidget *header;
  GtkWidget *icon;
  GtkWidget *grid;
  const char *message;
  const char *rule;
  const char *spec;
  const char *hint;
  JsonObject *fix = NULL;
  int row = 0;

  self->fix_button = NULL;
  self->fix_status = NULL;
  adw_bin_set_child (ADW_BIN (self), NULL);
  if (self->explain == NULL)
    return;

  message = json_object_get_string_member_with_default (self->explain, "message", NULL);
  rule = json_object_get_string_member_with_default (self->explain, "rule", "");
  spec = json_object_get_string_member_with_default (self->explain, "spec", NULL);
  hint = json_object_get_string_member_with_default (self->explain, "hint", NULL);
  if (json_object_has_member (self->explain, "fix") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (self->explain, "fix")))
    fix = json_object_get_object_member (self->explain, "fix");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_add_css_class (box, "card");

  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_margin_top (header, 12);
  gtk_widget_set_margin_start (header, 12);
  gtk_widget_set_margin_end (header, 12);
  icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");
  gtk_widget_add_css_class (icon, "error");
  gtk_widget_set_valign (icon, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (header), icon);
  {
    GtkWidget *titles = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
    GtkWidget *title = text_new (message != NULL ? message : rule, "explain-message");
    GtkWidget *rule_label = text_new (rule, "explain-rule");

    gtk_widget_add_css_class (title, "heading");
    gtk_widget_add_css_class (rule_label, "monospace");
    gtk_widget_add_css_class (rule_label, "dim-label");
    gtk_widget_add_css_class (rule_label, "caption");
    gtk_box_append (GTK_BOX (titles), title);
    gtk_box_append (GTK_BOX (titles), rule_label);
    gtk_widget_set_hexpand (titles, TRUE);
    gtk_box_append (GTK_BOX (header), titles);
  }
  gtk_box_append (GTK_BOX (box), header);

  grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_widget_set_margin_start (grid, 12);
  gtk_widget_set_margin_end (grid, 12);
  add_comparison (self, GTK_GRID (grid), &row);
  add_facts (self, GTK_GRID (grid), &row);
  if (spec != NULL && *spec != '\0')
    {
      gtk_grid_attach (GTK_GRID (grid), caption_new (_("Standard")), 0, row, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), text_new (spec, "explain-spec"), 1, row++, 1, 1);
    }
  if (row > 0)
    gtk_box_append (GTK_BOX (box), grid);

  if (hint != NULL && *hint != '\0')
    {
      GtkWidget *hint_label = text_new (hint, "explain-hint");

      gtk_widget_set_margin_start (hint_label, 12);
      gtk_widget_set_margin_end (hint_label, 12);
      gtk_box_append (GTK_BOX (box), hint_label);
    }

  if (fix != NULL && self->client != NULL)
    {
      GtkWidget *actions = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      g_autofree char *label = gh_explain_fix_label (fix);

      gtk_widget_set_margin_start (actions, 12);
      gtk_widget_set_margin_end (actions, 12);
      self->fix_button = gtk_button_new_with_label (label);
      gtk_widget_set_name (self->fix_button, "fix-button");
      gtk_widget_add_css_class (self->fix_button, "suggested-action");
      gtk_widget_add_css_class (self->fix_button, "pill");
      g_signal_connect_swapped (self->fix_button, "clicked", G_CALLBACK (fix_clicked_cb), self);
      self->fix_status = text_new (NULL, "fix-status");
      gtk_widget_set_visible (self->fix_status, FALSE);
      gtk_widget_set_hexpand (self->fix_status, TRUE);
      gtk_box_append (GTK_BOX (actions), self->fix_button);
      gtk_box_append (GTK_BOX (actions), self->fix_status);
      gtk_box_append (GTK_BOX (box), actions);
    }

  /* The card's bottom padding, whatever its last part is. */
  gtk_widget_set_margin_bottom (gtk_widget_get_last_child (box), 12);

  adw_bin_set_child (ADW_BIN (self), box);
  self->box = box;
}

static void
gh_explain_card_dispose (GObject *object)
{
  GhExplainCard *self = (GhExplainCard *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_pointer (&self->explain, json_object_unref);
  self->fix_button = NULL;
  self->fix_status = NULL;

  G_OBJECT_CLASS (gh_explain_card_parent_class)->dispose (object);
}

static void
gh_explain_card_finalize (GObject *object)
{
  GhExplainCard *self = (GhExplainCard *)object;

  g_clear_pointer (&self->project, g_free);

  G_OBJECT_CLASS (gh_explain_card_parent_class)->finalize (object);
}

static void
gh_explain_card_class_init (GhExplainCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_explain_card_dispose;
  object_class->finalize = gh_explain_card_finalize;

  /* The fix was applied; the server's answer (a JsonObject). */
  signals[FIXED] =
    g_signal_new ("fixed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, JSON_TYPE_OBJECT);

  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "explain-card");
}

static void
gh_explain_card_init (GhExplainCard *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_set_name (GTK_WIDGET (self), "explain-card");
}

GtkWidget *
gh_explain_card_new (void)
{
  return g_object_new (GH_TYPE_EXPLAIN_CARD, NULL);
}

void
gh_explain_card_set_explain (GhExplainCard *self,
                             JsonObject    *explain)
{
  g_return_if_fail (GH_IS_EXPLAIN_CARD (self));

  if (explain != NULL)
    json_object_ref (explain);
  g_clear_pointer (&self->explain, json_object_unref);
  self->explain = explain;
  rebuild (self);
}

JsonObject *
gh_explain_card_get_explain (GhExplainCard *self)
{
  g_return_val_if_fail (GH_IS_EXPLAIN_CARD (self), NULL);

  return self->explain;
}

void
gh_explain_card_set_target (GhExplainCard *self,
                            GhAdminClient *client,
                            const char    *project)
{
  g_return_if_fail (GH_IS_EXPLAIN_CARD (self));
  g_return_if_fail (!client || GH_IS_ADMIN_CLIENT (client));

  g_set_object (&self->client, client);
  g_free (self->project);
  self->project = g_strdup (project != NULL ? project : "default");
  rebuild (self);
}

GtkWindow *
gh_explain_card_present (GtkWidget     *parent,
                         JsonObject    *explain,
                         GhAdminClient *client,
                         const char    *project)
{
  GtkWidget *window;
  GtkWidget *box;
  GtkWidget *header;
  GtkWidget *scrolled;
  GtkWidget *clamp;
  GtkWidget *card;
  GtkRoot *root;

  g_return_val_if_fail (explain != NULL, NULL);

  window = adw_window_new ();
  gtk_widget_set_name (window, "explain-window");
  gtk_window_set_title (GTK_WINDOW (window), _("Why It Was Refused"));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 460);
  root = parent != NULL ? gtk_widget_get_root (parent) : NULL;
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (root));
  gtk_window_set_destroy_with_parent (GTK_WINDOW (window), TRUE);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  gtk_box_append (GTK_BOX (box), header);

  card = gh_explain_card_new ();
  gh_explain_card_set_explain (GH_EXPLAIN_CARD (card), explain);
  gh_explain_card_set_target (GH_EXPLAIN_CARD (card), client, project);
  clamp = adw_clamp_new ();
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 720);
  gtk_widget_set_margin_top (clamp, 18);
  gtk_widget_set_margin_bottom (clamp, 18);
  gtk_widget_set_margin_start (clamp, 12);
  gtk_widget_set_margin_end (clamp, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), card);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_box_append (GTK_BOX (box), scrolled);
  adw_window_set_content (ADW_WINDOW (window), box);

  {
    GtkEventController *keys = gtk_shortcut_controller_new ();

    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape,
                                                                                    0),
                                                            gtk_named_action_new
                                                              ("window.close")));
    gtk_widget_add_controller (window, keys);
  }

  gtk_window_present (GTK_WINDOW (window));

  return GTK_WINDOW (window);
}
