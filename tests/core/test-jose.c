/* test-jose.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "gh-base64url.h"
#include "gh-crypto.h"
#include "gh-jwk.h"
#include "gh-jws.h"

/* RFC 6979 A.2.5: P-256 key pair */
#define RFC6979_X  "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721"
#define RFC6979_UX "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
#define RFC6979_UY "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"

/* RFC 7515 A.3: ES256 key and JWS */
#define A3_X "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define A3_Y "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
#define A3_D "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"
#define A3_JWS \
  "eyJhbGciOiJFUzI1NiJ9" \
  ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp" \
  "0cnVlfQ" \
  ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
#define A3_PAYLOAD \
  "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"

/* RFC 7515 A.2: RS256 key and JWS (same payload) */
#define A2_N \
  "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt" \
  "0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSX" \
  "ndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5" \
  "IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
#define A2_D \
  "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol" \
  "2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn43" \
  "9X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8" \
  "bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ"
#define A2_P \
  "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_" \
  "Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc"
#define A2_Q \
  "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7Tje" \
  "LQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc"
#define A2_DP \
  "BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOK" \
  "nu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0"
#define A2_DQ \
  "h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U" \
  "0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU"
#define A2_QI \
  "IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5" \
  "cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"
#define A2_JWS \
  "eyJhbGciOiJSUzI1NiJ9" \
  ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp" \
  "0cnVlfQ" \
  ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8" \
  "W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvk" \
  "SjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCn" \
  "vWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"

/* RFC 7638 §3.1: RSA key and its thumbprint */
#define RFC7638_N \
  "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_B" \
  "JECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_F" \
  "DW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4" \
  "vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
#define RFC7638_THUMBPRINT "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

/* One RSA key for the whole run: generating them is the slow part */
static GhJwk *shared_rsa_key;

static guint8 *
hex_decode (const char *hex,
            gsize      *len)
{
  gsize n = strlen (hex) / 2;
  guint8 *out = g_malloc (n);
  gsize i;

  g_assert_cmpuint (strlen (hex) % 2, ==, 0);
  for (i = 0; i < n; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      g_assert_cmpint (hi, >=, 0);
      g_assert_cmpint (lo, >=, 0);
      out[i] = (guint8) (hi << 4 | lo);
    }

  *len = n;
  return out;
}

static char *
b64_of_hex (const char *hex)
{
  g_autofree guint8 *bytes = NULL;
  gsize len;

  bytes = hex_decode (hex, &len);
  return gh_base64url_encode (bytes, len);
}

static JsonObject *
a3_jwk_object (gboolean with_private)
{
  JsonObject *obj = json_object_new ();

  json_object_set_string_member (obj, "kty", "EC");
  json_object_set_string_member (obj, "crv", "P-256");
  json_object_set_string_member (obj, "x", A3_X);
  json_object_set_string_member (obj, "y", A3_Y);
  if (with_private)
    json_object_set_string_member (obj, "d", A3_D);

  return obj;
}

static JsonObject *
a2_jwk_object (gboolean with_private)
{
  JsonObject *obj = json_object_new ();

  json_object_set_string_member (obj, "kty", "RSA");
  json_object_set_string_member (obj, "n", A2_N);
  json_object_set_string_member (obj, "e", "AQAB");
  if (with_private)
    {
      json_object_set_string_member (obj, "d", A2_D);
      json_object_set_string_member (obj, "p", A2_P);
      json_object_set_string_member (obj, "q", A2_Q);
      json_object_set_string_member (obj, "dp", A2_DP);
      json_object_set_string_member (obj, "dq", A2_DQ);
      json_object_set_string_member (obj, "qi", A2_QI);
    }

  return obj;
}

static GhJwk *
rfc6979_key (void)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *x = b64_of_hex (RFC6979_UX);
  g_autofree char *y = b64_of_hex (RFC6979_UY);
  g_autofree char *d = b64_of_hex (RFC6979_X);
  GhJwk *key;

  json_object_set_string_member (obj, "kty", "EC");
  json_object_set_string_member (obj, "crv", "P-256");
  json_object_set_string_member (obj, "x", x);
  json_object_set_string_member (obj, "y", y);
  json_object_set_string_member (obj, "d", d);

  key = gh_jwk_new_from_json (obj, &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);

  return key;
}

static GhJwk *
get_rsa_key (void)
{
  if (shared_rsa_key == NULL)
    {
      g_autoptr(GError) error = NULL;

      shared_rsa_key = gh_jwk_generate (GH_JWS_ALG_RS256, &error);
      g_assert_no_error (error);
    }

  return shared_rsa_key;
}

static char *
json_to_text (JsonObject *obj)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_node_set_object (root, obj);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

/* A correctly signed JWS over an arbitrary header text, so that a refusal can only come
 * from the header policy and never from the signature */
static char *
make_jws_raw (GhJwk      *key,
              const char *header_text,
              const char *payload)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sig = NULL;
  g_autofree char *h = gh_base64url_encode ((const guint8 *) header_text, strlen (header_text));
  g_autofree char *p = gh_base64url_encode ((const guint8 *) payload, strlen (payload));
  g_autofree char *input = g_strconcat (h, ".", p, NULL);
  g_autofree char *s = NULL;
  const guint8 *sig_data;
  gsize sig_len;

  sig = gh_jwk_sign (key, (const guint8 *) input, strlen (input), GH_JWK_SIGN_NONE, &error);
  g_assert_no_error (error);
  sig_data = g_bytes_get_data (sig, &sig_len);
  s = gh_base64url_encode (sig_data, sig_len);

  return g_strconcat (input, ".", s, NULL);
}

static char *
make_jws (GhJwk      *key,
          JsonObject *header,
          const char *payload)
{
  g_autofree char *text = json_to_text (header);

  return make_jws_raw (key, text, payload);
}

static void
assert_rejected (const char  *jws,
                 GhJwk       *key,
                 GhJoseError  code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(GBytes) payload = NULL;
  gboolean ok;

  ok = gh_jws_verify_compact_with_key (jws, key, &header, &payload, &error);
  if (error != NULL)
    g_test_message ("refused: %s", error->message);
  g_assert_error (error, GH_JOSE_ERROR, (gint) code);
  g_assert_false (ok);
  g_assert_null (header);
  g_assert_null (payload);
}

/* base64url ---------------------------------------------------------------------------- */

static void
test_base64url_vectors (void)
{
  /* RFC 4648 §10, with the padding dropped */
  static const struct { const char *in; const char *out; } rows[] = {
    { "", "" },
    { "f", "Zg" },
    { "fo", "Zm8" },
    { "foo", "Zm9v" },
    { "foob", "Zm9vYg" },
    { "fooba", "Zm9vYmE" },
    { "foobar", "Zm9vYmFy" },
  };
  static const guint8 url_bytes[] = { 0xfb, 0xff, 0xfe };
  g_autofree char *url = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *enc = gh_base64url_encode ((const guint8 *) rows[i].in, strlen (rows[i].in));
      g_autofree guint8 *dec = NULL;
      gsize len;

      g_assert_cmpstr (enc, ==, rows[i].out);
      dec = gh_base64url_decode (rows[i].out, &len, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (dec, len, rows[i].in, strlen (rows[i].in));
      g_assert_cmpint (dec[len], ==, 0);
    }

  /* The URL-safe alphabet, not + and / */
  url = gh_base64url_encode (url_bytes, sizeof url_bytes);
  g_assert_cmpstr (url, ==, "-__-");
}

