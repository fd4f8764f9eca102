/* gh-jwk.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-jose"

#include "config.h"

#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "gh-base64url.h"
#include "gh-crypto.h"
#include "gh-json.h"
#include "gh-jwk.h"

#define EC_P256_BYTES 32
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 8192
#define RSA_MAX_EXPONENT_BYTES 8

/* A GhJwk is immutable once made, so one instance may sign and verify from several
 * threads at once. Every constructor ends in gh_jwk_new_take(), which checks the key. */
struct _GhJwk
{
  GObject           parent_instance;

  GhJwsAlg          alg;
  gnutls_privkey_t  privkey;   /* NULL for a public key */
  gnutls_pubkey_t   pubkey;
  guint             sig_len;   /* 64 for ES256, the modulus length for RS256 */

  /* The public members as base64url: x and y for EC, n and e for RSA */
  char             *x;
  char             *y;
  char             *n;
  char             *e;

  char             *kid;
};

G_DEFINE_FINAL_TYPE (GhJwk, gh_jwk, G_TYPE_OBJECT)

G_DEFINE_QUARK (gh-jose-error-quark, gh_jose_error)

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_privkey_t, gnutls_privkey_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_pubkey_t, gnutls_pubkey_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)

/* Datums from GnuTLS may hold key material: wipe before freeing */
static void
datum_clear (gnutls_datum_t *d)
{
  if (d->data != NULL)
    {
      gnutls_memset (d->data, 0, d->size);
      gnutls_free (d->data);
    }
  d->data = NULL;
  d->size = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (gnutls_datum_t, datum_clear)

/* A JWK member decoded from base64url; may be secret, so wiped on clear */
typedef struct
{
  guint8 *data;
  gsize   len;
} Param;

static void
param_clear (Param *p)
{
  if (p->data != NULL)
    {
      gnutls_memset (p->data, 0, p->len);
      g_free (p->data);
    }
  p->data = NULL;
  p->len = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Param, param_clear)

static gnutls_datum_t
param_datum (const Param *p)
{
  gnutls_datum_t d = { p->data, (unsigned int) p->len };

  return d;
}

static void
gh_jwk_finalize (GObject *object)
{
  GhJwk *self = (GhJwk *) object;

  g_clear_pointer (&self->privkey, gnutls_privkey_deinit);
  g_clear_pointer (&self->pubkey, gnutls_pubkey_deinit);
  g_clear_pointer (&self->x, g_free);
  g_clear_pointer (&self->y, g_free);
  g_clear_pointer (&self->n, g_free);
  g_clear_pointer (&self->e, g_free);
  g_clear_pointer (&self->kid, g_free);

  G_OBJECT_CLASS (gh_jwk_parent_class)->finalize (object);
}

static void
gh_jwk_class_init (GhJwkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gh_jwk_finalize;
}

static void
gh_jwk_init (GhJwk *self)
{
}

/**
 * gh_jws_alg_to_string:
 * @alg: an algorithm
 *
 * Returns: (nullable): the JWA name ("ES256", "RS256"), or %NULL for
 *   %GH_JWS_ALG_INVALID
 */
const char *
gh_jws_alg_to_string (GhJwsAlg alg)
{
  switch (alg)
    {
    case GH_JWS_ALG_ES256:
      return "ES256";
    case GH_JWS_ALG_RS256:
      return "RS256";
    case GH_JWS_ALG_INVALID:
    default:
      return NULL;
    }
}

/**
 * gh_jws_alg_from_string:
 * @name: (nullable): a JWA name, case-sensitive
 *
 * Returns: the algorithm, or %GH_JWS_ALG_INVALID for %NULL, "none" and every name
 *   other than "ES256" and "RS256"
 */
GhJwsAlg
gh_jws_alg_from_string (const char *name)
{
  if (g_strcmp0 (name, "ES256") == 0)
    return GH_JWS_ALG_ES256;
  if (g_strcmp0 (name, "RS256") == 0)
    return GH_JWS_ALG_RS256;

  return GH_JWS_ALG_INVALID;
}

static gnutls_sign_algorithm_t
sign_algorithm (GhJwsAlg alg)
{
  switch (alg)
    {
    case GH_JWS_ALG_ES256:
      return GNUTLS_SIGN_ECDSA_SHA256;
    case GH_JWS_ALG_RS256:
      return GNUTLS_SIGN_RSA_SHA256;
    case GH_JWS_ALG_INVALID:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
set_gnutls_error (GError      **error,
                  GhJoseError   code,
                  const char   *what,
                  int           ret)
{
  g_set_error (error, GH_JOSE_ERROR, code, "%s: %s", what, gnutls_strerror (ret));
  return FALSE;
}

/* Writes @src as an unsigned big-endian integer of exactly @width bytes */
static gboolean
put_uint_padded (guint8       *dst,
                 gsize         width,
                 const guint8 *src,
                 gsize         len)
{
  while (len > 0 && *src == 0)
    {
      src++;
      len--;
    }

  if (len > width)
    return FALSE;

  memset (dst, 0, width - len);
  if (len > 0)
    memcpy (dst + width - len, src, len);

  return TRUE;
}

static char *
encode_padded (const gnutls_datum_t  *d,
               gsize                  width,
               GError               **error)
{
  guint8 buf[EC_P256_BYTES];

  g_assert (width <= sizeof buf);

  if (!put_uint_padded (buf, width, d->data, d->size))
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_FAILED,
                           "EC coordinate longer than the curve");
      return NULL;
    }

  return gh_base64url_encode (buf, width);
}

/* RFC 7638: the required members only, sorted, no whitespace, hashed with SHA-256 */
static char *
compute_thumbprint (GhJwk *self)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  if (self->alg == GH_JWS_ALG_ES256)
    {
      json_object_set_string_member (obj, "crv", "P-256");
      json_object_set_string_member (obj, "kty", "EC");
      json_object_set_string_member (obj, "x", self->x);
      json_object_set_string_member (obj, "y", self->y);
    }
  else
    {
      json_object_set_string_member (obj, "e", self->e);
      json_object_set_string_member (obj, "kty", "RSA");
      json_object_set_string_member (obj, "n", self->n);
    }

  json_node_set_object (root, obj);
  text = gh_json_to_string (root, FALSE);

  return gh_sha256_base64url (text);
}

