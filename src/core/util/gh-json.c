/* gh-json.c — the strict JSON reader, the one JSON writer, typed getters
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-util"

#include "config.h"

#include <math.h>
#include <string.h>

#include "gh-json.h"

/* A strict RFC 8259 syntax check that runs before json-glib, whose parser (1.6) takes
 * comments, single quotes, leading zeros, several top-level values and `var x =`. */
typedef struct
{
  const char *start;
  const char *p;
  const char *end;
  guint       depth;
} JsonCheck;

static gboolean json_check_value (JsonCheck  *c,
                                  GError    **error);

static gboolean
json_fail (JsonCheck   *c,
           GError     **error,
           const char  *what)
{
  g_set_error (error, GH_UTIL_ERROR, GH_UTIL_ERROR_INVALID_JSON,
               "Invalid JSON: %s at offset %" G_GSIZE_FORMAT, what, (gsize) (c->p - c->start));
  return FALSE;
}

static void
json_skip_ws (JsonCheck *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static gboolean
json_read_hex4 (JsonCheck *c,
                gunichar  *out)
{
  gunichar v = 0;
  guint i;

  if (c->end - c->p < 4)
    return FALSE;

  for (i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (c->p[i]);

      if (d < 0)
        return FALSE;
      v = (v << 4) | (gunichar) d;
    }

  c->p += 4;
  *out = v;

  return TRUE;
}

/* @name, when given, receives the decoded string so objects can spot duplicates */
static gboolean
json_check_string (JsonCheck  *c,
                   GString    *name,
                   GError    **error)
{
  g_assert (c->p < c->end && *c->p == '"');
  c->p++;

  while (c->p < c->end)
    {
      guchar ch = (guchar) *c->p;
      gunichar u;

      if (ch == '"')
        {
          c->p++;
          return TRUE;
        }

      if (ch < 0x20)
        return json_fail (c, error, "control character in string");

      if (ch != '\\')
        {
          if (name != NULL)
            g_string_append_c (name, (char) ch);
          c->p++;
          continue;
        }

      c->p++;
      if (c->p >= c->end)
        break;

      switch (*c->p++)
        {
        case '"': u = '"'; break;
        case '\\': u = '\\'; break;
        case '/': u = '/'; break;
        case 'b': u = '\b'; break;
        case 'f': u = '\f'; break;
        case 'n': u = '\n'; break;
        case 'r': u = '\r'; break;
        case 't': u = '\t'; break;
        case 'u':
          if (!json_read_hex4 (c, &u))
            return json_fail (c, error, "bad \\u escape");
          if (u >= 0xdc00 && u <= 0xdfff)
            return json_fail (c, error, "unpaired surrogate");
          if (u >= 0xd800 && u <= 0xdbff)
            {
              gunichar low;

              if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
                return json_fail (c, error, "unpaired surrogate");
              c->p += 2;
              if (!json_read_hex4 (c, &low) || low < 0xdc00 || low > 0xdfff)
                return json_fail (c, error, "unpaired surrogate");
              u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
            }
          /* json-glib hands strings out NUL-terminated: a U+0000 would cut them short */
          if (u == 0)
            return json_fail (c, error, "\\u0000 in string");
          break;
        default:
          c->p--;
          return json_fail (c, error, "invalid escape");
        }

      if (name != NULL)
        g_string_append_unichar (name, u);
    }

  return json_fail (c, error, "unterminated string");
}

static gboolean
json_skip_digits (JsonCheck *c)
{
  const char *begin = c->p;

  while (c->p < c->end && g_ascii_isdigit (*c->p))
    c->p++;

  return c->p > begin;
}

static gboolean
json_check_number (JsonCheck  *c,
                   GError    **error)
{
  if (*c->p == '-')
    c->p++;

  if (c->p < c->end && *c->p == '0')
    c->p++;
  else if (c->p >= c->end || *c->p < '1' || *c->p > '9' || !json_skip_digits (c))
    return json_fail (c, error, "bad number");

  if (c->p < c->end && *c->p == '.')
    {
      c->p++;
      if (!json_skip_digits (c))
        return json_fail (c, error, "bad number");
    }

  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E'))
    {
      c->p++;
      if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
        c->p++;
      if (!json_skip_digits (c))
        return json_fail (c, error, "bad number");
    }

  return TRUE;
}

static gboolean
json_check_literal (JsonCheck   *c,
                    const char  *word,
                    GError     **error)
{
  gsize len = strlen (word);

  if ((gsize) (c->end - c->p) < len || memcmp (c->p, word, len) != 0)
    return json_fail (c, error, "unexpected character");

  c->p += len;

  return TRUE;
}

static gboolean
json_check_array (JsonCheck  *c,
                  GError    **error)
{
  c->p++;
  if (++c->depth > GH_JSON_MAX_DEPTH)
    return json_fail (c, error, "nested too deeply");

  json_skip_ws (c);
  if (c->p < c->end && *c->p == ']')
    {
      c->p++;
      c->depth--;
      return TRUE;
    }

  for (;;)
    {
      json_skip_ws (c);
      if (!json_check_value (c, error))
        return FALSE;
      json_skip_ws (c);

      if (c->p < c->end && *c->p == ',')
        {
          c->p++;
          continue;
        }
      if (c->p < c->end && *c->p == ']')
        {
          c->p++;
          break;
        }

      return json_fail (c, error, "expected ',' or ']'");
    }

  c->depth--;

  return TRUE;
}

static gboolean
json_check_object (JsonCheck  *c,
                   GError    **error)
{
  g_autoptr(GHashTable) names = NULL;

  c->p++;
  if (++c->depth > GH_JSON_MAX_DEPTH)
    return json_fail (c, error, "nested too deeply");

  json_skip_ws (c);
  if (c->p < c->end && *c->p == '}')
    {
      c->p++;
      c->depth--;
      return TRUE;
    }

  names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (;;)
    {
      g_autoptr(GString) name = NULL;

      json_skip_ws (c);
      if (c->p >= c->end || *c->p != '"')
        return json_fail (c, error, "expected member name");

      name = g_string_new (NULL);
      if (!json_check_string (c, name, error))
        return FALSE;

      /* json-glib would silently keep the last one; a second "alg" must not hide */
      if (g_hash_table_contains (names, name->str))
        return json_fail (c, error, "duplicate member name");
      g_hash_table_add (names, g_string_free (g_steal_pointer (&name), FALSE));

      json_skip_ws (c);
      if (c->p >= c->end || *c->p != ':')
        return json_fail (c, error, "expected ':'");
      c->p++;

      json_skip_ws (c);
      if (!json_check_value (c, error))
        return FALSE;
      json_skip_ws (c);

      if (c->p < c->end && *c->p == ',')
        {
          c->p++;
          continue;
        }
      if (c->p < c->end && *c->p == '}')
        {
          c->p++;
          break;
        }

      return json_fail (c, error, "expected ',' or '}'");
    }

  c->depth--;

  return TRUE;
}

static gboolean
json_check_value (JsonCheck  *c,
                  GError    **error)
{
  if (c->p >= c->end)
    return json_fail (c, error, "unexpected end");

  switch (*c->p)
    {
    case '{':
      return json_check_object (c, error);
    case '[':
      return json_check_array (c, error);
    case '"':
      return json_check_string (c, NULL, error);
    case 't':
      return json_check_literal (c, "true", error);
    case 'f':
      return json_check_literal (c, "false", error);
    case 'n':
      return json_check_literal (c, "null", error);
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return json_check_number (c, error);
    default:
      return json_fail (c, error, "unexpected character");
    }
}

/**
 * gh_json_parse_object_strict:
 * @data: (array length=len): UTF-8 JSON text, need not be NUL-terminated
 * @len: its length in bytes
 * @error: return location for a #GH_UTIL_ERROR_INVALID_JSON error
 *
 * Parses exactly one JSON object (RFC 8259, I-JSON flavoured) and nothing around it
 * but whitespace. Refused: invalid UTF-8, NUL bytes and `\u0000`, unpaired surrogates,
 * duplicate member names at any depth, nesting deeper than %GH_JSON_MAX_DEPTH, and
 * everything json-glib accepts beyond the RFC (comments, single quotes, leading zeros,
 * trailing values, `var x =`).
 *
 * Returns: (transfer full): the object, or %NULL
 */
JsonObject *
gh_json_parse_object_strict (const char  *data,
                             gsize        len,
                             GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonCheck c;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len > G_MAXSSIZE)
    {
      g_set_error_literal (error, GH_UTIL_ERROR, GH_UTIL_ERROR_INVALID_JSON, "JSON too large");
      return NULL;
    }

  /* Also refuses NUL bytes */
  if (len > 0 && !g_utf8_validate_len (data, len, NULL))
    {
      g_set_error_literal (error, GH_UTIL_ERROR, GH_UTIL_ERROR_INVALID_JSON,
                           "Invalid JSON: not UTF-8");
      return NULL;
    }

  c.start = data;
  c.p = data;
  c.end = data + len;
  c.depth = 0;

  json_skip_ws (&c);
  if (c.p >= c.end || *c.p != '{')
    {
      json_fail (&c, error, "not an object");
      return NULL;
    }
  if (!json_check_value (&c, error))
    return NULL;
  json_skip_ws (&c);
  if (c.p != c.end)
    {
      json_fail (&c, error, "trailing data");
      return NULL;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      g_set_error (error, GH_UTIL_ERROR, GH_UTIL_ERROR_INVALID_JSON,
                   "Invalid JSON: %s", local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, GH_UTIL_ERROR, GH_UTIL_ERROR_INVALID_JSON,
                           "Invalid JSON: not an object");
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

/* A string as JSON: every control character escaped (U+0000..U+001F, and U+007F, U+2028 and
 * U+2029, which break JavaScript and terminals), every invalid UTF-8 sequence replaced by
 * U+FFFD, so what we write is always UTF-8 JSON that a strict reader accepts. */
static void
json_write_string (GString    *out,
                   const char *text)
{
  const char *p = text != NULL ? text : "";
  const char *end = p + strlen (p);

  g_string_append_c (out, '"');
  while (p < end)
    {
      gunichar u = g_utf8_get_char_validated (p, end - p);
      const char *next;

      if (u == (gunichar) -1 || u == (gunichar) -2)
        {
          g_string_append (out, "\xef\xbf\xbd");
          p++;
          continue;
        }
      next = g_utf8_next_char (p);
      switch (u)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (u < 0x20 || u == 0x7f || u == 0x2028 || u == 0x2029)
            g_string_append_printf (out, "\\u%04x", u);
          else
            g_string_append_len (out, p, next - p);
          break;
        }
      p = next;
    }
  g_string_append_c (out, '"');
}

static void
json_write_indent (GString *out,
                   gboolean pretty,
                   guint    level)
{
  if (!pretty)
    return;
  g_string_append_c (out, '\n');
  for (guint i = 0; i < level; i++)
    g_string_append (out, "  ");
}

static void
json_write_node (GString  *out,
                 JsonNode *node,
                 gboolean  pretty,
                 guint     level)
{
  switch (node != NULL ? json_node_get_node_type (node) : JSON_NODE_NULL)
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        json_object_iter_init_ordered (&iter, object);
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            json_write_indent (out, pretty, level + 1);
            json_write_string (out, name);
            g_string_append (out, pretty ? " : " : ":");
            json_write_node (out, member, pretty, level + 1);
          }
        if (!first)
          json_write_indent (out, pretty, level);
        g_string_append_c (out, '}');
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint length = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < length; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            json_write_indent (out, pretty, level + 1);
            json_write_node (out, json_array_get_element (array, i), pretty, level + 1);
          }
        if (length > 0)
          json_write_indent (out, pretty, level);
        g_string_append_c (out, ']');
      }
      break;

    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          {
            double value = json_node_get_double (node);
            char buf[G_ASCII_DTOSTR_BUF_SIZE];

            /* JSON has no NaN or infinity */
            if (isfinite (value))
              g_string_append (out, g_ascii_dtostr (buf, sizeof buf, value));
            else
              g_string_append (out, "null");
          }
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_STRING:
          json_write_string (out, json_node_get_string (node));
          break;
        default:
          g_string_append (out, "null");
          break;
        }
      break;

    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}

