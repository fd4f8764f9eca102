/* gh-token-checker-page.c — GhTokenCheckerPage: any token checked by the server, check by check
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gh-admin-json.h"
#include "gh-explain-card.h"
#include "gh-token-checker-page.h"
#include "gh-value-row.h"

/* A pasted token and an optional resource, sent to POST …/tokens/inspect; the answer shown as
 * a verdict sentence, one row per check in the server's order (failures expanded, with what
 * was compared and the differing span marked), and the decoded header and claims with their
 * meaning. The token lives in the entry only: never in GSettings, a file or a log; Clear
 * empties the entry and drops the report decoded from it. */
struct _GhTokenCheckerPage
{
  GhPage      parent_instance;

  GPtrArray  *rows;          /* the rows added to the groups, to remove them */
  guint       generation;    /* of the check in flight; an older answer is dropped */
  gboolean    checking;
  gboolean    pending_check; /* open_target before the connection was ready */
  char       *jti;           /* "jti:" target: a token of this project by its record */

  /* Template widgets */
  GtkButton  *check_button;
  AdwPreferencesGroup *checks_group;
  AdwPreferencesGroup *claims_group;
  GtkButton  *clear_button;
  AdwPreferencesGroup *header_group;
  GtkBox     *report_box;
  AdwEntryRow *resource_entry;
  GtkSpinner *spinner;
  GtkStack   *stack;
  AdwPasswordEntryRow *token_entry;
  GtkLabel   *verdict_detail;
  GtkImage   *verdict_icon;
  GtkLabel   *verdict_label;
};

G_DEFINE_FINAL_TYPE (GhTokenCheckerPage, gh_token_checker_page, GH_TYPE_PAGE)

/* The checks of README "Refresh families, token inspection, client compatibility". */
static const struct {
  const char *name;
  const char *title;
} check_titles[] = {
  { "format", N_("Parse") },
  { "signature", N_("Signature") },
  { "typ", N_("Token type (typ)") },
  { "required_claims", N_("Required claims") },
  { "iss", N_("Issuer (iss)") },
  { "aud", N_("Audience (aud) against the resource") },
  { "exp", N_("Expiry (exp)") },
  { "nbf", N_("Not before (nbf)") },
  { "iat", N_("Issued at (iat)") },
  { "scope", N_("Scope") },
  { "issued_here", N_("Issued by this project") },
  { "revocation", N_("Active (not revoked)") },
};

static const char *
check_title (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (check_titles); i++)
    if (g_str_equal (check_titles[i].name, name))
      return _(check_titles[i].title);
  return name;
}

/* The icon, style class and word of a check's result. */
static void
result_look (const char  *result,
             const char **icon,
             const char **css,
             const char **word)
{
  if (g_strcmp0 (result, "pass") == 0)
    *icon = "emblem-ok-symbolic", *css = "success", *word = _("Pass");
  else if (g_strcmp0 (result, "warn") == 0)
    *icon = "dialog-warning-symbolic", *css = "warning", *word = _("Warning");
  else if (g_strcmp0 (result, "skip") == 0)
    *icon = "action-unavailable-symbolic", *css = "dim-label", *word = _("Skipped");
  else
    *icon = "dialog-error-symbolic", *css = "error", *word = _("Fail");
}

/* "in 59 min", "3 h 2 min ago", "now": how far @seconds_from_now is, in words. */
static char *
relative_time (gint64 seconds_from_now)
{
  gint64 span = ABS (seconds_from_now);
  g_autofree char *amount = NULL;

  if (span < 5)
    return g_strdup (_("now"));
  if (span < 90)
    amount = g_strdup_printf (_("%d s"), (int) span);
  else if (span < 2 * 3600)
    amount = g_strdup_printf (_("%d min"), (int) ((span + 30) / 60));
  else if (span < 2 * 86400)
    amount = g_strdup_printf (_("%d h %d min"), (int) (span / 3600), (int) (span % 3600 / 60));
  else
    amount = g_strdup_printf (_("%d days"), (int) (span / 86400));
  /* Translators: "in 5 min" / "5 min ago" */
  return seconds_from_now > 0 ? g_strdup_printf (_("in %s"), amount)
                              : g_strdup_printf (_("%s ago"), amount);
}

