/* gh-jws.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-jose"

#include "config.h"

#include <string.h>

#include "gh-base64url.h"
#include "gh-json.h"
#include "gh-jws.h"

/* Header members the caller may not set through @extra_header: alg and kid come from
 * the key, and we never emit a crit that we would refuse ourselves. */
static const char * const reserved_header_members[] = { "alg", "kid", "crit", NULL };

/**
 * gh_jws_sign_compact:
 * @key: a #GhJwk with a private key
 * @extra_header: (nullable): more protected header members, such as "typ"; not
 *   "alg", "kid" or "crit"
 * @payload: the payload bytes
 * @error: return location for a #GH_JOSE_ERROR
 *
 * Signs @payload as a JWS Compact Serialization (RFC 7515 §7.1) whose protected header
 * is {"alg": <the key's alg>, "kid": <its thumbprint>, ...@extra_header}.
 *
 * Returns: (transfer full): the compact JWS, or %NULL
 */
char *
gh_jws_sign_compact (GhJwk       *key,
                     JsonObject  *extra_header,
                     GBytes      *payload,
                     GError     **error)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GBytes) sig = NULL;
  g_autofree char *header_json = NULL;
  g_autofree char *header_b64 = NULL;
  g_autofree char *payload_b64 = NULL;
  g_autofree char *sig_b64 = NULL;
  g_autofree char *signing_input = NULL;
  const guint8 *payload_data;
  const guint8 *sig_data;
  gsize header_len;
  gsize payload_len;
  gsize sig_len;

  g_return_val_if_fail (GH_IS_JWK (key), NULL);
  g_return_val_if_fail (payload != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!gh_jwk_has_private (key))
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_NO_PRIVATE_KEY,
                           "Key has no private part");
      return NULL;
    }

  header = json_object_new ();
  json_object_set_string_member (header, "alg", gh_jws_alg_to_string (gh_jwk_get_alg (key)));
  json_object_set_string_member (header, "kid", gh_jwk_get_kid (key));

  if (extra_header != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, extra_header);
      while (json_object_iter_next (&iter, &name, &value))
        {
          if (g_strv_contains (reserved_header_members, name))
            {
              g_set_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID,
                           "Header member “%s” cannot be set by the caller", name);
              return NULL;
            }
          json_object_set_member (header, name, json_node_copy (value));
        }
    }

  root = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (root, header);
  header_json = gh_json_to_string (root, FALSE);
  header_len = strlen (header_json);

  payload_data = g_bytes_get_data (payload, &payload_len);

  header_b64 = gh_base64url_encode ((const guint8 *) header_json, header_len);
  payload_b64 = gh_base64url_encode (payload_data, payload_len);
  signing_input = g_strconcat (header_b64, ".", payload_b64, NULL);

  sig = gh_jwk_sign (key, (const guint8 *) signing_input, strlen (signing_input),
                     GH_JWK_SIGN_NONE, error);
  if (sig == NULL)
    return NULL;

  sig_data = g_bytes_get_data (sig, &sig_len);
  sig_b64 = gh_base64url_encode (sig_data, sig_len);

  return g_strconcat (signing_input, ".", sig_b64, NULL);
}

static GBytes *
decode_part (const char   *text,
             gsize         len,
             const char   *what,
             GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  guint8 *data;
  gsize data_len;

  data = gh_base64url_decode_len (text, len, &data_len, &local_error);
  if (data == NULL)
    {
      g_set_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID,
                   "JWS %s: %s", what, local_error->message);
      return NULL;
    }

  return g_bytes_new_take (data, data_len);
}

/**
 * gh_jws_parse_json_object:
 * @bytes: UTF-8 JSON text, such as a JWS payload
 * @error: return location for a #GH_JOSE_ERROR_INVALID error
 *
 * Parses @bytes as exactly one JSON object with gh_json_parse_object_strict():
 * duplicate member names, at any depth, are refused rather than letting the last one
 * win silently as json-glib would.
 *
 * Returns: (transfer full): the object, or %NULL
 */
JsonObject *
gh_jws_parse_json_object (GBytes  *bytes,
                          GError **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonObject *obj;
  const char *data;
  gsize len;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &len);
  obj = gh_json_parse_object_strict (data, len, &local_error);
  if (obj == NULL)
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID, local_error->message);
      return NULL;
    }

  return obj;
}

/**
 * gh_jws_verify_compact:
 * @jws: a JWS Compact Serialization
 * @lookup: (scope call): finds the key for the header's kid and alg
 * @user_data: for @lookup
 * @out_header: (out) (optional) (transfer full): the protected header
 * @out_payload: (out) (optional) (transfer full): the payload bytes
 * @error: return location for a #GH_JOSE_ERROR
 *
 * Refuses anything but exactly three strict base64url parts; a header that is not a
 * single JSON object (see gh_jws_parse_json_object()); an alg that is missing, not a
 * string, "none" or anything but ES256 and RS256; any "crit" member (we understand no
 * extension); a kid that is not a string; a kid @lookup does not know; a key whose alg
 * differs from the header's; and a bad signature, including a DER-encoded ES256 one.
 * Keys embedded in the header (jwk, jku, x5u, x5c) are never used. The outputs are set
 * only on success.
 *
 * Returns: %TRUE if @jws is validly signed by the key @lookup returned
 */
