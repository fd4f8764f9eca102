/* gh-admin-json.c — members of the admin API's answers, read without trusting their types
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include "gh-admin-json.h"

static JsonNode *
member_node (JsonObject *object,
             const char *member)
{
  return object != NULL ? json_object_get_member (object, member) : NULL;
}

const char *
gh_json_string (JsonObject *object,
                const char *member)
{
  JsonNode *node = member_node (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

gint64
gh_json_int_or (JsonObject *object,
                const char *member,
                gint64      fallback)
{
  JsonNode *node = member_node (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;

  return json_node_get_int (node);
}

gint64
gh_json_int (JsonObject *object,
             const char *member)
{
  return gh_json_int_or (object, member, 0);
}

gboolean
gh_json_bool (JsonObject *object,
              const char *member)
{
  JsonNode *node = member_node (object, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

JsonObject *
gh_json_object (JsonObject *object,
                const char *member)
{
  JsonNode *node = member_node (object, member);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
gh_json_array (JsonObject *object,
               const char *member)
{
  JsonNode *node = member_node (object, member);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

char *
gh_json_node_text (JsonNode *node)
{
  if (node == NULL)
    return g_strdup ("");
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return json_to_string (node, FALSE);
}
