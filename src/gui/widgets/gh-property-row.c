/* gh-property-row.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-property-row.h"

/* A row that shows one value under its name: selectable, wrapped rather than cut short (URLs
 * are long), with an optional copy button. libadwaita 1.2 has no selectable row subtitle. */
struct _GhPropertyRow
{
  AdwPreferencesRow  parent_instance;

  char              *value;
  gboolean           copyable;

  /* Template widgets */
  GtkButton         *copy_button;
};

G_DEFINE_FINAL_TYPE (GhPropertyRow, gh_property_row, ADW_TYPE_PREFERENCES_ROW)

enum {
  PROP_0,
  PROP_COPYABLE,
  PROP_VALUE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  GhPropertyRow *self = GH_PROPERTY_ROW (widget);
  g_autofree char *toast = NULL;

  if (self->value == NULL || *self->value == '\0')
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->value);

  /* Translators: %s is the name of a row, e.g. "Issuer URL" */
  toast = g_strdup_printf (_("%s copied"),
                           adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self)));
  gtk_widget_activate_action (widget, "win.show-toast", "s", toast);
}

static void
gh_property_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), GH_TYPE_PROPERTY_ROW);

  G_OBJECT_CLASS (gh_property_row_parent_class)->dispose (object);
}

static void
gh_property_row_finalize (GObject *object)
{
  GhPropertyRow *self = (GhPropertyRow *)object;

  g_clear_pointer (&self->value, g_free);

  G_OBJECT_CLASS (gh_property_row_parent_class)->finalize (object);
}

static void
gh_property_row_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GhPropertyRow *self = GH_PROPERTY_ROW (object);

  switch (prop_id)
    {
    case PROP_COPYABLE:
      g_value_set_boolean (value, self->copyable);
      break;

    case PROP_VALUE:
      g_value_set_string (value, self->value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_property_row_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  GhPropertyRow *self = GH_PROPERTY_ROW (object);

  switch (prop_id)
    {
    case PROP_COPYABLE:
      gh_property_row_set_copyable (self, g_value_get_boolean (value));
      break;

    case PROP_VALUE:
      gh_property_row_set_value (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_property_row_class_init (GhPropertyRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gh_property_row_dispose;
  object_class->finalize = gh_property_row_finalize;
  object_class->get_property = gh_property_row_get_property;
  object_class->set_property = gh_property_row_set_property;

  properties[PROP_COPYABLE] =
    g_param_spec_boolean ("copyable", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_VALUE] =
    g_param_spec_string ("value", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/widgets/"
                                               "gh-property-row.ui");
  gtk_widget_class_bind_template_child (widget_class, GhPropertyRow, copy_button);

  gtk_widget_class_install_action (widget_class, "property-row.copy", NULL, copy_action);
}

static void
gh_property_row_init (GhPropertyRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "property-row.copy", FALSE);
}

const char *
gh_property_row_get_value (GhPropertyRow *self)
{
  g_return_val_if_fail (GH_IS_PROPERTY_ROW (self), NULL);

  return self->value;
}

void
gh_property_row_set_value (GhPropertyRow *self,
                           const char    *value)
{
  g_return_if_fail (GH_IS_PROPERTY_ROW (self));

  if (g_strcmp0 (self->value, value) == 0)
    return;

  g_free (self->value);
  self->value = g_strdup (value);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "property-row.copy",
                                 value != NULL && *value != '\0');
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALUE]);
}

gboolean
gh_property_row_get_copyable (GhPropertyRow *self)
{
  g_return_val_if_fail (GH_IS_PROPERTY_ROW (self), FALSE);

  return self->copyable;
}

void
gh_property_row_set_copyable (GhPropertyRow *self,
                              gboolean       copyable)
{
  g_return_if_fail (GH_IS_PROPERTY_ROW (self));

  copyable = !!copyable;
  if (self->copyable == copyable)
    return;

  self->copyable = copyable;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COPYABLE]);
}

/* Adds @widget (a button, usually) after the value, before the copy button. */
void
gh_property_row_add_suffix (GhPropertyRow *self,
                            GtkWidget     *widget)
{
  g_return_if_fail (GH_IS_PROPERTY_ROW (self));
  g_return_if_fail (GTK_IS_WIDGET (widget));

  gtk_widget_insert_before (widget, gtk_widget_get_parent (GTK_WIDGET (self->copy_button)),
                            GTK_WIDGET (self->copy_button));
}
