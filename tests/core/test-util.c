/* test-util.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-base64url.h"
#include "gh-crypto.h"
#include "gh-json.h"

static void
test_sha256_known_answers (void)
{
  /* FIPS 180-2, B.1 and the empty string */
  static const struct { const char *in; const char *hex; } rows[] = {
    { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *hex = gh_sha256_hex (rows[i].in);
      guint8 raw[32];
      guint j;

      g_assert_cmpstr (hex, ==, rows[i].hex);

      gh_sha256 (rows[i].in, strlen (rows[i].in), raw);
      for (j = 0; j < sizeof raw; j++)
        {
          g_autofree char *byte = g_strdup_printf ("%02x", raw[j]);

          g_assert_cmpmem (byte, 2, rows[i].hex + 2 * j, 2);
        }
    }
}

static void
test_sha256_base64url_pkce (void)
{
  /* RFC 7636 Appendix B: the S256 code challenge */
  g_autofree char *challenge = gh_sha256_base64url ("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");

  g_assert_cmpstr (challenge, ==, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void
test_random_token (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint i;

  for (i = 0; i < 100; i++)
    {
      char *token = gh_random_token (32);
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *bytes = NULL;
      gsize len;

      g_assert_cmpuint (strlen (token), ==, 43);
      bytes = gh_base64url_decode (token, &len, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (len, ==, 32);
      g_assert_false (g_hash_table_contains (seen, token));
      g_hash_table_add (seen, token);
    }

  {
    g_autofree char *one = gh_random_token (1);

    g_assert_cmpuint (strlen (one), ==, 2);
  }
}

static void
test_random_bytes_not_constant (void)
{
  guint8 a[32] = { 0 };
  guint8 b[32] = { 0 };

  gh_random_bytes (a, sizeof a);
  gh_random_bytes (b, sizeof b);
  g_assert_true (memcmp (a, b, sizeof a) != 0);

  /* Zero length is a no-op, even without a buffer */
  gh_random_bytes (NULL, 0);
}

static void
test_constant_time_equal (void)
{
  g_assert_true (gh_constant_time_equal ("secret", "secret"));
  g_assert_true (gh_constant_time_equal ("", ""));
  g_assert_false (gh_constant_time_equal ("secret", "secreT"));
  g_assert_false (gh_constant_time_equal ("secret", "secret "));
  g_assert_false (gh_constant_time_equal ("secret", "secre"));
  g_assert_false (gh_constant_time_equal ("", "x"));
  g_assert_false (gh_constant_time_equal ("x", NULL));
  g_assert_false (gh_constant_time_equal (NULL, "x"));
  g_assert_false (gh_constant_time_equal (NULL, NULL));
}

static void
test_json_strict (void)
{
  static const struct {
    const char *name;
    const char *text;
    gboolean ok;
  } rows[] = {
    { "empty-object", "{}", TRUE },
    { "whitespace", " \t\r\n{ \"a\" : 1 }\n", TRUE },
    { "values", "{\"a\":[true,false,null,0,-0,1.5,-2e10,3E+2,4e-1,\"s\",{},[]]}", TRUE },
    { "escapes", "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}", TRUE },
    { "utf8", "{\"\xc3\xa9t\xc3\xa9\":\"\xe2\x82\xac\"}", TRUE },
    { "same-name-other-objects", "{\"a\":{\"a\":1},\"b\":{\"a\":2}}", TRUE },
    { "empty", "", FALSE },
    { "spaces-only", "   ", FALSE },
    { "array", "[1]", FALSE },
    { "string", "\"a\"", FALSE },
    { "duplicate", "{\"a\":1,\"a\":1}", FALSE },
    { "duplicate-nested", "{\"x\":[{\"a\":1,\"b\":2,\"a\":3}]}", FALSE },
    { "duplicate-escaped", "{\"a\":1,\"\\u0061\":2}", FALSE },
    { "trailing-value", "{} {}", FALSE },
    { "trailing-garbage", "{}x", FALSE },
    { "trailing-comma", "{\"a\":[1,]}", FALSE },
    { "missing-comma", "{\"a\":1 \"b\":2}", FALSE },
    { "missing-colon", "{\"a\" 1}", FALSE },
    { "unquoted-name", "{a:1}", FALSE },
    { "single-quotes", "{'a':1}", FALSE },
    { "comment", "{/* x */}", FALSE },
    { "line-comment", "{}// x", FALSE },
    { "leading-zero", "{\"a\":01}", FALSE },
    { "plus-number", "{\"a\":+1}", FALSE },
    { "bare-dot", "{\"a\":1.}", FALSE },
    { "leading-dot", "{\"a\":.5}", FALSE },
    { "bare-exponent", "{\"a\":1e}", FALSE },
    { "nan", "{\"a\":NaN}", FALSE },
    { "infinity", "{\"a\":-Infinity}", FALSE },
    { "hex", "{\"a\":0x10}", FALSE },
    { "true-prefix", "{\"a\":tru}", FALSE },
    { "capital-true", "{\"a\":True}", FALSE },
    { "control-char", "{\"a\":\"x\ty\"}", FALSE },
    { "newline-in-string", "{\"a\":\"x\ny\"}", FALSE },
    { "bad-escape", "{\"a\":\"\\x41\"}", FALSE },
    { "short-unicode", "{\"a\":\"\\u12\"}", FALSE },
    { "nul-escape", "{\"a\":\"\\u0000\"}", FALSE },
    { "lone-high-surrogate", "{\"a\":\"\\ud83d\"}", FALSE },
    { "lone-low-surrogate", "{\"a\":\"\\ude00\"}", FALSE },
    { "reversed-surrogates", "{\"a\":\"\\ude00\\ud83d\"}", FALSE },
    { "unterminated-string", "{\"a\":\"x}", FALSE },
    { "unterminated-object", "{\"a\":1", FALSE },
    { "invalid-utf8", "{\"a\":\"\xff\"}", FALSE },
    { "overlong-utf8", "{\"a\":\"\xc0\xaf\"}", FALSE },
    { "bom", "\xef\xbb\xbf{}", FALSE },
    { "assignment", "var x = {};", FALSE },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) obj = NULL;

      g_test_message ("JSON row: %s", rows[i].name);
      obj = gh_json_parse_object_strict (rows[i].text, strlen (rows[i].text), &error);
      if (error != NULL)
        g_test_message ("refused: %s", error->message);
      if (rows[i].ok)
        {
          g_assert_no_error (error);
          g_assert_nonnull (obj);
        }
      else
        {
          g_assert_error (error, GH_UTIL_ERROR, GH_UTIL_ERROR_INVALID_JSON);
          g_assert_null (obj);
        }
    }
}

static void
test_json_strict_embedded_nul (void)
{
  static const char text[] = "{\"a\":1}\0{\"b\":2}";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) obj = NULL;

  obj = gh_json_parse_object_strict (text, sizeof text - 1, &error);
  g_assert_error (error, GH_UTIL_ERROR, GH_UTIL_ERROR_INVALID_JSON);
  g_assert_null (obj);
}

static void
test_json_strict_depth (void)
{
  g_autoptr(GString) ok = g_string_new ("{\"a\":");
  g_autoptr(GString) deep = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) obj = NULL;
  guint i;

  /* The outer object is level 1 */
  for (i = 1; i < GH_JSON_MAX_DEPTH; i++)
    g_string_append_c (ok, '[');
  for (i = 1; i < GH_JSON_MAX_DEPTH; i++)
    g_string_append_c (ok, ']');
  g_string_append_c (ok, '}');

  obj = gh_json_parse_object_strict (ok->str, ok->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (obj);
  g_clear_pointer (&obj, json_object_unref);

  deep = g_string_new ("{\"a\":");
  for (i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  obj = gh_json_parse_object_strict (deep->str, deep->len, &error);
  g_assert_error (error, GH_UTIL_ERROR, GH_UTIL_ERROR_INVALID_JSON);
  g_assert_null (obj);
}

static void
test_json_strict_values (void)
{
  const char *text = "{\"s\":\"caf\\u00e9 \\ud83d\\ude00\",\"n\":42,\"o\":{\"b\":true}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) obj = NULL;

  obj = gh_json_parse_object_strict (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (obj, "s"), ==, "caf\xc3\xa9 \xf0\x9f\x98\x80");
  g_assert_cmpint (json_object_get_int_member (obj, "n"), ==, 42);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (obj, "o"), "b"));
}