static gboolean
pairwise_test (GhJwk   *self,
               GError **error)
{
  static const guint8 probe[] = "Gatehouse pairwise consistency test";
  g_autoptr(GBytes) sig = NULL;
  gsize sig_len;
  const guint8 *sig_data;

  sig = gh_jwk_sign (self, probe, sizeof probe - 1, GH_JWK_SIGN_NONE, NULL);
  if (sig != NULL)
    {
      sig_data = g_bytes_get_data (sig, &sig_len);
      if (gh_jwk_verify (self, probe, sizeof probe - 1, sig_data, sig_len, NULL))
        return TRUE;
    }

  g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_KEY_MISMATCH,
                       "Private key does not match its public key");
  return FALSE;
}

static gboolean
load_ec_public (GhJwk            *self,
                gnutls_pubkey_t   pub,
                GError          **error)
{
  g_auto(gnutls_datum_t) x = { NULL, 0 };
  g_auto(gnutls_datum_t) y = { NULL, 0 };
  gnutls_ecc_curve_t curve;
  int ret;

  ret = gnutls_pubkey_export_ecc_raw2 (pub, &curve, &x, &y, GNUTLS_EXPORT_FLAG_NO_LZ);
  if (ret < 0)
    return set_gnutls_error (error, GH_JOSE_ERROR_FAILED, "Cannot read EC key", ret);

  if (curve != GNUTLS_ECC_CURVE_SECP256R1)
    {
      g_set_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_UNSUPPORTED_KEY,
                   "Unsupported EC curve %s (only P-256)",
                   gnutls_ecc_curve_get_name (curve) != NULL ? gnutls_ecc_curve_get_name (curve)
                                                             : "unknown");
      return FALSE;
    }

  self->alg = GH_JWS_ALG_ES256;
  self->sig_len = 2 * EC_P256_BYTES;
  self->x = encode_padded (&x, EC_P256_BYTES, error);
  if (self->x == NULL)
    return FALSE;
  self->y = encode_padded (&y, EC_P256_BYTES, error);

  return self->y != NULL;
}

static gboolean
load_rsa_public (GhJwk            *self,
                 gnutls_pubkey_t   pub,
                 unsigned int      bits,
                 GError          **error)
{
  g_auto(gnutls_datum_t) m = { NULL, 0 };
  g_auto(gnutls_datum_t) e = { NULL, 0 };
  int ret;

  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
    {
      g_set_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_UNSUPPORTED_KEY,
                   "RSA key of %u bits (need %u to %u)", bits, RSA_MIN_BITS, RSA_MAX_BITS);
      return FALSE;
    }

  ret = gnutls_pubkey_export_rsa_raw2 (pub, &m, &e, GNUTLS_EXPORT_FLAG_NO_LZ);
  if (ret < 0)
    return set_gnutls_error (error, GH_JOSE_ERROR_FAILED, "Cannot read RSA key", ret);

  /* e = 1 would make signatures trivial to forge; an even e cannot be an RSA exponent */
  if (e.size == 0 || e.size > RSA_MAX_EXPONENT_BYTES || (e.data[e.size - 1] & 1) == 0 ||
      (e.size == 1 && e.data[0] == 1))
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_UNSUPPORTED_KEY,
                           "Unsupported RSA public exponent");
      return FALSE;
    }

  self->alg = GH_JWS_ALG_RS256;
  self->sig_len = m.size;
  self->n = gh_base64url_encode (m.data, m.size);
  self->e = gh_base64url_encode (e.data, e.size);

  return TRUE;
}