static char *
local_date (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (unix_seconds);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M:%S %Z") : g_strdup ("?");
}

static void
clear_rows (GhTokenCheckerPage *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->rows, i);
      GtkWidget *group = gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP);

      if (group != NULL)
        adw_preferences_group_remove (ADW_PREFERENCES_GROUP (group), row);
    }
  g_ptr_array_set_size (self->rows, 0);
}

static void
add_row (GhTokenCheckerPage  *self,
         AdwPreferencesGroup *group,
         GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->rows, g_object_ref (row));
}


static void
add_detail (GPtrArray *details,
            GtkWidget *row)
{
  g_ptr_array_add (details, g_object_ref_sink (row));
}

/* “value” with the span where it differs from @other (may be NULL) marked. */
static char *
quoted_diff (const char *value,
             const char *other)
{
  g_autofree char *marked = gh_explain_diff_markup (value, other, NULL);

  return g_strdup_printf ("“%s”", marked);
}

/* The expected and actual values of iss or aud, byte for byte, the difference marked. */
static void
add_compared (GPtrArray  *details,
              const char *name,
              JsonObject *check,
              const char *expected_caption)
{
  const char *expected = gh_json_string (check, "expected");
  JsonArray *actual_array = gh_json_array (check, "actual");
  const char *actual = gh_json_string (check, "actual");
  const char *nearest = NULL;
  gsize nearest_common = 0;
  g_autofree char *row_name = NULL;
  g_autofree char *markup = NULL;

  /* An array: the value nearest the resource (the longest common start), to show how it
   * differs. */
  for (guint i = 0; actual == NULL && actual_array != NULL &&
       i < json_array_get_length (actual_array); i++)
    {
      JsonNode *node = json_array_get_element (actual_array, i);
      const char *one;
      gsize common = 0;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        continue;
      one = json_node_get_string (node);
      while (expected != NULL && one[common] != '\0' && one[common] == expected[common])
        common++;
      if (nearest == NULL || common > nearest_common)
        nearest = one, nearest_common = common;
    }
  if (actual == NULL)
    actual = nearest;
  if (expected != NULL)
    {
      row_name = g_strconcat (name, "-expected", NULL);
      markup = quoted_diff (expected, actual);
      add_detail (details, gh_value_row_new (row_name, expected_caption, markup, TRUE,
                                             TRUE));
      g_clear_pointer (&row_name, g_free);
      g_clear_pointer (&markup, g_free);
    }
  if (actual_array != NULL && json_array_get_length (actual_array) > 1)
    {
      g_autofree char *all = json_to_string (json_object_get_member (check, "actual"), FALSE);

      add_detail (details, gh_value_row_new (NULL, _("Every value in the token"), all,
                                             FALSE, TRUE));
    }
  if (actual != NULL)
    {
      row_name = g_strconcat (name, "-actual", NULL);
      markup = quoted_diff (actual, expected);
      add_detail (details, gh_value_row_new (row_name, _("In the token"), markup, TRUE, TRUE));
    }
}

/* A signing key's state as a verifier sees it (README, "token inspection"). */
static const char *
key_state_text (const char *state)
{
  if (g_str_equal (state, "active"))
    return _("active, in the key set");
  if (g_str_equal (state, "published"))
    return _("published in the key set");
  if (g_str_equal (state, "retired"))
    return _("retired: no longer in the key set, so no verifier accepts it");
  if (g_str_equal (state, "unknown"))
    return _("unknown to this server: it never had this key, or removed it");
  if (g_str_equal (state, "none"))
    return _("The header names no key");
  return state;
}

static void check_clicked_cb (GhTokenCheckerPage *self);
static void update_actions (GhTokenCheckerPage *self);