gboolean
gh_jws_verify_compact (const char      *jws,
                       GhJwsKeyLookup   lookup,
                       gpointer         user_data,
                       JsonObject     **out_header,
                       GBytes         **out_payload,
                       GError         **error)
{
  g_autoptr(GBytes) header_bytes = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GBytes) sig = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(GhJwk) key = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *dot1;
  const char *dot2;
  const char *kid;
  const char *alg_name;
  JsonNode *node;
  GhJwsAlg alg;
  gsize len;
  gsize sig_len;
  const guint8 *sig_data;

  g_return_val_if_fail (jws != NULL, FALSE);
  g_return_val_if_fail (lookup != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  len = strnlen (jws, GH_JWS_MAX_LENGTH + 1);
  if (len > GH_JWS_MAX_LENGTH)
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID, "JWS too long");
      return FALSE;
    }

  dot1 = memchr (jws, '.', len);
  dot2 = dot1 != NULL ? memchr (dot1 + 1, '.', len - (gsize) (dot1 + 1 - jws)) : NULL;
  if (dot2 == NULL || memchr (dot2 + 1, '.', len - (gsize) (dot2 + 1 - jws)) != NULL)
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID,
                           "JWS must have exactly three parts");
      return FALSE;
    }

  header_bytes = decode_part (jws, (gsize) (dot1 - jws), "header", error);
  if (header_bytes == NULL)
    return FALSE;
  payload = decode_part (dot1 + 1, (gsize) (dot2 - dot1 - 1), "payload", error);
  if (payload == NULL)
    return FALSE;
  sig = decode_part (dot2 + 1, len - (gsize) (dot2 + 1 - jws), "signature", error);
  if (sig == NULL)
    return FALSE;

  header = gh_json_parse_object_strict (g_bytes_get_data (header_bytes, NULL),
                                        g_bytes_get_size (header_bytes), &local_error);
  if (header == NULL)
    {
      g_set_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID,
                   "JWS header: %s", local_error->message);
      return FALSE;
    }

  node = json_object_get_member (header, "alg");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID,
                           "JWS header has no string “alg”");
      return FALSE;
    }
  alg_name = json_node_get_string (node);

  alg = gh_jws_alg_from_string (alg_name);
  if (alg == GH_JWS_ALG_INVALID)
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_UNSUPPORTED_ALG,
                           "JWS alg is not ES256 or RS256");
      return FALSE;
    }

  if (json_object_has_member (header, "crit"))
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID,
                           "JWS header has “crit”, and no extension is understood");
      return FALSE;
    }

  kid = NULL;
  node = json_object_get_member (header, "kid");
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID,
                               "JWS header “kid” is not a string");
          return FALSE;
        }
      kid = json_node_get_string (node);
    }

  key = lookup (kid, alg, user_data);
  if (key == NULL)
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_UNKNOWN_KEY,
                           "No key for this JWS");
      return FALSE;
    }

  /* The key decides the algorithm, never the token (RFC 8725 §3.1) */
  if (gh_jwk_get_alg (key) != alg)
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_KEY_MISMATCH,
                           "JWS alg does not match its key");
      return FALSE;
    }

  sig_data = g_bytes_get_data (sig, &sig_len);
  if (!gh_jwk_verify (key, (const guint8 *) jws, (gsize) (dot2 - jws), sig_data, sig_len,
                      error))
    return FALSE;

  if (out_header != NULL)
    *out_header = g_steal_pointer (&header);
  if (out_payload != NULL)
    *out_payload = g_steal_pointer (&payload);

  return TRUE;
}

static GhJwk *
single_key_lookup (const char *kid,
                   GhJwsAlg    alg,
                   gpointer    user_data)
{
  GhJwk *key = user_data;

  if (kid != NULL && g_strcmp0 (kid, gh_jwk_get_kid (key)) != 0)
    return NULL;

  return g_object_ref (key);
}

/**
 * gh_jws_verify_compact_with_key:
 * @jws: a JWS Compact Serialization
 * @key: the one key to verify with
 * @out_header: (out) (optional) (transfer full): the protected header
 * @out_payload: (out) (optional) (transfer full): the payload bytes
 * @error: return location for a #GH_JOSE_ERROR
 *
 * gh_jws_verify_compact() with a single key. A header without kid is tried with @key;
 * a header whose kid is not @key's thumbprint fails with %GH_JOSE_ERROR_UNKNOWN_KEY.
 *
 * Returns: %TRUE if @jws is validly signed by @key
 */
gboolean
gh_jws_verify_compact_with_key (const char  *jws,
                                GhJwk       *key,
                                JsonObject **out_header,
                                GBytes     **out_payload,
                                GError     **error)
{
  g_return_val_if_fail (jws != NULL, FALSE);
  g_return_val_if_fail (GH_IS_JWK (key), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return gh_jws_verify_compact (jws, single_key_lookup, key, out_header, out_payload, error);
}
