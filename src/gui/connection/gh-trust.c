/* gh-trust.c — certificates the user chose to trust: pinned by fingerprint per host:port
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-trust.h"

/* Verification runs on the TLS handshake's thread: the pin is set once, the refused
 * certificate is behind the lock. */
struct _GhTrustDatabase
{
  GTlsDatabase          parent_instance;

  char                 *pinned;
  GMutex                lock;
  GTlsCertificate      *refused;
  GTlsCertificateFlags  refused_errors;
};

G_DEFINE_FINAL_TYPE (GhTrustDatabase, gh_trust_database, G_TYPE_TLS_DATABASE)

static GTlsDatabase *
system_database (void)
{
  return g_tls_backend_get_default_database (g_tls_backend_get_default ());
}

static GTlsCertificateFlags
gh_trust_database_verify_chain (GTlsDatabase             *database,
                                GTlsCertificate          *chain,
                                const char               *purpose,
                                GSocketConnectable       *identity,
                                GTlsInteraction          *interaction,
                                GTlsDatabaseVerifyFlags   flags,
                                GCancellable             *cancellable,
                                GError                  **error)
{
  GhTrustDatabase *self = GH_TRUST_DATABASE (database);
  g_autoptr(GTlsDatabase) system = system_database ();
  g_autofree char *fingerprint = NULL;
  GTlsCertificateFlags errors;

  if (system != NULL)
    errors = g_tls_database_verify_chain (system, chain, purpose, identity, interaction, flags,
                                          cancellable, error);
  else
    errors = G_TLS_CERTIFICATE_UNKNOWN_CA | g_tls_certificate_verify (chain, identity, NULL);
  if (errors == 0 || (error != NULL && *error != NULL))
    return errors;

  /* The one certificate the user trusted here, and no other */
  fingerprint = gh_certificate_dup_fingerprint (chain);
  if (self->pinned != NULL && g_str_equal (fingerprint, self->pinned))
    return 0;

  g_mutex_lock (&self->lock);
  g_set_object (&self->refused, chain);
  self->refused_errors = errors;
  g_mutex_unlock (&self->lock);

  return errors;
}

static GTlsCertificate *
gh_trust_database_lookup_certificate_issuer (GTlsDatabase             *database,
                                             GTlsCertificate          *certificate,
                                             GTlsInteraction          *interaction,
                                             GTlsDatabaseLookupFlags   flags,
                                             GCancellable             *cancellable,
                                             GError                  **error)
{
  g_autoptr(GTlsDatabase) system = system_database ();

  if (system == NULL)
    return NULL;
  return g_tls_database_lookup_certificate_issuer (system, certificate, interaction, flags,
                                                   cancellable, error);
}

static GList *
gh_trust_database_lookup_certificates_issued_by (GTlsDatabase             *database,
                                                 GByteArray               *issuer,
                                                 GTlsInteraction          *interaction,
                                                 GTlsDatabaseLookupFlags   flags,
                                                 GCancellable             *cancellable,
                                                 GError                  **error)
{
  g_autoptr(GTlsDatabase) system = system_database ();

  if (system == NULL)
    return NULL;
  return g_tls_database_lookup_certificates_issued_by (system, issuer, interaction, flags,
                                                       cancellable, error);
}