/* Takes both keys (either may be NULL, not both), checks them, derives alg and kid */
static GhJwk *
gh_jwk_new_take (gnutls_privkey_t   privkey,
                 gnutls_pubkey_t    pubkey,
                 GError           **error)
{
  g_auto(gnutls_privkey_t) priv = privkey;
  g_auto(gnutls_pubkey_t) pub = pubkey;
  g_autoptr(GhJwk) self = NULL;
  unsigned int bits = 0;
  int ret;

  g_assert (priv != NULL || pub != NULL);

  if (pub == NULL)
    {
      ret = gnutls_pubkey_init (&pub);
      if (ret < 0)
        {
          set_gnutls_error (error, GH_JOSE_ERROR_FAILED, "Cannot make a public key", ret);
          return NULL;
        }
      ret = gnutls_pubkey_import_privkey (pub, priv, 0, 0);
      if (ret < 0)
        {
          set_gnutls_error (error, GH_JOSE_ERROR_FAILED, "Cannot derive the public key", ret);
          return NULL;
        }
    }

  self = g_object_new (GH_TYPE_JWK, NULL);

  switch (gnutls_pubkey_get_pk_algorithm (pub, &bits))
    {
    case GNUTLS_PK_ECDSA:
      if (!load_ec_public (self, pub, error))
        return NULL;
      break;

    case GNUTLS_PK_RSA:
      if (!load_rsa_public (self, pub, bits, error))
        return NULL;
      break;

    default:
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_UNSUPPORTED_KEY,
                           "Unsupported key type (only EC P-256 and RSA)");
      return NULL;
    }

  /* Refuses points off the curve, among others */
  ret = gnutls_pubkey_verify_params (pub);
  if (ret < 0)
    {
      set_gnutls_error (error, GH_JOSE_ERROR_INVALID, "Invalid public key", ret);
      return NULL;
    }

  if (priv != NULL)
    {
      ret = gnutls_privkey_verify_params (priv);
      if (ret < 0)
        {
          set_gnutls_error (error, GH_JOSE_ERROR_KEY_MISMATCH, "Inconsistent private key", ret);
          return NULL;
        }
    }

  self->privkey = g_steal_pointer (&priv);
  self->pubkey = g_steal_pointer (&pub);

  if (self->privkey != NULL && !pairwise_test (self, error))
    return NULL;

  self->kid = compute_thumbprint (self);

  return g_steal_pointer (&self);
}

static gnutls_privkey_t
privkey_new (GError **error)
{
  gnutls_privkey_t priv = NULL;
  int ret;

  ret = gnutls_privkey_init (&priv);
  if (ret < 0)
    {
      set_gnutls_error (error, GH_JOSE_ERROR_FAILED, "Cannot make a private key", ret);
      return NULL;
    }

  return priv;
}

static gnutls_pubkey_t
pubkey_new (GError **error)
{
  gnutls_pubkey_t pub = NULL;
  int ret;

  ret = gnutls_pubkey_init (&pub);
  if (ret < 0)
    {
      set_gnutls_error (error, GH_JOSE_ERROR_FAILED, "Cannot make a public key", ret);
      return NULL;
    }

  return pub;
}

/**
 * gh_jwk_generate:
 * @alg: %GH_JWS_ALG_ES256 (a P-256 key) or %GH_JWS_ALG_RS256 (an RSA key of
 *   %GH_JWK_RSA_GENERATE_BITS bits, e = 65537)
 * @error: return location for a #GH_JOSE_ERROR
 *
 * Returns: (transfer full): a new key pair, or %NULL
 */