/**
 * gh_json_to_string:
 * @node: (nullable): the value to write (%NULL writes `null`)
 * @pretty: indent with two spaces per level, as `json_to_string()` does
 *
 * The one JSON writer of Gatehouse, for every answer, token and stored document. Unlike
 * json-glib 1.6's generator it escapes every control character and never writes invalid
 * UTF-8 (each invalid byte becomes U+FFFD), so its output is always accepted by
 * gh_json_parse_object_strict(). Object members keep their insertion order.
 *
 * Returns: (transfer full): the JSON text
 */
char *
gh_json_to_string (JsonNode *node,
                   gboolean  pretty)
{
  GString *out = g_string_new (NULL);

  json_write_node (out, node, pretty, 0);
  return g_string_free (out, FALSE);
}

char *
gh_json_object_to_string (JsonObject *object,
                          gboolean    pretty)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return gh_json_to_string (node, pretty);
}

JsonArray *
gh_json_array_from_strv (char **strv)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_array_add_string_element (array, strv[i]);
  return array;
}

char *
gh_json_text_from_strv (char **strv)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, gh_json_array_from_strv (strv));
  return gh_json_to_string (node, FALSE);
}

char **
gh_strv_from_json_text (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (text != NULL && json_parser_load_from_data (parser, text, -1, NULL) &&
      JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    {
      JsonArray *array = json_node_get_array (json_parser_get_root (parser));

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (item));
        }
    }
  return g_strv_builder_end (builder);
}

const char *
gh_json_get_string (JsonObject *object,
                    const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gboolean
gh_json_get_int (JsonObject *object,
                 const char *member,
                 gint64     *out)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

const char *
gh_json_array_get_string (JsonArray *array,
                          guint      index)
{
  JsonNode *node;

  if (array == NULL || index >= json_array_get_length (array))
    return NULL;
  node = json_array_get_element (array, index);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}