static void
test_base64url_strict (void)
{
  static const char * const bad[] = {
    "Zg=",        /* padding */
    "Zg==",
    "Zm9vYg==",
    "Z",          /* len % 4 == 1 */
    "Zm9vY",
    "Zm9v+",      /* standard alphabet */
    "Zm9v/w",
    "+_8",
    "Zm 9v",      /* whitespace */
    "Zm9v\n",
    " Zm9v",
    "Zm9v\t",
    "Zh",         /* leftover bits set: "Zg" is the only encoding of "f" */
    "Zm9",        /* leftover bits set: "Zm8" is the only encoding of "fo" */
    "Zm9vYh",
    "Zm.9v",
    "Zm9v%3D",
    "\xc3\xa9Zm9",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *dec = NULL;
      gsize len = 12345;

      dec = gh_base64url_decode (bad[i], &len, &error);
      g_assert_error (error, GH_UTIL_ERROR, GH_UTIL_ERROR_INVALID_BASE64);
      g_assert_null (dec);
      g_assert_cmpuint (len, ==, 0);
    }
}

static void
test_base64url_random_round_trip (void)
{
  guint i;

  for (i = 0; i < 200; i++)
    {
      g_autoptr(GError) error = NULL;
      guint8 buf[67];
      gsize n = i % sizeof buf;
      g_autofree char *enc = NULL;
      g_autofree guint8 *dec = NULL;
      gsize len;

      gh_random_bytes (buf, n);
      enc = gh_base64url_encode (buf, n);
      g_assert_cmpuint (strspn (enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-_"), ==, strlen (enc));
      dec = gh_base64url_decode (enc, &len, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (dec, len, buf, n);
    }
}

/* Known answers ------------------------------------------------------------------------- */

static void
check_rfc6979 (GhJwk      *key,
               const char *message,
               const char *r_hex,
               const char *s_hex)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sig = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autofree char *rs_hex = g_strconcat (r_hex, s_hex, NULL);
  g_autofree guint8 *expected = NULL;
  gsize expected_len;
  const guint8 *data;
  gsize len;

  expected = hex_decode (rs_hex, &expected_len);

  sig = gh_jwk_sign (key, (const guint8 *) message, strlen (message),
                     GH_JWK_SIGN_REPRODUCIBLE, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (sig, &len);
  g_assert_cmpmem (data, len, expected, expected_len);

  g_assert_true (gh_jwk_verify (key, (const guint8 *) message, strlen (message), data, len,
                                &error));
  g_assert_no_error (error);

  again = gh_jwk_sign (key, (const guint8 *) message, strlen (message),
                       GH_JWK_SIGN_REPRODUCIBLE, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (sig, again));
}

static void
test_rfc6979_p256 (void)
{
  g_autoptr(GhJwk) key = rfc6979_key ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) random1 = NULL;
  g_autoptr(GBytes) random2 = NULL;

  g_assert_cmpint (gh_jwk_get_alg (key), ==, GH_JWS_ALG_ES256);
  g_assert_true (gh_jwk_has_private (key));

  /* A.2.5, "With SHA-256, message = "sample"" */
  check_rfc6979 (key, "sample",
                 "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
                 "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
  /* A.2.5, "With SHA-256, message = "test"" */
  check_rfc6979 (key, "test",
                 "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
                 "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083");

  /* Production signing draws a fresh k */
  random1 = gh_jwk_sign (key, (const guint8 *) "sample", 6, GH_JWK_SIGN_NONE, &error);
  g_assert_no_error (error);
  random2 = gh_jwk_sign (key, (const guint8 *) "sample", 6, GH_JWK_SIGN_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (random1), ==, 64);
  g_assert_false (g_bytes_equal (random1, random2));
}

/* r or s below 2^248 must still come out as 32 bytes each */
static void
test_ecdsa_short_integers (void)
{
  g_autoptr(GhJwk) key = rfc6979_key ();
  gboolean found = FALSE;
  guint i;

  for (i = 0; i < 8192 && !found; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) sig = NULL;
      g_autofree char *msg = g_strdup_printf ("message %u", i);
      const guint8 *data;
      gsize len;

      sig = gh_jwk_sign (key, (const guint8 *) msg, strlen (msg), GH_JWK_SIGN_REPRODUCIBLE,
                         &error);
      g_assert_no_error (error);
      data = g_bytes_get_data (sig, &len);
      g_assert_cmpuint (len, ==, 64);

      if (data[0] == 0 || data[32] == 0)
        {
          found = TRUE;
          g_assert_true (gh_jwk_verify (key, (const guint8 *) msg, strlen (msg), data, len,
                                        &error));
          g_assert_no_error (error);
        }
    }

  g_assert_true (found);
}

static void
test_rfc7515_a3_es256 (void)
{
  g_autoptr(JsonObject) jwk = a3_jwk_object (FALSE);
  g_autoptr(JsonObject) jwk_private = a3_jwk_object (TRUE);
  g_autoptr(GhJwk) key = NULL;
  g_autoptr(GhJwk) private_key = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autofree char *tampered = NULL;
  char *sig_part;

  key = gh_jwk_new_from_json (jwk, &error);
  g_assert_no_error (error);
  g_assert_false (gh_jwk_has_private (key));
  g_assert_cmpint (gh_jwk_get_alg (key), ==, GH_JWS_ALG_ES256);

  g_assert_true (gh_jws_verify_compact_with_key (A3_JWS, key, &header, &payload, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==, "ES256");
  g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload),
                   A3_PAYLOAD, strlen (A3_PAYLOAD));

  /* The private JWK is the same key */
  private_key = gh_jwk_new_from_json (jwk_private, &error);
  g_assert_no_error (error);
  g_assert_true (gh_jwk_has_private (private_key));
  g_assert_cmpstr (gh_jwk_get_kid (private_key), ==, gh_jwk_get_kid (key));
  g_assert_true (gh_jws_verify_compact_with_key (A3_JWS, private_key, NULL, NULL, &error));
  g_assert_no_error (error);

  /* One payload character changed ('e' -> 'f') */
  tampered = g_strdup (A3_JWS);
  g_assert_cmpint (tampered[21], ==, 'e');
  tampered[21] = 'f';
  assert_rejected (tampered, key, GH_JOSE_ERROR_BAD_SIGNATURE);

  /* One signature character changed */
  g_free (tampered);
  tampered = g_strdup (A3_JWS);
  sig_part = strrchr (tampered, '.') + 1;
  sig_part[10] = sig_part[10] == 'A' ? 'B' : 'A';
  assert_rejected (tampered, key, GH_JOSE_ERROR_BAD_SIGNATURE);
}

static void
test_rfc7515_a2_rs256 (void)
{
  g_autoptr(JsonObject) jwk = a2_jwk_object (TRUE);
  g_autoptr(GhJwk) key = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sig = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autofree char *expected_b64 = NULL;
  g_autofree char *sig_b64 = NULL;
  const char *signing_input_end;

  key = gh_jwk_new_from_json (jwk, &error);
  g_assert_no_error (error);
  g_assert_true (gh_jwk_has_private (key));
  g_assert_cmpint (gh_jwk_get_alg (key), ==, GH_JWS_ALG_RS256);

  g_assert_true (gh_jws_verify_compact_with_key (A2_JWS, key, NULL, &payload, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload),
                   A3_PAYLOAD, strlen (A3_PAYLOAD));

  /* PKCS#1 v1.5 is deterministic: we must produce the RFC's signature exactly */
  signing_input_end = strrchr (A2_JWS, '.');
  sig = gh_jwk_sign (key, (const guint8 *) A2_JWS, (gsize) (signing_input_end - A2_JWS),
                     GH_JWK_SIGN_NONE, &error);
  g_assert_no_error (error);
  sig_b64 = gh_base64url_encode (g_bytes_get_data (sig, NULL), g_bytes_get_size (sig));
  g_assert_cmpstr (sig_b64, ==, signing_input_end + 1);
}

static void
test_rfc7638_thumbprint (void)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(GhJwk) key = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) pub = NULL;

  /* As printed in RFC 7638 §3.1, with its optional members */
  json_object_set_string_member (obj, "kty", "RSA");
  json_object_set_string_member (obj, "n", RFC7638_N);
  json_object_set_string_member (obj, "e", "AQAB");
  json_object_set_string_member (obj, "alg", "RS256");
  json_object_set_string_member (obj, "kid", "2011-04-29");

  key = gh_jwk_new_from_json (obj, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gh_jwk_get_kid (key), ==, RFC7638_THUMBPRINT);

  pub = gh_jwk_to_public_json (key);
  g_assert_cmpstr (json_object_get_string_member (pub, "kid"), ==, RFC7638_THUMBPRINT);
  g_assert_cmpstr (json_object_get_string_member (pub, "n"), ==, RFC7638_N);
  g_assert_cmpstr (json_object_get_string_member (pub, "e"), ==, "AQAB");
}