GhJwk *
gh_jwk_generate (GhJwsAlg   alg,
                 GError   **error)
{
  g_auto(gnutls_privkey_t) priv = NULL;
  int ret;

  g_return_val_if_fail (alg == GH_JWS_ALG_ES256 || alg == GH_JWS_ALG_RS256, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  priv = privkey_new (error);
  if (priv == NULL)
    return NULL;

  if (alg == GH_JWS_ALG_ES256)
    ret = gnutls_privkey_generate2 (priv, GNUTLS_PK_ECDSA,
                                    GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                    0, NULL, 0);
  else
    ret = gnutls_privkey_generate2 (priv, GNUTLS_PK_RSA, GH_JWK_RSA_GENERATE_BITS, 0, NULL, 0);

  if (ret < 0)
    {
      set_gnutls_error (error, GH_JOSE_ERROR_FAILED, "Key generation failed", ret);
      return NULL;
    }

  return gh_jwk_new_take (g_steal_pointer (&priv), NULL, error);
}

/**
 * gh_jwk_new_from_private_pem:
 * @pem: an unencrypted private key in PEM: PKCS#8 ("PRIVATE KEY"), or the older
 *   "EC PRIVATE KEY" and "RSA PRIVATE KEY" forms
 * @error: return location for a #GH_JOSE_ERROR
 *
 * The algorithm follows from the key: EC P-256 gives ES256, RSA (2048 to 8192 bits)
 * gives RS256. Other curves, RSA-PSS-only keys, Ed25519 and encrypted PEM are refused.
 *
 * Returns: (transfer full): the key pair, or %NULL
 */
GhJwk *
gh_jwk_new_from_private_pem (const char  *pem,
                             GError     **error)
{
  g_auto(gnutls_privkey_t) priv = NULL;
  gnutls_datum_t in;
  gsize len;
  int ret;

  g_return_val_if_fail (pem != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  len = strlen (pem);
  if (len == 0 || len > G_MAXINT)
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID, "Empty or oversized PEM");
      return NULL;
    }

  priv = privkey_new (error);
  if (priv == NULL)
    return NULL;

  in.data = (unsigned char *) pem;
  in.size = (unsigned int) len;

  ret = gnutls_privkey_import_x509_raw (priv, &in, GNUTLS_X509_FMT_PEM, NULL, 0);
  if (ret < 0)
    {
      set_gnutls_error (error, GH_JOSE_ERROR_INVALID, "Not an unencrypted private key PEM", ret);
      return NULL;
    }

  return gh_jwk_new_take (g_steal_pointer (&priv), NULL, error);
}

/* Absent: TRUE with *out = NULL. Present but not a string: FALSE. */
static gboolean
read_string_member (JsonObject   *jwk,
                    const char   *name,
                    const char  **out,
                    GError      **error)
{
  JsonNode *node = json_object_get_member (jwk, name);

  *out = NULL;

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID,
                   "JWK member “%s” is not a string", name);
      return FALSE;
    }

  *out = json_node_get_string (node);

  return TRUE;
}

typedef enum
{
  PARAM_OPTIONAL = 0,
  PARAM_REQUIRED = 1 << 0,
  PARAM_MINIMAL = 1 << 1,  /* a Base64urlUInt: no leading zero octet */
} ParamFlags;

/* Decodes a base64url member. @fixed_len, when not 0, is the exact length required. */
static gboolean
read_param (JsonObject  *jwk,
            const char  *name,
            ParamFlags   flags,
            gsize        fixed_len,
            Param       *out,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *text;

  if (!read_string_member (jwk, name, &text, error))
    return FALSE;

  if (text == NULL)
    {
      if ((flags & PARAM_REQUIRED) == 0)
        return TRUE;

      g_set_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID, "JWK lacks “%s”", name);
      return FALSE;
    }

  out->data = gh_base64url_decode (text, &out->len, &local_error);
  if (out->data == NULL)
    {
      g_set_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID,
                   "JWK member “%s”: %s", name, local_error->message);
      return FALSE;
    }

  if (out->len == 0 || out->len > G_MAXINT ||
      (fixed_len != 0 && out->len != fixed_len) ||
      ((flags & PARAM_MINIMAL) != 0 && out->len > 1 && out->data[0] == 0))
    {
      g_set_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID,
                   "JWK member “%s” has the wrong length", name);
      return FALSE;
    }

  return TRUE;
}