/* What the check compared, in rows under it. */
static void
add_check_details (GPtrArray  *details,
                   const char *name,
                   JsonObject *check,
                   JsonObject *report)
{
  if (g_str_equal (name, "iss"))
    add_compared (details, name, check, _("This project's issuer"));
  else if (g_str_equal (name, "aud"))
    add_compared (details, name, check, gh_json_string (check, "expected") != NULL
                  ? _("The resource") : _("Expected"));
  else if (g_str_equal (name, "signature"))
    {
      JsonObject *key = gh_json_object (check, "key");
      const char *state = gh_json_string (check, "key_state");
      const char *phase = gh_json_string (check, "key_phase");
      /* A key this server does not know is named by the token's header only */
      const char *kid = gh_json_string (key, "kid") != NULL
        ? gh_json_string (key, "kid") : gh_json_string (gh_json_object (report, "header"), "kid");
      g_autofree char *text = NULL;

      if (state != NULL && kid == NULL)
        text = g_strdup (key_state_text (state));
      else if (state != NULL)
        text = g_strdup_printf ("“%s” — %s%s%s", kid, key_state_text (state),
                                phase != NULL ? " · " : "", phase != NULL ? phase : "");
      if (text != NULL)
        {
          add_detail (details, gh_value_row_new ("signature-key", _("The key and its state"),
                                                 text, FALSE, FALSE));
        }
    }
  else if (g_str_equal (name, "scope"))
    {
      JsonArray *scopes = gh_json_array (check, "scopes");

      if (scopes != NULL)
        {
          g_autoptr(GString) text = g_string_new (NULL);

          for (guint i = 0; i < json_array_get_length (scopes); i++)
            {
              g_autofree char *one = gh_json_node_text (json_array_get_element (scopes, i));

              g_string_append_printf (text, "%s%s", i > 0 ? " " : "", one);
            }
          add_detail (details, gh_value_row_new ("scope-granted", _("Granted"),
                                                 text->len > 0 ? text->str : _("none"),
                                                 FALSE, TRUE));
        }
    }
  else if (g_str_equal (name, "revocation"))
    {
      JsonObject *family = gh_json_object (gh_json_object (report, "issued_here"), "family");
      const char *state = gh_json_string (family, "state");
      const char *reason = gh_json_string (family, "revoked_reason");

      if (state != NULL)
        {
          g_autofree char *text = reason != NULL ? g_strdup_printf ("%s (%s)", state, reason)
                                                 : g_strdup (state);

          add_detail (details, gh_value_row_new ("revocation-family",
                                                 _("Its refresh family"), text, FALSE,
                                                 FALSE));
        }
    }
}

/* One check: its icon, title, word and the server's reason; expandable when it compared
 * something (open when it fails), with the explain card on top when it carries one. */