/* Round trips --------------------------------------------------------------------------- */

static void
assert_public_json (GhJwk *key)
{
  static const char * const private_members[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k" };
  g_autoptr(JsonObject) pub = gh_jwk_to_public_json (key);
  g_autoptr(GhJwk) again = NULL;
  g_autoptr(GError) error = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (private_members); i++)
    g_assert_false (json_object_has_member (pub, private_members[i]));

  g_assert_cmpstr (json_object_get_string_member (pub, "kid"), ==, gh_jwk_get_kid (key));
  g_assert_cmpstr (json_object_get_string_member (pub, "alg"), ==,
                   gh_jws_alg_to_string (gh_jwk_get_alg (key)));
  g_assert_cmpstr (json_object_get_string_member (pub, "use"), ==, "sig");

  if (gh_jwk_get_alg (key) == GH_JWS_ALG_ES256)
    {
      g_assert_cmpstr (json_object_get_string_member (pub, "kty"), ==, "EC");
      g_assert_cmpstr (json_object_get_string_member (pub, "crv"), ==, "P-256");
      g_assert_cmpuint (json_object_get_size (pub), ==, 7);
    }
  else
    {
      g_assert_cmpstr (json_object_get_string_member (pub, "kty"), ==, "RSA");
      g_assert_cmpuint (json_object_get_size (pub), ==, 6);
    }

  /* What we publish reads back as the same key, public only */
  again = gh_jwk_new_from_json (pub, &error);
  g_assert_no_error (error);
  g_assert_false (gh_jwk_has_private (again));
  g_assert_cmpstr (gh_jwk_get_kid (again), ==, gh_jwk_get_kid (key));
}

static void
check_round_trip (GhJwk *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) extra = json_object_new ();
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GBytes) payload_in = NULL;
  g_autoptr(GBytes) payload_out = NULL;
  g_autoptr(GhJwk) from_pem = NULL;
  g_autoptr(GhJwk) pub = NULL;
  g_autoptr(JsonObject) pub_json = NULL;
  g_autofree char *jws = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *jws2 = NULL;
  const char *claims_text = "{\"sub\":\"alice\",\"n\":[1,2,{\"x\":null}]}";

  json_object_set_string_member (extra, "typ", "at+jwt");
  payload_in = g_bytes_new_static (claims_text, strlen (claims_text));

  jws = gh_jws_sign_compact (key, extra, payload_in, &error);
  g_assert_no_error (error);
  g_assert_nonnull (jws);

  g_assert_true (gh_jws_verify_compact_with_key (jws, key, &header, &payload_out, &error));
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (payload_in, payload_out));
  g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==,
                   gh_jws_alg_to_string (gh_jwk_get_alg (key)));
  g_assert_cmpstr (json_object_get_string_member (header, "kid"), ==, gh_jwk_get_kid (key));
  g_assert_cmpstr (json_object_get_string_member (header, "typ"), ==, "at+jwt");
  g_assert_cmpuint (json_object_get_size (header), ==, 3);

  claims = gh_jws_parse_json_object (payload_out, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (claims, "sub"), ==, "alice");

  /* PEM keeps the key and so the kid */
  pem = gh_jwk_export_private_pem (key, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (pem, "-----BEGIN PRIVATE KEY-----\n"));
  from_pem = gh_jwk_new_from_private_pem (pem, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gh_jwk_get_kid (from_pem), ==, gh_jwk_get_kid (key));
  g_assert_cmpint (gh_jwk_get_alg (from_pem), ==, gh_jwk_get_alg (key));
  g_assert_true (gh_jwk_has_private (from_pem));
  g_assert_true (gh_jws_verify_compact_with_key (jws, from_pem, NULL, NULL, &error));
  g_assert_no_error (error);

  /* The public half verifies what the private half signed, and cannot sign */
  pub_json = gh_jwk_to_public_json (key);
  pub = gh_jwk_new_from_json (pub_json, &error);
  g_assert_no_error (error);
  g_assert_true (gh_jws_verify_compact_with_key (jws, pub, NULL, NULL, &error));
  g_assert_no_error (error);

  jws2 = gh_jws_sign_compact (pub, NULL, payload_in, &error);
  g_assert_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_NO_PRIVATE_KEY);
  g_assert_null (jws2);
  g_clear_error (&error);

  g_assert_null (gh_jwk_export_private_pem (pub, &error));
  g_assert_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_NO_PRIVATE_KEY);
  g_clear_error (&error);

  assert_public_json (key);
}

static void
test_round_trip_es256 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhJwk) key = gh_jwk_generate (GH_JWS_ALG_ES256, &error);
  g_autoptr(GhJwk) other = gh_jwk_generate (GH_JWS_ALG_ES256, &error);

  g_assert_no_error (error);
  g_assert_cmpint (gh_jwk_get_alg (key), ==, GH_JWS_ALG_ES256);
  g_assert_cmpuint (strlen (gh_jwk_get_kid (key)), ==, 43);
  g_assert_cmpstr (gh_jwk_get_kid (key), !=, gh_jwk_get_kid (other));

  check_round_trip (key);
}