static GhJwk *
ec_from_json (JsonObject  *jwk,
              GError     **error)
{
  g_auto(Param) x = { NULL, 0 };
  g_auto(Param) y = { NULL, 0 };
  g_auto(Param) d = { NULL, 0 };
  gnutls_datum_t dx, dy, dd;
  const char *crv;
  int ret;

  if (!read_string_member (jwk, "crv", &crv, error))
    return NULL;
  if (g_strcmp0 (crv, "P-256") != 0)
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_UNSUPPORTED_KEY,
                           "Unsupported or missing EC crv (only P-256)");
      return NULL;
    }

  if (!read_param (jwk, "x", PARAM_REQUIRED, EC_P256_BYTES, &x, error) ||
      !read_param (jwk, "y", PARAM_REQUIRED, EC_P256_BYTES, &y, error) ||
      !read_param (jwk, "d", PARAM_OPTIONAL, EC_P256_BYTES, &d, error))
    return NULL;

  dx = param_datum (&x);
  dy = param_datum (&y);

  if (d.data != NULL)
    {
      g_auto(gnutls_privkey_t) priv = privkey_new (error);

      if (priv == NULL)
        return NULL;

      dd = param_datum (&d);
      ret = gnutls_privkey_import_ecc_raw (priv, GNUTLS_ECC_CURVE_SECP256R1, &dx, &dy, &dd);
      if (ret < 0)
        {
          set_gnutls_error (error, GH_JOSE_ERROR_INVALID, "Invalid EC private key", ret);
          return NULL;
        }

      return gh_jwk_new_take (g_steal_pointer (&priv), NULL, error);
    }
  else
    {
      g_auto(gnutls_pubkey_t) pub = pubkey_new (error);

      if (pub == NULL)
        return NULL;

      ret = gnutls_pubkey_import_ecc_raw (pub, GNUTLS_ECC_CURVE_SECP256R1, &dx, &dy);
      if (ret < 0)
        {
          set_gnutls_error (error, GH_JOSE_ERROR_INVALID, "Invalid EC public key", ret);
          return NULL;
        }

      return gh_jwk_new_take (NULL, g_steal_pointer (&pub), error);
    }
}

static gboolean
datum_equals_param (const gnutls_datum_t *d,
                    const Param          *p)
{
  return d->size == p->len && gnutls_memcmp (d->data, p->data, p->len) == 0;
}

static GhJwk *
rsa_from_json (JsonObject  *jwk,
               GError     **error)
{
  g_auto(Param) n = { NULL, 0 };
  g_auto(Param) e = { NULL, 0 };
  g_auto(Param) d = { NULL, 0 };
  g_auto(Param) p = { NULL, 0 };
  g_auto(Param) q = { NULL, 0 };
  g_auto(Param) dp = { NULL, 0 };
  g_auto(Param) dq = { NULL, 0 };
  g_auto(Param) qi = { NULL, 0 };
  ParamFlags crt_flags;
  int ret;

  if (!read_param (jwk, "n", PARAM_REQUIRED | PARAM_MINIMAL, 0, &n, error) ||
      !read_param (jwk, "e", PARAM_REQUIRED | PARAM_MINIMAL, 0, &e, error) ||
      !read_param (jwk, "d", PARAM_MINIMAL, 0, &d, error))
    return NULL;

  if (json_object_has_member (jwk, "oth"))
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_UNSUPPORTED_KEY,
                           "Multi-prime RSA keys are not supported");
      return NULL;
    }

  /* A private RSA JWK must carry its CRT members; without "d" none may appear */
  crt_flags = PARAM_MINIMAL | (d.data != NULL ? PARAM_REQUIRED : PARAM_OPTIONAL);
  if (!read_param (jwk, "p", crt_flags, 0, &p, error) ||
      !read_param (jwk, "q", crt_flags, 0, &q, error) ||
      !read_param (jwk, "dp", crt_flags, 0, &dp, error) ||
      !read_param (jwk, "dq", crt_flags, 0, &dq, error) ||
      !read_param (jwk, "qi", crt_flags, 0, &qi, error))
    return NULL;

  if (d.data == NULL && (p.data != NULL || q.data != NULL || dp.data != NULL ||
                         dq.data != NULL || qi.data != NULL))
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID,
                           "RSA JWK has CRT members but no “d”");
      return NULL;
    }

  if (d.data != NULL)
    {
      g_auto(gnutls_privkey_t) priv = privkey_new (error);
      g_auto(gnutls_datum_t) u_out = { NULL, 0 };
      g_auto(gnutls_datum_t) e1_out = { NULL, 0 };
      g_auto(gnutls_datum_t) e2_out = { NULL, 0 };
      gnutls_datum_t dn, de, dd, dpp, dqq, du, de1, de2;

      if (priv == NULL)
        return NULL;

      dn = param_datum (&n);
      de = param_datum (&e);
      dd = param_datum (&d);
      dpp = param_datum (&p);
      dqq = param_datum (&q);
      du = param_datum (&qi);
      de1 = param_datum (&dp);
      de2 = param_datum (&dq);

      ret = gnutls_privkey_import_rsa_raw (priv, &dn, &de, &dd, &dpp, &dqq, &du, &de1, &de2);
      if (ret < 0)
        {
          set_gnutls_error (error, GH_JOSE_ERROR_INVALID, "Invalid RSA private key", ret);
          return NULL;
        }

      /* GnuTLS recomputes the CRT values on import; wrong ones in the JWK mean a bad key */
      ret = gnutls_privkey_export_rsa_raw2 (priv, NULL, NULL, NULL, NULL, NULL,
                                            &u_out, &e1_out, &e2_out, GNUTLS_EXPORT_FLAG_NO_LZ);
      if (ret < 0)
        {
          set_gnutls_error (error, GH_JOSE_ERROR_FAILED, "Cannot read RSA key", ret);
          return NULL;
        }
      if (!datum_equals_param (&u_out, &qi) || !datum_equals_param (&e1_out, &dp) ||
          !datum_equals_param (&e2_out, &dq))
        {
          g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_KEY_MISMATCH,
                               "RSA JWK has inconsistent CRT members");
          return NULL;
        }

      return gh_jwk_new_take (g_steal_pointer (&priv), NULL, error);
    }
  else
    {
      g_auto(gnutls_pubkey_t) pub = pubkey_new (error);
      gnutls_datum_t dn, de;

      if (pub == NULL)
        return NULL;

      dn = param_datum (&n);
      de = param_datum (&e);

      ret = gnutls_pubkey_import_rsa_raw (pub, &dn, &de);
      if (ret < 0)
        {
          set_gnutls_error (error, GH_JOSE_ERROR_INVALID, "Invalid RSA public key", ret);
          return NULL;
        }

      return gh_jwk_new_take (NULL, g_steal_pointer (&pub), error);
    }
}