static GtkWidget *
check_row (GhTokenCheckerPage *self,
           const char         *name,
           JsonObject         *check,
           JsonObject         *report)
{
  const char *result = gh_json_string (check, "result");
  const char *message = gh_json_string (check, "message");
  JsonObject *explain = gh_json_object (check, "explain");
  const char *icon_name, *css, *word;
  g_autoptr(GPtrArray) details = g_ptr_array_new_with_free_func (g_object_unref);
  GtkWidget *row;
  GtkWidget *icon;
  GtkWidget *label;
  g_autofree char *row_name = g_strconcat ("check-row:", name, NULL);
  g_autofree char *label_name = g_strconcat ("check-result:", name, NULL);
  gboolean failed = g_strcmp0 (result, "fail") == 0 || g_strcmp0 (result, "warn") == 0;
  g_autofree char *subtitle = NULL;
  JsonNode *value = json_object_get_member (check, "value");

  result_look (result, &icon_name, &css, &word);
  if (value != NULL && JSON_NODE_HOLDS_VALUE (value) &&
      (g_str_equal (name, "exp") || g_str_equal (name, "nbf") || g_str_equal (name, "iat")))
    {
      /* A time: how far from now, in words, and when. */
      g_autofree char *when = relative_time (gh_json_int (check, "seconds_from_now"));
      g_autofree char *date = local_date (gh_json_int (check, "value"));

      subtitle = g_strdup_printf ("%s · %s (%s)", message != NULL ? message : "", when, date);
    }
  else
    subtitle = g_strdup (message != NULL ? message : "");

  /* Why it fails, the clause and the fix: the explain card itself, in the open row. */
  if (explain != NULL)
    {
      GtkWidget *card = gh_explain_card_new ();
      GtkWidget *card_row = gtk_list_box_row_new ();

      gh_explain_card_set_explain (GH_EXPLAIN_CARD (card), explain);
      gh_explain_card_set_target (GH_EXPLAIN_CARD (card),
                                  gh_page_get_admin_client (GH_PAGE (self)),
                                  gh_page_get_project (GH_PAGE (self)));
      gtk_widget_set_name (card, "explain-card");
      /* A fix applied: check again, to show what it changed. */
      g_signal_connect_object (card, "fixed", G_CALLBACK (check_clicked_cb), self,
                               G_CONNECT_SWAPPED);
      gtk_widget_set_margin_start (card, 12);
      gtk_widget_set_margin_end (card, 12);
      gtk_widget_set_margin_top (card, 12);
      gtk_widget_set_margin_bottom (card, 12);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (card_row), FALSE);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (card_row), card);
      add_detail (details, card_row);
    }
  add_check_details (details, name, check, report);

  icon = gtk_image_new_from_icon_name (icon_name);
  gtk_widget_add_css_class (icon, css);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, word,
                                  -1);
  label = gtk_label_new (word);
  gtk_widget_set_name (label, label_name);
  gtk_widget_add_css_class (label, css);
  if (failed)
    gtk_widget_add_css_class (label, "heading");

  if (details->len == 0)
    {
      /* Nothing compared: the reason says it all. */
      row = adw_action_row_new ();
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  else
    {
      row = adw_expander_row_new ();
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
      adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row), icon);
      adw_expander_row_add_action (ADW_EXPANDER_ROW (row), label);
      for (guint i = 0; i < details->len; i++)
        adw_expander_row_add_row (ADW_EXPANDER_ROW (row), g_ptr_array_index (details, i));
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), failed);
    }
  gtk_widget_set_name (row, row_name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), check_title (name));
  return row;
}

/* The meaning of a header member or claim in words, from the report's notes. */
static char *
meaning_of (JsonObject *report,
            const char *where,
            const char *name)
{
  JsonArray *notes = gh_json_array (report, "notes");

  for (guint i = 0; notes != NULL && i < json_array_get_length (notes); i++)
    {
      JsonNode *node = json_array_get_element (notes, i);
      JsonObject *note = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *meaning = gh_json_string (note, "meaning");
      const char *spec = gh_json_string (note, "spec");
      JsonNode *seconds = note != NULL ? json_object_get_member (note, "seconds_from_now")
                                       : NULL;
      g_autofree char *when = NULL;

      if (g_strcmp0 (gh_json_string (note, "where"), where) != 0 ||
          g_strcmp0 (gh_json_string (note, "name"), name) != 0 || meaning == NULL)
        continue;
      if (seconds != NULL && JSON_NODE_HOLDS_VALUE (seconds))
        when = relative_time (gh_json_int (note, "seconds_from_now"));
      return g_strdup_printf ("%s — %s%s%s%s%s%s", name, meaning,
                              spec != NULL ? " (" : "", spec != NULL ? spec : "",
                              spec != NULL ? ")" : "",
                              when != NULL ? " · " : "", when != NULL ? when : "");
    }
  return g_strdup (name);
}

