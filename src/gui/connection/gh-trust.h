/* gh-trust.h — certificates the user chose to trust: pinned by fingerprint per host:port
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The system's trust, and beside it one certificate the user trusted for this address
 * (accepted only while its SHA-256 fingerprint is exactly that one). Every session of a
 * connection (admin calls, public documents, the event stream) gets the same database. It
 * remembers the last certificate it refused, for the window to show. */
#define GH_TYPE_TRUST_DATABASE (gh_trust_database_get_type ())

G_DECLARE_FINAL_TYPE (GhTrustDatabase, gh_trust_database, GH, TRUST_DATABASE, GTlsDatabase)

/* @pinned_fingerprint: as gh_certificate_dup_fingerprint () writes it, or %NULL. */
GhTrustDatabase *gh_trust_database_new          (const char            *pinned_fingerprint);
/* The last certificate refused (with its problems), or %NULL; a reference. */
GTlsCertificate *gh_trust_database_dup_refused  (GhTrustDatabase       *self,
                                                 GTlsCertificateFlags  *errors);

/* "AB:CD:…", the SHA-256 of the certificate's DER. */
char            *gh_certificate_dup_fingerprint (GTlsCertificate       *certificate);
/* Each problem in words, one sentence each, joined by spaces. */
char            *gh_certificate_describe_errors (GTlsCertificateFlags   errors);

/* "host:port" of an http(s) URL (the scheme's port when it names none), or %NULL. */
char            *gh_trust_dup_address           (const char            *url);
/* The fingerprint trusted for @address (the trusted-certificates setting), or %NULL. */
char            *gh_trust_dup_pinned            (const char            *address);
/* Trusts @certificate at @address from now on, instead of any other one there. */
void             gh_trust_remember              (const char            *address,
                                                 GTlsCertificate       *certificate);

G_END_DECLS