/**
 * gh_jwk_new_from_json:
 * @jwk: a JWK (RFC 7517) object
 * @error: return location for a #GH_JOSE_ERROR
 *
 * Takes a public JWK (`kty` "EC" with `crv` "P-256", `x`, `y`; or `kty` "RSA" with
 * `n`, `e`) or a private one (plus `d`, and for RSA all of `p`, `q`, `dp`, `dq`,
 * `qi`). EC members must be exactly 32 bytes; RSA members must be minimal
 * (Base64urlUInt, RFC 7518 §2). Refused: other kty or crv, multi-prime RSA (`oth`),
 * RSA private keys with only `d`, a `use` other than "sig", an `alg` that contradicts
 * the key, and a private part that does not match the public one. A `kid` member is
 * ignored: the kid is always the RFC 7638 thumbprint.
 *
 * Returns: (transfer full): the key, or %NULL
 */
GhJwk *
gh_jwk_new_from_json (JsonObject  *jwk,
                      GError     **error)
{
  g_autoptr(GhJwk) key = NULL;
  const char *kty;
  const char *alg;
  const char *use;
  GhJwsAlg expected;

  g_return_val_if_fail (jwk != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!read_string_member (jwk, "kty", &kty, error) ||
      !read_string_member (jwk, "alg", &alg, error) ||
      !read_string_member (jwk, "use", &use, error))
    return NULL;

  if (kty == NULL)
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_INVALID, "JWK lacks “kty”");
      return NULL;
    }

  if (g_str_equal (kty, "EC"))
    expected = GH_JWS_ALG_ES256;
  else if (g_str_equal (kty, "RSA"))
    expected = GH_JWS_ALG_RS256;
  else
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_UNSUPPORTED_KEY,
                           "Unsupported kty (only EC and RSA)");
      return NULL;
    }

  if (alg != NULL && gh_jws_alg_from_string (alg) != expected)
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_KEY_MISMATCH,
                           "JWK “alg” does not fit its key");
      return NULL;
    }

  if (use != NULL && !g_str_equal (use, "sig"))
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_UNSUPPORTED_KEY,
                           "JWK is not meant for signatures");
      return NULL;
    }

  if (expected == GH_JWS_ALG_ES256)
    key = ec_from_json (jwk, error);
  else
    key = rsa_from_json (jwk, error);

  if (key == NULL)
    return NULL;

  g_assert (key->alg == expected);

  return g_steal_pointer (&key);
}

/**
 * gh_jwk_export_private_pem:
 * @self: a #GhJwk with a private key
 * @error: return location for a #GH_JOSE_ERROR
 *
 * Returns: (transfer full): the private key as unencrypted PKCS#8 PEM ("PRIVATE KEY").
 *   It is a secret: wipe it when done.
 */