static void
fill_decoded (GhTokenCheckerPage  *self,
              AdwPreferencesGroup *group,
              JsonObject          *report,
              const char          *where)
{
  JsonObject *object = gh_json_object (report, where);
  g_autoptr(GList) names = object != NULL ? json_object_get_members (object) : NULL;

  gtk_widget_set_visible (GTK_WIDGET (group), object != NULL);
  for (const GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      g_autofree char *caption = meaning_of (report, where, name);
      JsonNode *node = json_object_get_member (object, name);
      g_autofree char *value = gh_json_node_text (node);
      g_autofree char *row_name = g_strdup_printf ("%s:%s", where, name);

      if (*value == '\0')
        {
          g_free (value);
          value = g_strdup (_("“” (empty)"));
        }
      else if (g_str_equal (where, "claims") && JSON_NODE_HOLDS_VALUE (node) &&
               json_node_get_value_type (node) == G_TYPE_INT64 &&
               (g_str_equal (name, "exp") || g_str_equal (name, "nbf") ||
                g_str_equal (name, "iat") || g_str_equal (name, "auth_time")))
        {
          g_autofree char *date = local_date (json_node_get_int (node));
          char *with_date = g_strdup_printf ("%s (%s)", value, date);

          g_free (value);
          value = with_date;
        }
      add_row (self, group, gh_value_row_new (row_name, caption, value, FALSE, TRUE));
    }
}

static const char *
kind_text (const char *kind)
{
  if (g_strcmp0 (kind, "jwt") == 0)
    return _("A JWT");
  if (g_strcmp0 (kind, "refresh_token") == 0)
    return _("A refresh token of this server");
  if (g_strcmp0 (kind, "authorization_code") == 0)
    return _("An authorization code of this server");
  if (g_strcmp0 (kind, "admin_token") == 0)
    return _("An admin token (for the admin API, not for an MCP server)");
  if (g_strcmp0 (kind, "initial_access_token") == 0)
    return _("An initial access token (for registration, not for an MCP server)");
  if (g_strcmp0 (kind, "malformed") == 0)
    return _("Not a token: empty");
  return _("Not a token of this server");
}

static void
show_report (GhTokenCheckerPage *self,
             JsonObject         *report)
{
  const char *kind = gh_json_string (report, "kind");
  const char *verdict = gh_json_string (report, "verdict");
  const char *summary = gh_json_string (report, "summary");
  const char *resource = gh_json_string (report, "resource");
  JsonObject *checks = gh_json_object (report, "checks");
  JsonObject *accepted = gh_json_object (report, "accepted_by_this_server");
  g_autoptr(GList) names = checks != NULL ? json_object_get_members (checks) : NULL;
  g_autofree char *sentence = NULL;
  g_autoptr(GString) detail = g_string_new (NULL);
  guint failures = 0;
  const char *first_failed = NULL;
  const char *first_message = NULL;

  clear_rows (self);
  for (const GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *check = gh_json_object (checks, l->data);

      if (check == NULL)
        continue;
      if (g_strcmp0 (gh_json_string (check, "result"), "fail") == 0 && failures++ == 0)
        {
          first_failed = l->data;
          first_message = gh_json_string (check, "message");
        }
      add_row (self, self->checks_group, check_row (self, l->data, check, report));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->checks_group), names != NULL);
  fill_decoded (self, self->header_group, report, "header");
  fill_decoded (self, self->claims_group, report, "claims");

  gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_icon), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_icon), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_icon), "warning");
  if (g_strcmp0 (verdict, "valid") == 0)
    {
      gtk_image_set_from_icon_name (self->verdict_icon, "emblem-ok-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->verdict_icon), "success");
      sentence = resource != NULL
        ? g_strdup_printf (_("Every check passes: an MCP server at %s that checks tokens as "
                             "this server does accepts this token."), resource)
        : g_strdup (_("Every check passes. Give the resource URL to check the audience "
                      "against the MCP server it is meant for."));
    }
  else if (g_strcmp0 (verdict, "invalid") == 0)
    {
      gtk_image_set_from_icon_name (self->verdict_icon, "dialog-error-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->verdict_icon), "error");
      /* Translators: "Refused: 1 check fails, Audience (aud) against the resource" */
      sentence = first_failed != NULL
        ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Refused: %u check fails, %s",
                                        "Refused: %u checks fail, the first %s", failures),
                           failures, check_title (first_failed))
        : g_strdup_printf (_("Refused: %s"), summary != NULL ? summary : "");
      if (first_message != NULL)
        g_string_append_printf (detail, "%s. ", first_message);
    }
  else
    {
      gtk_image_set_from_icon_name (self->verdict_icon, "dialog-warning-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->verdict_icon), "warning");
      sentence = g_strdup_printf ("%s: %s", kind_text (kind), summary != NULL ? summary : "");
    }
  gtk_label_set_text (self->verdict_label, sentence);

  if (g_strcmp0 (kind, "jwt") == 0)
    {
      const char *type = gh_json_string (report, "token_type");

      if (detail->len > 0 && detail->str[detail->len - 1] != ' ')
        g_string_append_c (detail, ' ');
      g_string_append_printf (detail, _("%s, %s."), kind_text (kind),
                              g_strcmp0 (type, "access_token") == 0 ? _("an access token")
                              : g_strcmp0 (type, "id_token") == 0 ? _("an ID token")
                              : _("of no known type"));
    }
  if (gh_json_string (report, "jti") != NULL)
    {
      if (detail->len > 0 && detail->str[detail->len - 1] != ' ')
        g_string_append_c (detail, ' ');
      /* Translators: %s is a token's jti */
      g_string_append_printf (detail, _("Checked from the server's record of token %s, whose "
                                        "value it never keeps: signed by this server at "
                                        "issuance; the signature bytes are not re-checked, "
                                        "the key's state, expiry and revocation are."),
                              gh_json_string (report, "jti"));
    }
  if (accepted != NULL)
    {
      const char *reason = gh_json_string (accepted, "reason");

      if (detail->len > 0 && detail->str[detail->len - 1] != ' ')
        g_string_append_c (detail, ' ');
      if (gh_json_bool (accepted, "accepted"))
        g_string_append (detail, _("This server's /introspect calls it active."));
      else
        {
          /* The reason is a sentence of its own (the server's, capitalized) */
          g_string_append_printf (detail, _("This server's /introspect calls it inactive. "
                                            "Its reason: %s"),
                                  reason != NULL ? reason : _("none given"));
          if (!g_str_has_suffix (detail->str, "."))
            g_string_append_c (detail, '.');
        }
    }
  gtk_label_set_text (self->verdict_detail, detail->str);
  gtk_widget_set_visible (GTK_WIDGET (self->verdict_detail), detail->len > 0);
  gtk_stack_set_visible_child_name (self->stack, "report");
  update_actions (self);
}

