/* gh-test-tls.c — a test CA and server certificates, made with GnuTLS at run time
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <time.h>

#include "gh-test-tls.h"
#include "gh-test-util.h"

static void
check_gnutls (int         rc,
              const char *what)
{
  if (rc < 0)
    g_error ("%s: %s", what, gnutls_strerror (rc));
}

static gnutls_x509_privkey_t
make_key (void)
{
  gnutls_x509_privkey_t key;

  check_gnutls (gnutls_x509_privkey_init (&key), "privkey_init");
  check_gnutls (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                              GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                              0), "privkey_generate");
  return key;
}

static gnutls_x509_crt_t
make_cert (gnutls_x509_privkey_t  key,
           const char            *dn,
           guint8                 serial,
           gnutls_x509_crt_t      issuer,
           gnutls_x509_privkey_t  issuer_key,
           const char            *dns_name)
{
  gnutls_x509_crt_t crt;
  guint8 serial_bytes[1] = { serial };
  guint8 key_id[64];
  size_t key_id_size = sizeof key_id;

  check_gnutls (gnutls_x509_crt_init (&crt), "crt_init");
  check_gnutls (gnutls_x509_crt_set_version (crt, 3), "set_version");
  check_gnutls (gnutls_x509_crt_set_serial (crt, serial_bytes, 1), "set_serial");
  check_gnutls (gnutls_x509_crt_set_activation_time (crt, time (NULL) - 3600), "activation");
  check_gnutls (gnutls_x509_crt_set_expiration_time (crt, time (NULL) + 86400), "expiration");
  check_gnutls (gnutls_x509_crt_set_dn (crt, dn, NULL), "set_dn");
  check_gnutls (gnutls_x509_crt_set_key (crt, key), "set_key");
  check_gnutls (gnutls_x509_crt_get_key_id (crt, 0, key_id, &key_id_size), "get_key_id");
  check_gnutls (gnutls_x509_crt_set_subject_key_id (crt, key_id, key_id_size), "ski");

  if (issuer == NULL)
    {
      check_gnutls (gnutls_x509_crt_set_basic_constraints (crt, 1, -1), "ca constraints");
      check_gnutls (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_KEY_CERT_SIGN |
                                                        GNUTLS_KEY_CRL_SIGN), "ca usage");
      check_gnutls (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), "self-sign");
    }
  else
    {
      key_id_size = sizeof key_id;
      check_gnutls (gnutls_x509_crt_get_subject_key_id (issuer, key_id, &key_id_size, NULL),
                    "issuer ski");
      check_gnutls (gnutls_x509_crt_set_authority_key_id (crt, key_id, key_id_size), "aki");
      check_gnutls (gnutls_x509_crt_set_basic_constraints (crt, 0, -1), "leaf constraints");
      check_gnutls (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE), "usage");
      check_gnutls (gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0),
                    "purpose");
      check_gnutls (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, dns_name,
                                                          strlen (dns_name), GNUTLS_FSAN_SET),
                    "san");
      check_gnutls (gnutls_x509_crt_sign2 (crt, issuer, issuer_key, GNUTLS_DIG_SHA256, 0),
                    "sign");
    }
  return crt;
}

static char *
crt_pem (gnutls_x509_crt_t crt)
{
  gnutls_datum_t out;
  char *pem;

  check_gnutls (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &out), "crt_export");
  pem = g_strndup ((const char *) out.data, out.size);
  gnutls_free (out.data);
  return pem;
}

static char *
key_pem (gnutls_x509_privkey_t key)
{
  gnutls_datum_t out;
  char *pem;

  check_gnutls (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                                   GNUTLS_PKCS_PLAIN, &out), "key_export");
  pem = g_strndup ((const char *) out.data, out.size);
  gnutls_free (out.data);
  return pem;
}

static GTlsCertificate *
make_server_cert (gnutls_x509_crt_t      ca,
                  gnutls_x509_privkey_t  ca_key,
                  const char            *name,
                  guint8                 serial)
{
  gnutls_x509_privkey_t key = make_key ();
  g_autofree char *dn = g_strdup_printf ("CN=%s", name);
  gnutls_x509_crt_t crt = make_cert (key, dn, serial, ca, ca_key, name);
  g_autofree char *cert_text = crt_pem (crt);
  g_autofree char *key_text = key_pem (key);
  g_autofree char *both = g_strconcat (cert_text, key_text, NULL);
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;

  certificate = g_tls_certificate_new_from_pem (both, -1, &error);
  g_assert_no_error (error);
  gnutls_x509_crt_deinit (crt);
  gnutls_x509_privkey_deinit (key);
  return certificate;
}

GhTestCertificates *
gh_test_certificates_new (void)
{
  GhTestCertificates *certificates = g_new0 (GhTestCertificates, 1);
  gnutls_x509_privkey_t ca_key = make_key ();
  gnutls_x509_crt_t ca = make_cert (ca_key, "CN=Gatehouse Test CA", 1, NULL, NULL, NULL);
  g_autofree char *ca_text = crt_pem (ca);
  g_autoptr(GError) error = NULL;

  certificates->dir = gh_test_make_tmp_dir ("certs");
  certificates->ca_path = g_build_filename (certificates->dir, "ca.pem", NULL);
  g_file_set_contents (certificates->ca_path, ca_text, -1, &error);
  g_assert_no_error (error);
  certificates->localhost = make_server_cert (ca, ca_key, "localhost", 2);
  certificates->wrong_name = make_server_cert (ca, ca_key, "wrong.example", 3);
  gnutls_x509_crt_deinit (ca);
  gnutls_x509_privkey_deinit (ca_key);
  return certificates;
}

void
gh_test_certificates_free (GhTestCertificates *certificates)
{
  if (certificates == NULL)
    return;
  g_clear_object (&certificates->localhost);
  g_clear_object (&certificates->wrong_name);
  gh_test_remove_tree (certificates->dir);
  g_free (certificates->dir);
  g_free (certificates->ca_path);
  g_free (certificates);
}