char *
gh_jwk_export_private_pem (GhJwk   *self,
                           GError **error)
{
  g_auto(gnutls_x509_privkey_t) x509 = NULL;
  g_auto(gnutls_datum_t) out = { NULL, 0 };
  int ret;

  g_return_val_if_fail (GH_IS_JWK (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->privkey == NULL)
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_NO_PRIVATE_KEY,
                           "Key has no private part");
      return NULL;
    }

  ret = gnutls_privkey_export_x509 (self->privkey, &x509);
  if (ret < 0)
    {
      set_gnutls_error (error, GH_JOSE_ERROR_FAILED, "Cannot export private key", ret);
      return NULL;
    }

  ret = gnutls_x509_privkey_export2_pkcs8 (x509, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                           &out);
  if (ret < 0)
    {
      set_gnutls_error (error, GH_JOSE_ERROR_FAILED, "Cannot export private key", ret);
      return NULL;
    }

  return g_strndup ((const char *) out.data, out.size);
}

/**
 * gh_jwk_to_public_json:
 * @self: a #GhJwk
 *
 * The public JWK as published in a JWKS: `kty`, `crv`/`x`/`y` or `n`/`e`, `kid`,
 * `alg` and `use` "sig". Never a private member, whatever @self holds.
 *
 * Returns: (transfer full): a new object
 */
JsonObject *
gh_jwk_to_public_json (GhJwk *self)
{
  JsonObject *obj;

  g_return_val_if_fail (GH_IS_JWK (self), NULL);
  g_return_val_if_fail (self->kid != NULL, NULL);

  obj = json_object_new ();

  if (self->alg == GH_JWS_ALG_ES256)
    {
      json_object_set_string_member (obj, "kty", "EC");
      json_object_set_string_member (obj, "crv", "P-256");
      json_object_set_string_member (obj, "x", self->x);
      json_object_set_string_member (obj, "y", self->y);
    }
  else
    {
      json_object_set_string_member (obj, "kty", "RSA");
      json_object_set_string_member (obj, "n", self->n);
      json_object_set_string_member (obj, "e", self->e);
    }

  json_object_set_string_member (obj, "kid", self->kid);
  json_object_set_string_member (obj, "alg", gh_jws_alg_to_string (self->alg));
  json_object_set_string_member (obj, "use", "sig");

  return obj;
}

/**
 * gh_jwk_get_kid:
 * @self: a #GhJwk
 *
 * Returns: the RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key
 */
const char *
gh_jwk_get_kid (GhJwk *self)
{
  g_return_val_if_fail (GH_IS_JWK (self), NULL);

  return self->kid;
}

/**
 * gh_jwk_get_alg:
 * @self: a #GhJwk
 *
 * Returns: the one algorithm this key signs and verifies with
 */
GhJwsAlg
gh_jwk_get_alg (GhJwk *self)
{
  g_return_val_if_fail (GH_IS_JWK (self), GH_JWS_ALG_INVALID);

  return self->alg;
}

/**
 * gh_jwk_has_private:
 * @self: a #GhJwk
 *
 * Returns: %TRUE if @self can sign
 */
gboolean
gh_jwk_has_private (GhJwk *self)
{
  g_return_val_if_fail (GH_IS_JWK (self), FALSE);

  return self->privkey != NULL;
}

/**
 * gh_jwk_sign:
 * @self: a #GhJwk with a private key
 * @data: (array length=len) (nullable): the JWS signing input
 * @len: its length
 * @flags: %GH_JWK_SIGN_NONE in production; %GH_JWK_SIGN_REPRODUCIBLE makes ECDSA use
 *   RFC 6979's deterministic nonce, for known-answer tests
 * @error: return location for a #GH_JOSE_ERROR
 *
 * Returns: (transfer full): the JWS Signature: raw r||s (64 bytes) for ES256, an
 *   RSASSA-PKCS1-v1_5 signature as long as the modulus for RS256
 */