static void
update_actions (GhTokenCheckerPage *self)
{
  const char *token = gtk_editable_get_text (GTK_EDITABLE (self->token_entry));

  gtk_widget_set_sensitive (GTK_WIDGET (self->check_button),
                            !self->checking && ((token != NULL && *token != '\0') ||
                                                self->jti != NULL));
  gtk_widget_set_sensitive (GTK_WIDGET (self->clear_button),
                            (token != NULL && *token != '\0') ||
                            g_strcmp0 (gtk_stack_get_visible_child_name (self->stack),
                                       "report") == 0);
  gtk_spinner_set_spinning (self->spinner, self->checking);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), self->checking);
}

static void
inspect_cb (GhPage       *page,
            JsonObject   *answer,
            const GError *error,
            gpointer      user_data)
{
  GhTokenCheckerPage *self = GH_TOKEN_CHECKER_PAGE (page);

  /* Cleared, or checked again since. */
  if (GPOINTER_TO_UINT (user_data) != self->generation)
    return;
  self->checking = FALSE;
  update_actions (self);
  if (answer == NULL)
    gh_page_show_error (page, _("Could not check the token"), error);
  else
    show_report (self, answer);
  gh_page_set_busy (page, FALSE);
}

static void
check_clicked_cb (GhTokenCheckerPage *self)
{
  const char *token = gtk_editable_get_text (GTK_EDITABLE (self->token_entry));
  g_autofree char *resource = g_strstrip (g_strdup (gtk_editable_get_text (
                                                      GTK_EDITABLE (self->resource_entry))));
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) body = NULL;

  if ((token == NULL || *token == '\0') && self->jti == NULL)
    return;
  if (gh_page_get_admin_client (GH_PAGE (self)) == NULL)
    {
      /* Checked once connected (reload). */
      self->pending_check = TRUE;
      gh_page_set_busy (GH_PAGE (self), TRUE);
      return;
    }
  self->pending_check = FALSE;
  body = json_object_new ();
  /* A pasted token wins; else the token of the "jti:" target, by its record. */
  if (token != NULL && *token != '\0')
    json_object_set_string_member (body, "token", token);
  else
    json_object_set_string_member (body, "jti", self->jti);
  if (*resource != '\0')
    json_object_set_string_member (body, "resource", resource);
  path = gh_page_project_path (GH_PAGE (self), "/tokens/inspect");
  self->checking = TRUE;
  self->generation++;
  update_actions (self);
  gh_page_set_busy (GH_PAGE (self), TRUE);
  gh_page_call (GH_PAGE (self), "POST", path, body, inspect_cb,
                GUINT_TO_POINTER (self->generation));
  /* The request holds its own serialized copy now: zero this one before it is freed. */
  if (json_object_has_member (body, "token"))
    memset ((char *) json_object_get_string_member (body, "token"), 0, strlen (token));
}