static void
test_round_trip_rs256 (void)
{
  GhJwk *key = get_rsa_key ();
  g_autoptr(JsonObject) pub = gh_jwk_to_public_json (key);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *n = NULL;
  gsize n_len;

  g_assert_cmpint (gh_jwk_get_alg (key), ==, GH_JWS_ALG_RS256);
  n = gh_base64url_decode (json_object_get_string_member (pub, "n"), &n_len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_len * 8, ==, GH_JWK_RSA_GENERATE_BITS);
  g_assert_cmpstr (json_object_get_string_member (pub, "e"), ==, "AQAB");

  check_round_trip (key);
}

static void
test_pem_legacy_forms (void)
{
  g_autoptr(GhJwk) key = rfc6979_key ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GhJwk) again = NULL;
  gnutls_privkey_t priv = NULL;
  gnutls_x509_privkey_t x509 = NULL;
  gnutls_datum_t d = { NULL, 0 };
  g_autofree char *pem = NULL;
  g_autofree char *sec1 = NULL;
  int ret;

  /* SEC 1 "EC PRIVATE KEY", as openssl ecparam writes it */
  pem = gh_jwk_export_private_pem (key, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gnutls_privkey_init (&priv), ==, 0);
  d.data = (unsigned char *) pem;
  d.size = strlen (pem);
  g_assert_cmpint (gnutls_privkey_import_x509_raw (priv, &d, GNUTLS_X509_FMT_PEM, NULL, 0), ==, 0);
  g_assert_cmpint (gnutls_privkey_export_x509 (priv, &x509), ==, 0);
  ret = gnutls_x509_privkey_export2 (x509, GNUTLS_X509_FMT_PEM, &d);
  g_assert_cmpint (ret, ==, 0);
  sec1 = g_strndup ((const char *) d.data, d.size);
  gnutls_free (d.data);
  gnutls_x509_privkey_deinit (x509);
  gnutls_privkey_deinit (priv);

  g_assert_true (g_str_has_prefix (sec1, "-----BEGIN EC PRIVATE KEY-----"));
  again = gh_jwk_new_from_private_pem (sec1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gh_jwk_get_kid (again), ==, gh_jwk_get_kid (key));
}

static char *
pem_of_generated (gnutls_pk_algorithm_t  algo,
                  unsigned int           bits,
                  const char            *password)
{
  gnutls_x509_privkey_t x509 = NULL;
  gnutls_datum_t d = { NULL, 0 };
  char *pem;

  g_assert_cmpint (gnutls_x509_privkey_init (&x509), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_generate (x509, algo, bits, 0), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_export2_pkcs8 (x509, GNUTLS_X509_FMT_PEM, password,
                                                      password != NULL ? GNUTLS_PKCS_PBES2_AES_256
                                                                       : GNUTLS_PKCS_PLAIN,
                                                      &d), ==, 0);
  pem = g_strndup ((const char *) d.data, d.size);
  gnutls_free (d.data);
  gnutls_x509_privkey_deinit (x509);

  return pem;
}

static void
test_pem_rejects (void)
{
  struct {
    const char *name;
    char *pem;
    GhJoseError code;
  } rows[] = {
    { "P-384", pem_of_generated (GNUTLS_PK_ECDSA,
                                 GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP384R1), NULL),
      GH_JOSE_ERROR_UNSUPPORTED_KEY },
    { "Ed25519", pem_of_generated (GNUTLS_PK_EDDSA_ED25519,
                                   GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_ED25519), NULL),
      GH_JOSE_ERROR_UNSUPPORTED_KEY },
    { "RSA-1024", pem_of_generated (GNUTLS_PK_RSA, 1024, NULL), GH_JOSE_ERROR_UNSUPPORTED_KEY },
    { "encrypted", pem_of_generated (GNUTLS_PK_ECDSA,
                                     GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), "pw"),
      GH_JOSE_ERROR_INVALID },
    { "garbage", g_strdup ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
      GH_JOSE_ERROR_INVALID },
    { "text", g_strdup ("hello"), GH_JOSE_ERROR_INVALID },
    { "empty", g_strdup (""), GH_JOSE_ERROR_INVALID },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GhJwk) key = NULL;

      g_test_message ("PEM row: %s", rows[i].name);
      key = gh_jwk_new_from_private_pem (rows[i].pem, &error);
      if (error != NULL)
        g_test_message ("refused: %s", error->message);
      g_assert_error (error, GH_JOSE_ERROR, (gint) rows[i].code);
      g_assert_null (key);
      g_free (rows[i].pem);
    }
}

/* JWK validation ------------------------------------------------------------------------ */

typedef void (*JwkMutation) (JsonObject *obj);

static void
mut_none (JsonObject *obj)
{
}

static void
mut_no_kty (JsonObject *obj)
{
  json_object_remove_member (obj, "kty");
}

static void
mut_kty_oct (JsonObject *obj)
{
  json_object_set_string_member (obj, "kty", "oct");
}

static void
mut_kty_okp (JsonObject *obj)
{
  json_object_set_string_member (obj, "kty", "OKP");
}

static void
mut_kty_number (JsonObject *obj)
{
  json_object_set_int_member (obj, "kty", 1);
}

static void
mut_crv_p384 (JsonObject *obj)
{
  json_object_set_string_member (obj, "crv", "P-384");
}

static void
mut_no_crv (JsonObject *obj)
{
  json_object_remove_member (obj, "crv");
}

static void
mut_no_y (JsonObject *obj)
{
  json_object_remove_member (obj, "y");
}

static void
mut_x_number (JsonObject *obj)
{
  json_object_set_int_member (obj, "x", 7);
}

static void
mut_x_padded (JsonObject *obj)
{
  json_object_set_string_member (obj, "x", A3_X "=");
}

static void
mut_x_std_alphabet (JsonObject *obj)
{
  json_object_set_string_member (obj, "x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU+");
}

static void
mut_x_short (JsonObject *obj)
{
  /* 31 bytes */
  json_object_set_string_member (obj, "x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVA");
}

static void
mut_x_long (JsonObject *obj)
{
  /* 33 bytes: a leading zero in front of x */
  json_object_set_string_member (obj, "x", "AH_Nzidw9sRdQYPL7m_bS3tYBzM1e-nvE7rPbjx70VRF");
}

static void
mut_off_curve (JsonObject *obj)
{
  json_object_set_string_member (obj, "y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5aA");
}

static void
mut_alg_rs256 (JsonObject *obj)
{
  json_object_set_string_member (obj, "alg", "RS256");
}

static void
mut_alg_es384 (JsonObject *obj)
{
  json_object_set_string_member (obj, "alg", "ES384");
}

static void
mut_alg_none (JsonObject *obj)
{
  json_object_set_string_member (obj, "alg", "none");
}

static void
mut_alg_es256 (JsonObject *obj)
{
  json_object_set_string_member (obj, "alg", "ES256");
}

static void
mut_use_enc (JsonObject *obj)
{
  json_object_set_string_member (obj, "use", "enc");
}

static void
mut_use_sig (JsonObject *obj)
{
  json_object_set_string_member (obj, "use", "sig");
}

static void
mut_ec_wrong_d (JsonObject *obj)
{
  /* The RFC 6979 scalar, which belongs to another public key */
  g_autofree char *d = b64_of_hex (RFC6979_X);

  json_object_set_string_member (obj, "d", d);
}

static void
mut_ec_short_d (JsonObject *obj)
{
  json_object_set_string_member (obj, "d", "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9A");
}

