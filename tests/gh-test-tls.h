/* gh-test-tls.h — a test CA and server certificates, made with GnuTLS at run time
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char            *dir;
  char            *ca_path;     /* the CA certificate, PEM (for GTlsFileDatabase, --ca-file) */
  GTlsCertificate *localhost;   /* for "localhost", signed by the CA */
  GTlsCertificate *wrong_name;  /* for "wrong.example", signed by the CA */
} GhTestCertificates;

GhTestCertificates *gh_test_certificates_new  (void);
void                gh_test_certificates_free (GhTestCertificates *certificates);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhTestCertificates, gh_test_certificates_free)

G_END_DECLS