static void
forget_report (GhTokenCheckerPage *self)
{
  clear_rows (self);
  gtk_label_set_text (self->verdict_label, "");
  gtk_label_set_text (self->verdict_detail, "");
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

/* The token out of the entry (its buffer zeroes what it held) and the report decoded from it
 * out of the page; an answer still in flight is dropped. */
static void
clear_clicked_cb (GhTokenCheckerPage *self)
{
  self->generation++;
  self->checking = FALSE;
  self->pending_check = FALSE;
  g_clear_pointer (&self->jti, g_free);
  gtk_editable_set_text (GTK_EDITABLE (self->token_entry), "");
  forget_report (self);
  update_actions (self);
  gh_page_set_busy (GH_PAGE (self), FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->token_entry));
}

static void
inputs_changed_cb (GhTokenCheckerPage *self)
{
  update_actions (self);
}

/* "token:<JWT>" fills the token and checks it; "resource:<url>" fills the resource; both,
 * separated by a space (neither holds one), fill the resource first, then check.
 * "jti:<JTI>" (a token card of Live flows: the server keeps no token's value) checks the
 * project's access token with that jti from the server's record of it, the entry empty. */
static void
gh_token_checker_page_open_target (GhPage     *page,
                                   const char *target)
{
  GhTokenCheckerPage *self = GH_TOKEN_CHECKER_PAGE (page);
  g_auto(GStrv) parts = g_strsplit (target, " ", -1);
  const char *token = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    if (g_str_has_prefix (parts[i], "resource:"))
      gtk_editable_set_text (GTK_EDITABLE (self->resource_entry),
                             parts[i] + strlen ("resource:"));
    else if (g_str_has_prefix (parts[i], "token:"))
      token = parts[i] + strlen ("token:");
    else if (g_str_has_prefix (parts[i], "jti:"))
      {
        g_free (self->jti);
        self->jti = g_strdup (parts[i] + strlen ("jti:"));
        gtk_editable_set_text (GTK_EDITABLE (self->token_entry), "");
        check_clicked_cb (self);
      }
  if (token != NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->token_entry), token);
      check_clicked_cb (self);
    }
  /* The copy of the token in @parts is zeroed before it is freed. */
  for (guint i = 0; parts[i] != NULL; i++)
    memset (parts[i], 0, strlen (parts[i]));
}

static gboolean
gh_token_checker_page_start_search (GhPage *page)
{
  GhTokenCheckerPage *self = GH_TOKEN_CHECKER_PAGE (page);

  gtk_widget_grab_focus (GTK_WIDGET (self->token_entry));
  return TRUE;
}

/* A report belongs to one project (its issuer, its keys): another project forgets it. Nothing
 * to load otherwise. */
static void
gh_token_checker_page_reload (GhPage *page)
{
  GhTokenCheckerPage *self = GH_TOKEN_CHECKER_PAGE (page);

  if (self->pending_check)
    {
      check_clicked_cb (self);
      return;
    }
  if (!self->checking)
    gh_page_set_busy (page, FALSE);
}