static void
mut_rsa_lz (JsonObject *obj)
{
  json_object_set_string_member (obj, "n", "AAAA" A2_N);
}

static void
mut_rsa_e1 (JsonObject *obj)
{
  json_object_set_string_member (obj, "e", "AQ");
}

static void
mut_rsa_e_even (JsonObject *obj)
{
  json_object_set_string_member (obj, "e", "AQAA");
}

static void
mut_rsa_e_lz (JsonObject *obj)
{
  json_object_set_string_member (obj, "e", "AAEAAQ");
}

static void
mut_rsa_small (JsonObject *obj)
{
  /* The A.2 modulus cut to under 1000 bits: well-formed, too small */
  json_object_set_string_member (obj, "n",
                                 "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp"
                                 "-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOW"
                                 "vG6b32690r2jZ47soMZo9wGzjb_7OMg0LOI");
}

static void
mut_rsa_no_p (JsonObject *obj)
{
  json_object_remove_member (obj, "p");
}

static void
mut_rsa_no_qi (JsonObject *obj)
{
  json_object_remove_member (obj, "qi");
}

static void
mut_rsa_only_d (JsonObject *obj)
{
  json_object_remove_member (obj, "p");
  json_object_remove_member (obj, "q");
  json_object_remove_member (obj, "dp");
  json_object_remove_member (obj, "dq");
  json_object_remove_member (obj, "qi");
}

static void
mut_rsa_p_without_d (JsonObject *obj)
{
  json_object_remove_member (obj, "d");
}

static void
mut_rsa_oth (JsonObject *obj)
{
  json_object_set_array_member (obj, "oth", json_array_new ());
}

static void
mut_rsa_swapped_crt (JsonObject *obj)
{
  json_object_set_string_member (obj, "dp", A2_DQ);
  json_object_set_string_member (obj, "dq", A2_DP);
}

static void
mut_rsa_wrong_d (JsonObject *obj)
{
  json_object_set_string_member (obj, "d", A2_DP);
}

static void
test_jwk_validation (void)
{
  struct {
    const char *name;
    gboolean rsa;
    gboolean with_private;
    JwkMutation mutate;
    gint code;   /* -1: accepted */
  } rows[] = {
    { "ec-public", FALSE, FALSE, mut_none, -1 },
    { "ec-private", FALSE, TRUE, mut_none, -1 },
    { "ec-alg-es256", FALSE, FALSE, mut_alg_es256, -1 },
    { "ec-use-sig", FALSE, FALSE, mut_use_sig, -1 },
    { "rsa-public", TRUE, FALSE, mut_none, -1 },
    { "rsa-private", TRUE, TRUE, mut_none, -1 },
    { "no-kty", FALSE, FALSE, mut_no_kty, GH_JOSE_ERROR_INVALID },
    { "kty-number", FALSE, FALSE, mut_kty_number, GH_JOSE_ERROR_INVALID },
    { "kty-oct", FALSE, FALSE, mut_kty_oct, GH_JOSE_ERROR_UNSUPPORTED_KEY },
    { "kty-okp", FALSE, FALSE, mut_kty_okp, GH_JOSE_ERROR_UNSUPPORTED_KEY },
    { "crv-p384", FALSE, FALSE, mut_crv_p384, GH_JOSE_ERROR_UNSUPPORTED_KEY },
    { "no-crv", FALSE, FALSE, mut_no_crv, GH_JOSE_ERROR_UNSUPPORTED_KEY },
    { "no-y", FALSE, FALSE, mut_no_y, GH_JOSE_ERROR_INVALID },
    { "x-number", FALSE, FALSE, mut_x_number, GH_JOSE_ERROR_INVALID },
    { "x-padded", FALSE, FALSE, mut_x_padded, GH_JOSE_ERROR_INVALID },
    { "x-std-alphabet", FALSE, FALSE, mut_x_std_alphabet, GH_JOSE_ERROR_INVALID },
    { "x-31-bytes", FALSE, FALSE, mut_x_short, GH_JOSE_ERROR_INVALID },
    { "x-33-bytes", FALSE, FALSE, mut_x_long, GH_JOSE_ERROR_INVALID },
    { "off-curve", FALSE, FALSE, mut_off_curve, GH_JOSE_ERROR_INVALID },
    { "ec-alg-rs256", FALSE, FALSE, mut_alg_rs256, GH_JOSE_ERROR_KEY_MISMATCH },
    { "ec-alg-es384", FALSE, FALSE, mut_alg_es384, GH_JOSE_ERROR_KEY_MISMATCH },
    { "ec-alg-none", FALSE, FALSE, mut_alg_none, GH_JOSE_ERROR_KEY_MISMATCH },
    { "ec-use-enc", FALSE, FALSE, mut_use_enc, GH_JOSE_ERROR_UNSUPPORTED_KEY },
    { "ec-wrong-d", FALSE, TRUE, mut_ec_wrong_d, GH_JOSE_ERROR_KEY_MISMATCH },
    { "ec-short-d", FALSE, TRUE, mut_ec_short_d, GH_JOSE_ERROR_INVALID },
    { "rsa-alg-es256", TRUE, FALSE, mut_alg_es256, GH_JOSE_ERROR_KEY_MISMATCH },
    { "rsa-n-leading-zero", TRUE, FALSE, mut_rsa_lz, GH_JOSE_ERROR_INVALID },
    { "rsa-e-1", TRUE, FALSE, mut_rsa_e1, GH_JOSE_ERROR_UNSUPPORTED_KEY },
    { "rsa-e-even", TRUE, FALSE, mut_rsa_e_even, GH_JOSE_ERROR_UNSUPPORTED_KEY },
    { "rsa-e-leading-zero", TRUE, FALSE, mut_rsa_e_lz, GH_JOSE_ERROR_INVALID },
    { "rsa-1024", TRUE, FALSE, mut_rsa_small, GH_JOSE_ERROR_UNSUPPORTED_KEY },
    { "rsa-no-p", TRUE, TRUE, mut_rsa_no_p, GH_JOSE_ERROR_INVALID },
    { "rsa-no-qi", TRUE, TRUE, mut_rsa_no_qi, GH_JOSE_ERROR_INVALID },
    { "rsa-only-d", TRUE, TRUE, mut_rsa_only_d, GH_JOSE_ERROR_INVALID },
    { "rsa-crt-without-d", TRUE, TRUE, mut_rsa_p_without_d, GH_JOSE_ERROR_INVALID },
    { "rsa-oth", TRUE, TRUE, mut_rsa_oth, GH_JOSE_ERROR_UNSUPPORTED_KEY },
    { "rsa-swapped-crt", TRUE, TRUE, mut_rsa_swapped_crt, GH_JOSE_ERROR_KEY_MISMATCH },
    { "rsa-wrong-d", TRUE, TRUE, mut_rsa_wrong_d, GH_JOSE_ERROR_KEY_MISMATCH },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(JsonObject) obj = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GhJwk) key = NULL;

      g_test_message ("JWK row: %s", rows[i].name);
      obj = rows[i].rsa ? a2_jwk_object (rows[i].with_private)
                        : a3_jwk_object (rows[i].with_private);
      rows[i].mutate (obj);
      key = gh_jwk_new_from_json (obj, &error);
      if (error != NULL)
        g_test_message ("refused: %s", error->message);

      if (rows[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_nonnull (key);
          g_assert_cmpint (gh_jwk_has_private (key), ==, rows[i].with_private);
        }
      else
        {
          g_assert_error (error, GH_JOSE_ERROR, rows[i].code);
          g_assert_null (key);
        }
    }
}

