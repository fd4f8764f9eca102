/* gh-page.c — a page of the window, bound to a connection
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include "gh-page.h"

/* What every page of the window has: the connection it reads from, the title and icon the
 * window lists it under, and whether it is still waiting for the server. */
typedef struct
{
  GhConnection *connection;
  char         *title;
  char         *icon_name;
  gboolean      busy;
} GhPagePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (GhPage, gh_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_BUSY,
  PROP_CONNECTION,
  PROP_ICON_NAME,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* g_set_str () is GLib 2.76. */
static gboolean
replace_string (char       **field,
                const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);

  return TRUE;
}

static void
gh_page_dispose (GObject *object)
{
  GhPage *self = (GhPage *)object;
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_clear_object (&priv->connection);

  G_OBJECT_CLASS (gh_page_parent_class)->dispose (object);
}

static void
gh_page_finalize (GObject *object)
{
  GhPage *self = (GhPage *)object;
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_clear_pointer (&priv->title, g_free);
  g_clear_pointer (&priv->icon_name, g_free);

  G_OBJECT_CLASS (gh_page_parent_class)->finalize (object);
}

static void
gh_page_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  GhPage *self = GH_PAGE (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, gh_page_get_busy (self));
      break;

    case PROP_CONNECTION:
      g_value_set_object (value, gh_page_get_connection (self));
      break;

    case PROP_ICON_NAME:
      g_value_set_string (value, gh_page_get_icon_name (self));
      break;

    case PROP_TITLE:
      g_value_set_string (value, gh_page_get_title (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_page_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  GhPage *self = GH_PAGE (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      gh_page_set_connection (self, g_value_get_object (value));
      break;

    case PROP_ICON_NAME:
      gh_page_set_icon_name (self, g_value_get_string (value));
      break;

    case PROP_TITLE:
      gh_page_set_title (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_page_class_init (GhPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_page_dispose;
  object_class->finalize = gh_page_finalize;
  object_class->get_property = gh_page_get_property;
  object_class->set_property = gh_page_set_property;

  /* TRUE until the user sees what the page shows settled (or why it cannot be shown). */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          TRUE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL,
                         GH_TYPE_CONNECTION,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ICON_NAME] =
    g_param_spec_string ("icon-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gh_page_init (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  priv->busy = TRUE;
}

GhConnection *
gh_page_get_connection (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_val_if_fail (GH_IS_PAGE (self), NULL);

  return priv->connection;
}

void
gh_page_set_connection (GhPage       *self,
                        GhConnection *connection)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);
  g_autoptr(GhConnection) previous = NULL;

  g_return_if_fail (GH_IS_PAGE (self));
  g_return_if_fail (!connection || GH_IS_CONNECTION (connection));

  if (priv->connection == connection)
    return;

  previous = g_steal_pointer (&priv->connection);
  priv->connection = connection ? g_object_ref (connection) : NULL;

  if (GH_PAGE_GET_CLASS (self)->connection_changed != NULL)
    GH_PAGE_GET_CLASS (self)->connection_changed (self, previous);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
}

const char *
gh_page_get_title (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_val_if_fail (GH_IS_PAGE (self), NULL);

  return priv->title;
}

void
gh_page_set_title (GhPage     *self,
                   const char *title)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_if_fail (GH_IS_PAGE (self));

  if (replace_string (&priv->title, title))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

const char *
gh_page_get_icon_name (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_val_if_fail (GH_IS_PAGE (self), NULL);

  return priv->icon_name;
}

void
gh_page_set_icon_name (GhPage     *self,
                       const char *icon_name)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_if_fail (GH_IS_PAGE (self));

  if (replace_string (&priv->icon_name, icon_name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICON_NAME]);
}

gboolean
gh_page_get_busy (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_val_if_fail (GH_IS_PAGE (self), TRUE);

  return priv->busy;
}

/* For subclasses: notifies only on change. */
void
gh_page_set_busy (GhPage   *self,
                  gboolean  busy)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_if_fail (GH_IS_PAGE (self));

  busy = !!busy;
  if (priv->busy == busy)
    return;

  priv->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}