static void
project_changed_cb (GhTokenCheckerPage *self)
{
  self->generation++;
  self->checking = FALSE;
  forget_report (self);
  update_actions (self);
}

static void
gh_token_checker_page_dispose (GObject *object)
{
  GhTokenCheckerPage *self = GH_TOKEN_CHECKER_PAGE (object);

  if (self->rows != NULL)
    clear_rows (self);

  G_OBJECT_CLASS (gh_token_checker_page_parent_class)->dispose (object);
}

static void
gh_token_checker_page_finalize (GObject *object)
{
  GhTokenCheckerPage *self = GH_TOKEN_CHECKER_PAGE (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->jti, g_free);

  G_OBJECT_CLASS (gh_token_checker_page_parent_class)->finalize (object);
}

static void
gh_token_checker_page_class_init (GhTokenCheckerPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GhPageClass *page_class = GH_PAGE_CLASS (klass);

  object_class->dispose = gh_token_checker_page_dispose;
  object_class->finalize = gh_token_checker_page_finalize;
  page_class->reload = gh_token_checker_page_reload;
  page_class->open_target = gh_token_checker_page_open_target;
  page_class->start_search = gh_token_checker_page_start_search;

  gh_page_class_set_info (GH_PAGE_CLASS (klass), "token-checker", N_("Token Checker"),
                          "security-high-symbolic");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/pages/"
                                               "gh-token-checker-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GhTokenCheckerPage, check_button);
  gtk_widget_class_bind_template_child (widget_class, GhTokenCheckerPage, checks_group);
  gtk_widget_class_bind_template_child (widget_class, GhTokenCheckerPage, claims_group);
  gtk_widget_class_bind_template_child (widget_class, GhTokenCheckerPage, clear_button);
  gtk_widget_class_bind_template_child (widget_class, GhTokenCheckerPage, header_group);
  gtk_widget_class_bind_template_child (widget_class, GhTokenCheckerPage, report_box);
  gtk_widget_class_bind_template_child (widget_class, GhTokenCheckerPage, resource_entry);
  gtk_widget_class_bind_template_child (widget_class, GhTokenCheckerPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, GhTokenCheckerPage, stack);
  gtk_widget_class_bind_template_child (widget_class, GhTokenCheckerPage, token_entry);
  gtk_widget_class_bind_template_child (widget_class, GhTokenCheckerPage, verdict_detail);
  gtk_widget_class_bind_template_child (widget_class, GhTokenCheckerPage, verdict_icon);
  gtk_widget_class_bind_template_child (widget_class, GhTokenCheckerPage, verdict_label);
  gtk_widget_class_bind_template_callback (widget_class, check_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, clear_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, inputs_changed_cb);
}

static void
gh_token_checker_page_init (GhTokenCheckerPage *self)
{
  self->rows = g_ptr_array_new_with_free_func (g_object_unref);

  gtk_widget_init_template (GTK_WIDGET (self));
  /* The token in locked memory, zeroed when it is replaced (GtkPasswordEntryBuffer), whichever
   * buffer this libadwaita gives the row. */
  {
    GtkEditable *text = gtk_editable_get_delegate (GTK_EDITABLE (self->token_entry));

    if (GTK_IS_TEXT (text) && !GTK_IS_PASSWORD_ENTRY_BUFFER (gtk_text_get_buffer (GTK_TEXT (text))))
      {
        g_autoptr(GtkEntryBuffer) buffer = gtk_password_entry_buffer_new ();

        gtk_text_set_buffer (GTK_TEXT (text), buffer);
      }
  }
  /* A pasted token is hundreds of characters: the entries must not ask for its width. */
  gtk_editable_set_width_chars (GTK_EDITABLE (self->token_entry), 8);
  gtk_editable_set_max_width_chars (GTK_EDITABLE (self->token_entry), 40);
  gtk_editable_set_width_chars (GTK_EDITABLE (self->resource_entry), 8);
  gtk_editable_set_max_width_chars (GTK_EDITABLE (self->resource_entry), 40);

  g_signal_connect (self, "notify::project", G_CALLBACK (project_changed_cb), NULL);
  update_actions (self);
}
