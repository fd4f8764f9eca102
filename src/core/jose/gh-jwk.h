/* gh-jwk.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define GH_JOSE_ERROR (gh_jose_error_quark ())

/* Errors of gh-jwk and gh-jws. Every failure to verify is one of these; callers that
 * answer a client map them all to their own "invalid token" kind of error. */
typedef enum
{
  GH_JOSE_ERROR_INVALID,          /* malformed JWS, JWK, PEM, base64url or JSON */
  GH_JOSE_ERROR_UNSUPPORTED_ALG,  /* "none", HS*, PS*, ... anything but ES256 / RS256 */
  GH_JOSE_ERROR_UNSUPPORTED_KEY,  /* kty, crv, key size or key form we do not take */
  GH_JOSE_ERROR_BAD_SIGNATURE,
  GH_JOSE_ERROR_UNKNOWN_KEY,      /* no key for this kid */
  GH_JOSE_ERROR_KEY_MISMATCH,     /* header alg vs key alg; JWK alg vs key; key halves */
  GH_JOSE_ERROR_NO_PRIVATE_KEY,   /* signing or exporting with a public key */
  GH_JOSE_ERROR_FAILED,           /* GnuTLS failed on its own */
} GhJoseError;

/* The only JWS algorithms Gatehouse signs or accepts. */
typedef enum
{
  GH_JWS_ALG_INVALID = 0,
  GH_JWS_ALG_ES256,               /* ECDSA P-256 SHA-256, raw 64-byte r||s */
  GH_JWS_ALG_RS256,               /* RSASSA-PKCS1-v1_5 SHA-256 */
} GhJwsAlg;

typedef enum
{
  GH_JWK_SIGN_NONE = 0,
  GH_JWK_SIGN_REPRODUCIBLE = 1 << 0, /* RFC 6979 deterministic ECDSA: known-answer tests only */
} GhJwkSignFlags;

/* Modulus size of RSA keys that gh_jwk_generate() makes; imports take 2048 to 8192 bits. */
#define GH_JWK_RSA_GENERATE_BITS 2048

#define GH_TYPE_JWK (gh_jwk_get_type ())

G_DECLARE_FINAL_TYPE (GhJwk, gh_jwk, GH, JWK, GObject)

GQuark       gh_jose_error_quark          (void);

const char  *gh_jws_alg_to_string         (GhJwsAlg         alg);
GhJwsAlg     gh_jws_alg_from_string       (const char      *name);

GhJwk       *gh_jwk_generate              (GhJwsAlg         alg,
                                           GError         **error);
GhJwk       *gh_jwk_new_from_private_pem  (const char      *pem,
                                           GError         **error);
GhJwk       *gh_jwk_new_from_json         (JsonObject      *jwk,
                                           GError         **error);

char        *gh_jwk_export_private_pem    (GhJwk           *self,
                                           GError         **error);
JsonObject  *gh_jwk_to_public_json        (GhJwk           *self);

const char  *gh_jwk_get_kid               (GhJwk           *self);
GhJwsAlg     gh_jwk_get_alg               (GhJwk           *self);
gboolean     gh_jwk_has_private           (GhJwk           *self);

GBytes      *gh_jwk_sign                  (GhJwk           *self,
                                           const guint8    *data,
                                           gsize            len,
                                           GhJwkSignFlags   flags,
                                           GError         **error);
gboolean     gh_jwk_verify                (GhJwk           *self,
                                           const guint8    *data,
                                           gsize            len,
                                           const guint8    *sig,
                                           gsize            sig_len,
                                           GError         **error);

G_END_DECLS