GBytes *
gh_jwk_sign (GhJwk           *self,
             const guint8    *data,
             gsize            len,
             GhJwkSignFlags   flags,
             GError         **error)
{
  g_auto(gnutls_datum_t) sig = { NULL, 0 };
  gnutls_datum_t in;
  unsigned int gnutls_flags = 0;
  guint8 *raw;
  int ret;

  g_return_val_if_fail (GH_IS_JWK (self), NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (len <= G_MAXUINT, NULL);
  g_return_val_if_fail ((flags & ~GH_JWK_SIGN_REPRODUCIBLE) == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->privkey == NULL)
    {
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_NO_PRIVATE_KEY,
                           "Key has no private part");
      return NULL;
    }

  in.data = (unsigned char *) (data != NULL ? data : (const guint8 *) "");
  in.size = (unsigned int) len;

  if (self->alg == GH_JWS_ALG_ES256 && (flags & GH_JWK_SIGN_REPRODUCIBLE) != 0)
    gnutls_flags |= GNUTLS_PRIVKEY_FLAG_REPRODUCIBLE;

  ret = gnutls_privkey_sign_data2 (self->privkey, sign_algorithm (self->alg), gnutls_flags,
                                   &in, &sig);
  if (ret < 0)
    {
      set_gnutls_error (error, GH_JOSE_ERROR_FAILED, "Signing failed", ret);
      return NULL;
    }

  raw = g_malloc (self->sig_len);

  if (self->alg == GH_JWS_ALG_ES256)
    {
      /* GnuTLS gives DER; JWS wants each integer left-padded to 32 bytes (RFC 7518 §3.4) */
      g_auto(gnutls_datum_t) r = { NULL, 0 };
      g_auto(gnutls_datum_t) s = { NULL, 0 };

      ret = gnutls_decode_rs_value (&sig, &r, &s);
      if (ret < 0 ||
          !put_uint_padded (raw, EC_P256_BYTES, r.data, r.size) ||
          !put_uint_padded (raw + EC_P256_BYTES, EC_P256_BYTES, s.data, s.size))
        {
          g_free (raw);
          g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_FAILED,
                               "Unexpected ECDSA signature from GnuTLS");
          return NULL;
        }
    }
  else if (!put_uint_padded (raw, self->sig_len, sig.data, sig.size))
    {
      g_free (raw);
      g_set_error_literal (error, GH_JOSE_ERROR, GH_JOSE_ERROR_FAILED,
                           "Unexpected RSA signature from GnuTLS");
      return NULL;
    }

  return g_bytes_new_take (raw, self->sig_len);
}

static gnutls_datum_t
strip_leading_zeros (const guint8 *data,
                     gsize         len)
{
  gnutls_datum_t d;

  /* Keep one byte so that zero stays an integer */
  while (len > 1 && *data == 0)
    {
      data++;
      len--;
    }

  d.data = (unsigned char *) data;
  d.size = (unsigned int) len;

  return d;
}

/**
 * gh_jwk_verify:
 * @self: a #GhJwk
 * @data: (array length=len) (nullable): the JWS signing input
 * @len: its length
 * @sig: (array length=sig_len) (nullable): the JWS Signature
 * @sig_len: its length
 * @error: return location for a #GH_JOSE_ERROR_BAD_SIGNATURE error
 *
 * Verifies with the key's own algorithm. ES256 takes exactly the 64-byte r||s form; a
 * DER-encoded ECDSA signature is refused. RS256 takes exactly modulus-length
 * signatures.
 *
 * Returns: %TRUE if the signature is valid
 */
gboolean
gh_jwk_verify (GhJwk         *self,
               const guint8  *data,
               gsize          len,
               const guint8  *sig,
               gsize          sig_len,
               GError       **error)
{
  g_auto(gnutls_datum_t) der = { NULL, 0 };
  gnutls_datum_t in;
  gnutls_datum_t signature;
  int ret;

  g_return_val_if_fail (GH_IS_JWK (self), FALSE);
  g_return_val_if_fail (self->pubkey != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (len <= G_MAXUINT, FALSE);
  g_return_val_if_fail (sig != NULL || sig_len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (sig_len != self->sig_len)
    {
      g_set_error (error, GH_JOSE_ERROR, GH_JOSE_ERROR_BAD_SIGNATURE,
                   "%s signature must be %u bytes, not %" G_GSIZE_FORMAT,
                   gh_jws_alg_to_string (self->alg), self->sig_len, sig_len);
      return FALSE;
    }

  in.data = (unsigned char *) (data != NULL ? data : (const guint8 *) "");
  in.size = (unsigned int) len;

  if (self->alg == GH_JWS_ALG_ES256)
    {
      gnutls_datum_t r = strip_leading_zeros (sig, EC_P256_BYTES);
      gnutls_datum_t s = strip_leading_zeros (sig + EC_P256_BYTES, EC_P256_BYTES);

      ret = gnutls_encode_rs_value (&der, &r, &s);
      if (ret < 0)
        {
          set_gnutls_error (error, GH_JOSE_ERROR_FAILED, "Cannot encode signature", ret);
          return FALSE;
        }
      signature = der;
    }
  else
    {
      signature.data = (unsigned char *) sig;
      signature.size = (unsigned int) sig_len;
    }

  ret = gnutls_pubkey_verify_data2 (self->pubkey, sign_algorithm (self->alg), 0, &in,
                                    &signature);
  if (ret < 0)
    {
      set_gnutls_error (error, GH_JOSE_ERROR_BAD_SIGNATURE, "Signature verification failed",
                        ret);
      return FALSE;
    }

  return TRUE;
}