/* Writes {"<text>": "<text>"} and parses it back with the strict reader. */
static JsonObject *
write_and_parse (const char  *text,
                 char       **out_json)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  JsonObject *parsed;

  json_object_set_string_member (object, text, text);
  json = gh_json_object_to_string (object, FALSE);
  g_assert_true (g_utf8_validate (json, -1, NULL));
  for (const char *p = json; *p; p++)
    g_assert_cmpint ((guchar) *p, >=, 0x20);
  parsed = gh_json_parse_object_strict (json, strlen (json), &error);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);
  if (out_json != NULL)
    *out_json = g_steal_pointer (&json);
  return parsed;
}

static void
test_json_writer_control_characters (void)
{
  static const gunichar extra[] = { 0x7f, 0x2028, 0x2029, '"', '\\', '/' };

  for (gunichar u = 1; u < 0x20 + G_N_ELEMENTS (extra); u++)
    {
      gunichar c = u < 0x20 ? u : extra[u - 0x20];
      g_autoptr(GString) text = g_string_new ("a");
      g_autoptr(JsonObject) parsed = NULL;
      g_autofree char *json = NULL;

      g_string_append_unichar (text, c);
      g_string_append (text, "b");
      parsed = write_and_parse (text->str, &json);
      g_assert_cmpstr (gh_json_get_string (parsed, text->str), ==, text->str);
      if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029)
        {
          g_autofree char *escape = NULL;

          /* Escaped, never raw: also U+007F, U+2028 and U+2029 */
          g_assert_null (strstr (json, text->str));
          if (c != '\b' && c != '\f' && c != '\n' && c != '\r' && c != '\t')
            {
              escape = g_strdup_printf ("a\\u%04xb", c);
              g_assert_nonnull (strstr (json, escape));
            }
        }
    }
}