/* JWS refusals -------------------------------------------------------------------------- */

static void
test_reject_alg_none (void)
{
  g_autoptr(GhJwk) key = rfc6979_key ();
  g_autofree char *h = NULL;
  g_autofree char *p = NULL;
  g_autofree char *jws = NULL;
  g_autofree char *signed_none = NULL;
  const char *header = "{\"alg\":\"none\"}";

  /* The unsecured JWS of RFC 7515 A.5: empty signature */
  h = gh_base64url_encode ((const guint8 *) header, strlen (header));
  p = gh_base64url_encode ((const guint8 *) A3_PAYLOAD, strlen (A3_PAYLOAD));
  jws = g_strconcat (h, ".", p, ".", NULL);
  assert_rejected (jws, key, GH_JOSE_ERROR_UNSUPPORTED_ALG);

  /* Even with a valid signature under it */
  signed_none = make_jws_raw (key, header, "{}");
  assert_rejected (signed_none, key, GH_JOSE_ERROR_UNSUPPORTED_ALG);
}

static void
test_reject_other_algs (void)
{
  static const char * const algs[] = {
    "HS256", "HS384", "HS512", "PS256", "ES384", "ES512", "RS384", "RS512", "EdDSA",
    "es256", "ES256 ", "", "None", "NONE",
  };
  g_autoptr(GhJwk) key = rfc6979_key ();
  g_autoptr(JsonObject) pub = gh_jwk_to_public_json (key);
  g_autofree char *pub_text = json_to_text (pub);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (algs); i++)
    {
      g_autoptr(JsonObject) header = json_object_new ();
      g_autofree char *jws = NULL;

      json_object_set_string_member (header, "alg", algs[i]);
      json_object_set_string_member (header, "kid", gh_jwk_get_kid (key));
      jws = make_jws (key, header, "{}");
      assert_rejected (jws, key, GH_JOSE_ERROR_UNSUPPORTED_ALG);
    }

  /* The classic confusion: HS256 keyed with the published public key */
  {
    g_autoptr(JsonObject) header = json_object_new ();
    g_autofree char *header_text = NULL;
    g_autofree char *h = NULL;
    g_autofree char *p = NULL;
    g_autofree char *input = NULL;
    g_autofree char *s = NULL;
    g_autofree char *jws = NULL;
    guint8 mac[32];

    json_object_set_string_member (header, "alg", "HS256");
    json_object_set_string_member (header, "kid", gh_jwk_get_kid (key));
    header_text = json_to_text (header);
    h = gh_base64url_encode ((const guint8 *) header_text, strlen (header_text));
    p = gh_base64url_encode ((const guint8 *) "{}", 2);
    input = g_strconcat (h, ".", p, NULL);
    g_assert_cmpint (gnutls_hmac_fast (GNUTLS_MAC_SHA256, pub_text, strlen (pub_text),
                                       input, strlen (input), mac), ==, 0);
    s = gh_base64url_encode (mac, sizeof mac);
    jws = g_strconcat (input, ".", s, NULL);
    assert_rejected (jws, key, GH_JOSE_ERROR_UNSUPPORTED_ALG);
  }
}

static GhJwk *
lookup_in_array (const char *kid,
                 GhJwsAlg    alg,
                 gpointer    user_data)
{
  GPtrArray *keys = user_data;
  guint i;

  for (i = 0; i < keys->len; i++)
    if (g_strcmp0 (kid, gh_jwk_get_kid (keys->pdata[i])) == 0)
      return g_object_ref (keys->pdata[i]);

  return NULL;
}

static GhJwk *
lookup_always (const char *kid,
               GhJwsAlg    alg,
               gpointer    user_data)
{
  return g_object_ref (user_data);
}

static void
test_lookup (void)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) payload = g_bytes_new_static ("{}", 2);
  g_autoptr(JsonObject) no_kid = json_object_new ();
  g_autoptr(JsonObject) unknown_kid = json_object_new ();
  g_autoptr(GhJwk) stranger = gh_jwk_generate (GH_JWS_ALG_ES256, &error);
  g_autofree char *jws_ec = NULL;
  g_autofree char *jws_rsa = NULL;
  g_autofree char *jws_stranger = NULL;
  g_autofree char *jws_no_kid = NULL;
  g_autofree char *jws_unknown = NULL;

  g_assert_no_error (error);
  g_ptr_array_add (keys, rfc6979_key ());
  g_ptr_array_add (keys, g_object_ref (get_rsa_key ()));

  jws_ec = gh_jws_sign_compact (keys->pdata[0], NULL, payload, &error);
  g_assert_no_error (error);
  jws_rsa = gh_jws_sign_compact (keys->pdata[1], NULL, payload, &error);
  g_assert_no_error (error);
  jws_stranger = gh_jws_sign_compact (stranger, NULL, payload, &error);
  g_assert_no_error (error);

  g_assert_true (gh_jws_verify_compact (jws_ec, lookup_in_array, keys, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gh_jws_verify_compact (jws_rsa, lookup_in_array, keys, NULL, NULL, &error));
  g_assert_no_error (error);

  g_assert_false (gh_jws_verify_compact (jws_stranger, lookup_in_array, keys, NULL, NULL,
                                         &error));
  g_assert_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_UNKNOWN_KEY);
  g_clear_error (&error);

  /* No kid: the lookup gets NULL and here knows no default */
  json_object_set_string_member (no_kid, "alg", "ES256");
  jws_no_kid = make_jws (keys->pdata[0], no_kid, "{}");
  g_assert_false (gh_jws_verify_compact (jws_no_kid, lookup_in_array, keys, NULL, NULL,
                                         &error));
  g_assert_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_UNKNOWN_KEY);
  g_clear_error (&error);

  /* With a single key: a foreign kid is unknown, no kid is fine */
  json_object_set_string_member (unknown_kid, "alg", "ES256");
  json_object_set_string_member (unknown_kid, "kid", "nope");
  jws_unknown = make_jws (keys->pdata[0], unknown_kid, "{}");
  assert_rejected (jws_unknown, keys->pdata[0], GH_JOSE_ERROR_UNKNOWN_KEY);
  assert_rejected (jws_stranger, keys->pdata[0], GH_JOSE_ERROR_UNKNOWN_KEY);
  g_assert_true (gh_jws_verify_compact_with_key (jws_no_kid, keys->pdata[0], NULL, NULL,
                                                 &error));
  g_assert_no_error (error);
}