static void
gh_trust_database_finalize (GObject *object)
{
  GhTrustDatabase *self = GH_TRUST_DATABASE (object);

  g_clear_object (&self->refused);
  g_clear_pointer (&self->pinned, g_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (gh_trust_database_parent_class)->finalize (object);
}

static void
gh_trust_database_class_init (GhTrustDatabaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GTlsDatabaseClass *database_class = G_TLS_DATABASE_CLASS (klass);

  object_class->finalize = gh_trust_database_finalize;
  database_class->verify_chain = gh_trust_database_verify_chain;
  database_class->lookup_certificate_issuer = gh_trust_database_lookup_certificate_issuer;
  database_class->lookup_certificates_issued_by =
    gh_trust_database_lookup_certificates_issued_by;
}

static void
gh_trust_database_init (GhTrustDatabase *self)
{
  g_mutex_init (&self->lock);
}

GhTrustDatabase *
gh_trust_database_new (const char *pinned_fingerprint)
{
  GhTrustDatabase *self = g_object_new (GH_TYPE_TRUST_DATABASE, NULL);

  self->pinned = g_strdup (pinned_fingerprint);
  return self;
}

GTlsCertificate *
gh_trust_database_dup_refused (GhTrustDatabase      *self,
                               GTlsCertificateFlags *errors)
{
  GTlsCertificate *refused;

  g_return_val_if_fail (GH_IS_TRUST_DATABASE (self), NULL);

  g_mutex_lock (&self->lock);
  refused = self->refused != NULL ? g_object_ref (self->refused) : NULL;
  if (errors != NULL)
    *errors = self->refused_errors;
  g_mutex_unlock (&self->lock);

  return refused;
}

char *
gh_certificate_dup_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der != NULL)
    g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &length);
  for (gsize i = 0; i < length; i++)
    g_string_append_printf (text, i == 0 ? "%02X" : ":%02X", digest[i]);

  return g_string_free (text, FALSE);
}

char *
gh_certificate_describe_errors (GTlsCertificateFlags errors)
{
  static const struct
  {
    GTlsCertificateFlags flag;
    const char          *words;
  } problems[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA,
      N_("It is not signed by a certificate authority this computer trusts (unknown CA).") },
    { G_TLS_CERTIFICATE_BAD_IDENTITY,
      N_("It is not made out to this server's name (bad identity).") },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, N_("It is not valid yet (not activated).") },
    { G_TLS_CERTIFICATE_EXPIRED, N_("It has expired.") },
    { G_TLS_CERTIFICATE_REVOKED, N_("It has been revoked.") },
    { G_TLS_CERTIFICATE_INSECURE, N_("It uses an insecure algorithm.") },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, N_("It could not be verified (generic error).") },
  };
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (problems); i++)
    {
      if ((errors & problems[i].flag) == 0)
        continue;
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, _(problems[i].words));
    }
  if (text->len == 0)
    g_string_append (text, _("It was refused."));

  return g_string_free (text, FALSE);
}

char *
gh_trust_dup_address (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme;
  int port;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return NULL;
  scheme = g_uri_get_scheme (uri);
  port = g_uri_get_port (uri);
  if (port < 0)
    {
      if (g_ascii_strcasecmp (scheme, "https") == 0)
        port = 443;
      else if (g_ascii_strcasecmp (scheme, "http") == 0)
        port = 80;
      else
        return NULL;
    }

  return g_strdup_printf ("%s:%d", g_uri_get_host (uri), port);
}

char *
gh_trust_dup_pinned (const char *address)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GVariant) trusted = g_settings_get_value (settings, "trusted-certificates");
  char *fingerprint = NULL;

  g_return_val_if_fail (address != NULL, NULL);

  if (!g_variant_lookup (trusted, address, "s", &fingerprint))
    return NULL;
  return fingerprint;
}

void
gh_trust_remember (const char      *address,
                   GTlsCertificate *certificate)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GVariant) trusted = g_settings_get_value (settings, "trusted-certificates");
  g_autofree char *fingerprint = gh_certificate_dup_fingerprint (certificate);
  GVariantBuilder builder;
  GVariantIter iter;
  const char *key;
  const char *value;

  g_return_if_fail (address != NULL);

  /* One certificate per address: this one replaces any other */
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_variant_iter_init (&iter, trusted);
  while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
    if (!g_str_equal (key, address))
      g_variant_builder_add (&builder, "{ss}", key, value);
  g_variant_builder_add (&builder, "{ss}", address, fingerprint);
  g_settings_set_value (settings, "trusted-certificates", g_variant_builder_end (&builder));
}