static void
test_json_writer_invalid_utf8 (void)
{
  static const char *inputs[] = {
    "\xff", "a\xc3", "\xc3(", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "ok\xe2\x82",
    "\xe2\x82\x28", "\xf0\x9f\x98", "\x80\x80\x80", "caf\xc3\xa9\xfe\x1f",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(JsonObject) parsed = NULL;
      g_autoptr(GList) members = NULL;
      const char *value;

      parsed = write_and_parse (inputs[i], NULL);
      members = json_object_get_members (parsed);
      g_assert_cmpuint (g_list_length (members), ==, 1);
      value = gh_json_get_string (parsed, members->data);
      g_assert_nonnull (value);
      g_assert_cmpstr (value, ==, members->data);
      /* Replaced, not dropped: the reader sees that something was there */
      g_assert_nonnull (strstr (value, "\xef\xbf\xbd"));
    }
}

static void
test_json_writer_matches_json_glib (void)
{
  const char *text = "{\"s\":\"caf\\u00e9 \\ud83d\\ude00 <a href='x'>/\",\"n\":-42,"
                     "\"t\":true,\"f\":false,\"z\":null,\"ea\":[],"
                     "\"o\":{\"b\":[1,\"two\",{\"x\":[[]]}]},\"d\":1.5}";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) obj = gh_json_parse_object_strict (text, strlen (text), &error);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  g_assert_no_error (error);
  json_node_set_object (node, obj);
  /* Same text as json-glib for everything it writes right, compact and pretty (CLI output) */
  for (guint pretty = 0; pretty <= 1; pretty++)
    {
      g_autofree char *ours = gh_json_to_string (node, pretty);
      g_autofree char *theirs = json_to_string (node, pretty);

      g_assert_cmpstr (ours, ==, theirs);
    }
  /* json-glib writes an empty object as "{  }" when pretty */
  json_node_take_object (node, json_object_new ());
  for (guint pretty = 0; pretty <= 1; pretty++)
    {
      g_autofree char *empty = gh_json_to_string (node, pretty);

      g_assert_cmpstr (empty, ==, "{}");
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/util/sha256/known-answers", test_sha256_known_answers);
  g_test_add_func ("/core/util/sha256/base64url-pkce", test_sha256_base64url_pkce);
  g_test_add_func ("/core/util/random/token", test_random_token);
  g_test_add_func ("/core/util/random/bytes", test_random_bytes_not_constant);
  g_test_add_func ("/core/util/constant-time-equal", test_constant_time_equal);
  g_test_add_func ("/core/util/json/strict", test_json_strict);
  g_test_add_func ("/core/util/json/embedded-nul", test_json_strict_embedded_nul);
  g_test_add_func ("/core/util/json/depth", test_json_strict_depth);
  g_test_add_func ("/core/util/json/values", test_json_strict_values);
  g_test_add_func ("/core/util/json/writer/control-characters",
                   test_json_writer_control_characters);
  g_test_add_func ("/core/util/json/writer/invalid-utf8", test_json_writer_invalid_utf8);
  g_test_add_func ("/core/util/json/writer/matches-json-glib", test_json_writer_matches_json_glib);

  return g_test_run ();
}