static void
test_reject_alg_key_mismatch (void)
{
  g_autoptr(GhJwk) ec = rfc6979_key ();
  GhJwk *rsa = get_rsa_key ();
  g_autoptr(GError) error = NULL;
  g_autofree char *rs_header_ec_sig = NULL;
  g_autofree char *es_header_rsa_sig = NULL;

  /* RS256 header, signed by the EC key, looked up to the EC key */
  rs_header_ec_sig = make_jws_raw (ec, "{\"alg\":\"RS256\"}", "{}");
  g_assert_false (gh_jws_verify_compact (rs_header_ec_sig, lookup_always, ec, NULL, NULL,
                                         &error));
  g_assert_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_KEY_MISMATCH);
  g_clear_error (&error);
  assert_rejected (rs_header_ec_sig, ec, GH_JOSE_ERROR_KEY_MISMATCH);

  /* ES256 header over an RSA signature */
  es_header_rsa_sig = make_jws_raw (rsa, "{\"alg\":\"ES256\"}", "{}");
  assert_rejected (es_header_rsa_sig, rsa, GH_JOSE_ERROR_KEY_MISMATCH);
  /* ... and checked against the EC key it names it is just a bad signature */
  assert_rejected (es_header_rsa_sig, ec, GH_JOSE_ERROR_BAD_SIGNATURE);
}

static void
test_reject_der_signature (void)
{
  g_autoptr(GhJwk) key = rfc6979_key ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) payload = g_bytes_new_static ("{}", 2);
  g_autofree char *jws = NULL;
  g_autofree guint8 *raw = NULL;
  g_autofree char *der_b64 = NULL;
  g_autofree char *der_jws = NULL;
  g_autofree char *signing_input = NULL;
  gnutls_datum_t r, s, der = { NULL, 0 };
  const char *sig_part;
  gsize raw_len;

  jws = gh_jws_sign_compact (key, NULL, payload, &error);
  g_assert_no_error (error);
  g_assert_true (gh_jws_verify_compact_with_key (jws, key, NULL, NULL, &error));
  g_assert_no_error (error);

  sig_part = strrchr (jws, '.') + 1;
  raw = gh_base64url_decode (sig_part, &raw_len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (raw_len, ==, 64);

  r.data = raw;
  r.size = 32;
  s.data = raw + 32;
  s.size = 32;
  g_assert_cmpint (gnutls_encode_rs_value (&der, &r, &s), ==, 0);
  g_assert_cmpuint (der.size, !=, 64);

  signing_input = g_strndup (jws, (gsize) (sig_part - 1 - jws));
  der_b64 = gh_base64url_encode (der.data, der.size);
  der_jws = g_strconcat (signing_input, ".", der_b64, NULL);
  assert_rejected (der_jws, key, GH_JOSE_ERROR_BAD_SIGNATURE);

  g_assert_false (gh_jwk_verify (key, (const guint8 *) signing_input, strlen (signing_input),
                                 der.data, der.size, &error));
  g_assert_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_BAD_SIGNATURE);
  gnutls_free (der.data);
}

static void
test_reject_structure (void)
{
  g_autoptr(GhJwk) key = rfc6979_key ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) payload = g_bytes_new_static ("{}", 2);
  g_autofree char *good = gh_jws_sign_compact (key, NULL, payload, &error);
  g_autofree char *no_sig = NULL;
  const char *dot2;
  struct {
    const char *name;
    char *jws;
    GhJoseError code;
  } rows[] = {
    { "empty", g_strdup (""), GH_JOSE_ERROR_INVALID },
    { "one-part", g_strdup ("eyJhbGciOiJFUzI1NiJ9"), GH_JOSE_ERROR_INVALID },
    { "two-parts", NULL, GH_JOSE_ERROR_INVALID },
    { "dots-only", g_strdup (".."), GH_JOSE_ERROR_INVALID },
    { "four-parts", g_strconcat (good, ".", NULL), GH_JOSE_ERROR_INVALID },
    { "five-parts", g_strconcat (good, ".AAAA.AAAA", NULL), GH_JOSE_ERROR_INVALID },
    { "trailing-space", g_strconcat (good, " ", NULL), GH_JOSE_ERROR_INVALID },
    { "trailing-newline", g_strconcat (good, "\n", NULL), GH_JOSE_ERROR_INVALID },
    { "leading-space", g_strconcat (" ", good, NULL), GH_JOSE_ERROR_INVALID },
    { "padding", g_strconcat (good, "=", NULL), GH_JOSE_ERROR_INVALID },
    { "trailing-char", g_strconcat (good, "A", NULL), GH_JOSE_ERROR_BAD_SIGNATURE },
    { "trailing-two-chars", g_strconcat (good, "AA", NULL), GH_JOSE_ERROR_BAD_SIGNATURE },
    { "trailing-three-chars", g_strconcat (good, "AAA", NULL), GH_JOSE_ERROR_INVALID },
    { "truncated-sig", g_strndup (good, strlen (good) - 2), GH_JOSE_ERROR_BAD_SIGNATURE },
    { "bearer-prefix", g_strconcat ("Bearer ", good, NULL), GH_JOSE_ERROR_INVALID },
  };
  guint i;

  g_assert_no_error (error);
  dot2 = strrchr (good, '.');
  rows[2].jws = g_strndup (good, (gsize) (dot2 - good));

  for (i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_test_message ("structure row: %s", rows[i].name);
      assert_rejected (rows[i].jws, key, rows[i].code);
      g_free (rows[i].jws);
    }

  /* Non-base64url characters inside each part */
  for (i = 0; i < 3; i++)
    {
      static const char bad_chars[] = { '+', '/', '=', '*', ' ', '%' };
      guint j;

      for (j = 0; j < G_N_ELEMENTS (bad_chars); j++)
        {
          g_autofree char *copy = g_strdup (good);
          char *part = copy;
          guint k;

          for (k = 0; k < i; k++)
            part = strchr (part, '.') + 1;
          part[1] = bad_chars[j];
          assert_rejected (copy, key, GH_JOSE_ERROR_INVALID);
        }
    }

  /* An empty signature part */
  no_sig = g_strndup (good, (gsize) (dot2 + 1 - good));
  assert_rejected (no_sig, key, GH_JOSE_ERROR_BAD_SIGNATURE);
}

static void
test_reject_header (void)
{
  static const struct {
    const char *name;
    const char *header;
    gint code;   /* -1: accepted */
  } rows[] = {
    { "array", "[\"ES256\"]", GH_JOSE_ERROR_INVALID },
    { "string", "\"ES256\"", GH_JOSE_ERROR_INVALID },
    { "null", "null", GH_JOSE_ERROR_INVALID },
    { "number", "1", GH_JOSE_ERROR_INVALID },
    { "empty", "", GH_JOSE_ERROR_INVALID },
    { "truncated", "{\"alg\":\"ES256\"", GH_JOSE_ERROR_INVALID },
    { "no-alg", "{\"typ\":\"JWT\"}", GH_JOSE_ERROR_INVALID },
    { "alg-number", "{\"alg\":256}", GH_JOSE_ERROR_INVALID },
    { "alg-null", "{\"alg\":null}", GH_JOSE_ERROR_INVALID },
    { "alg-array", "{\"alg\":[\"ES256\"]}", GH_JOSE_ERROR_INVALID },
    { "kid-number", "{\"alg\":\"ES256\",\"kid\":1}", GH_JOSE_ERROR_INVALID },
    { "crit", "{\"alg\":\"ES256\",\"crit\":[\"exp\"],\"exp\":1}", GH_JOSE_ERROR_INVALID },
    { "crit-empty", "{\"alg\":\"ES256\",\"crit\":[]}", GH_JOSE_ERROR_INVALID },
    { "crit-b64", "{\"alg\":\"ES256\",\"b64\":false,\"crit\":[\"b64\"]}", GH_JOSE_ERROR_INVALID },
    { "duplicate-alg", "{\"alg\":\"none\",\"alg\":\"ES256\"}", GH_JOSE_ERROR_INVALID },
    { "duplicate-escaped", "{\"alg\":\"ES256\",\"\\u0061lg\":\"ES256\"}", GH_JOSE_ERROR_INVALID },
    { "trailing-object", "{\"alg\":\"ES256\"}{\"alg\":\"none\"}", GH_JOSE_ERROR_INVALID },
    { "trailing-comma", "{\"alg\":\"ES256\",}", GH_JOSE_ERROR_INVALID },
    { "comment", "{\"alg\":\"ES256\"}/**/", GH_JOSE_ERROR_INVALID },
    { "single-quotes", "{'alg':'ES256'}", GH_JOSE_ERROR_INVALID },
    { "assignment", "var h = {\"alg\":\"ES256\"};", GH_JOSE_ERROR_INVALID },
    { "nul-escape", "{\"alg\":\"ES256\\u0000x\"}", GH_JOSE_ERROR_INVALID },
    { "bom", "\xef\xbb\xbf{\"alg\":\"ES256\"}", GH_JOSE_ERROR_INVALID },
    { "latin1", "{\"alg\":\"ES256\",\"x\":\"\xe9\"}", GH_JOSE_ERROR_INVALID },
    /* Accepted, to show the rows above fail for the stated reason */
    { "ok-plain", "{\"alg\":\"ES256\"}", -1 },
    { "ok-spaces", " {\r\n \"alg\" : \"ES256\" ,\t\"typ\":\"JWT\" } ", -1 },
    { "ok-jwk-ignored", "{\"alg\":\"ES256\",\"jwk\":{\"kty\":\"oct\",\"k\":\"AA\"}}", -1 },
  };
  g_autoptr(GhJwk) key = rfc6979_key ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *jws = make_jws_raw (key, rows[i].header, "{}");

      g_test_message ("header row: %s", rows[i].name);
      if (rows[i].code >= 0)
        {
          assert_rejected (jws, key, (GhJoseError) rows[i].code);
        }
      else
        {
          g_autoptr(GError) error = NULL;

          g_assert_true (gh_jws_verify_compact_with_key (jws, key, NULL, NULL, &error));
          g_assert_no_error (error);
        }
    }
}

static void
test_sign_reserved_header (void)
{
  static const char * const reserved[] = { "alg", "kid", "crit" };
  g_autoptr(GhJwk) key = rfc6979_key ();
  g_autoptr(GBytes) payload = g_bytes_new_static ("{}", 2);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (reserved); i++)
    {
      g_autoptr(JsonObject) extra = json_object_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *jws = NULL;

      json_object_set_string_member (extra, reserved[i], "none");
      jws = gh_jws_sign_compact (key, extra, payload, &error);
      g_assert_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID);
      g_assert_null (jws);
    }
}

static void
test_payload_parse (void)
{
  static const struct {
    const char *text;
    gboolean ok;
  } rows[] = {
    { "{}", TRUE },
    { "{\"a\":{\"b\":[1,2.5e3,-0,true,false,null,\"\\ud83d\\ude00\"]}}", TRUE },
    { "{\"a\":1,\"a\":2}", FALSE },
    { "{\"o\":{\"a\":1,\"a\":1}}", FALSE },
    { "[]", FALSE },
    { "{\"a\":01}", FALSE },
    { "{\"a\":\"\\ud83d\"}", FALSE },
    { "{\"a\":1} {}", FALSE },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (rows[i].text, strlen (rows[i].text));
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) obj = gh_jws_parse_json_object (bytes, &error);

      if (rows[i].ok)
        {
          g_assert_no_error (error);
          g_assert_nonnull (obj);
        }
      else
        {
          g_assert_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID);
          g_assert_null (obj);
        }
    }
}

static void
test_alg_strings (void)
{
  g_assert_cmpstr (gh_jws_alg_to_string (GH_JWS_ALG_ES256), ==, "ES256");
  g_assert_cmpstr (gh_jws_alg_to_string (GH_JWS_ALG_RS256), ==, "RS256");
  g_assert_null (gh_jws_alg_to_string (GH_JWS_ALG_INVALID));
  g_assert_cmpint (gh_jws_alg_from_string ("ES256"), ==, GH_JWS_ALG_ES256);
  g_assert_cmpint (gh_jws_alg_from_string ("RS256"), ==, GH_JWS_ALG_RS256);
  g_assert_cmpint (gh_jws_alg_from_string ("none"), ==, GH_JWS_ALG_INVALID);
  g_assert_cmpint (gh_jws_alg_from_string ("HS256"), ==, GH_JWS_ALG_INVALID);
  g_assert_cmpint (gh_jws_alg_from_string ("es256"), ==, GH_JWS_ALG_INVALID);
  g_assert_cmpint (gh_jws_alg_from_string (NULL), ==, GH_JWS_ALG_INVALID);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/jose/base64url/vectors", test_base64url_vectors);
  g_test_add_func ("/core/jose/base64url/strict", test_base64url_strict);
  g_test_add_func ("/core/jose/base64url/random-round-trip", test_base64url_random_round_trip);
  g_test_add_func ("/core/jose/alg/strings", test_alg_strings);
  g_test_add_func ("/core/jose/rfc6979/p256-sha256", test_rfc6979_p256);
  g_test_add_func ("/core/jose/es256/short-integers-padded", test_ecdsa_short_integers);
  g_test_add_func ("/core/jose/rfc7515/a3-es256", test_rfc7515_a3_es256);
  g_test_add_func ("/core/jose/rfc7515/a2-rs256", test_rfc7515_a2_rs256);
  g_test_add_func ("/core/jose/rfc7638/thumbprint", test_rfc7638_thumbprint);
  g_test_add_func ("/core/jose/round-trip/es256", test_round_trip_es256);
  g_test_add_func ("/core/jose/round-trip/rs256", test_round_trip_rs256);
  g_test_add_func ("/core/jose/pem/legacy-forms", test_pem_legacy_forms);
  g_test_add_func ("/core/jose/pem/rejects", test_pem_rejects);
  g_test_add_func ("/core/jose/jwk/validation", test_jwk_validation);
  g_test_add_func ("/core/jose/jws/lookup", test_lookup);
  g_test_add_func ("/core/jose/jws/rejects-alg-none", test_reject_alg_none);
  g_test_add_func ("/core/jose/jws/rejects-other-algs", test_reject_other_algs);
  g_test_add_func ("/core/jose/jws/rejects-alg-key-mismatch", test_reject_alg_key_mismatch);
  g_test_add_func ("/core/jose/jws/rejects-der-signature", test_reject_der_signature);
  g_test_add_func ("/core/jose/jws/rejects-structure", test_reject_structure);
  g_test_add_func ("/core/jose/jws/rejects-header", test_reject_header);
  g_test_add_func ("/core/jose/jws/sign-reserved-header", test_sign_reserved_header);
  g_test_add_func ("/core/jose/jws/payload-parse", test_payload_parse);

  ret = g_test_run ();

  g_clear_object (&shared_rsa_key);

  return ret;
}
