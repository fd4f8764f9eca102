/* gh-cimd-policy.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cimd"

#include "config.h"

#include <string.h>

#include "gh-cimd-policy.h"
#include "gh-client.h"
#include "gh-json.h"

gboolean
gh_cimd_is_url_client_id (const char *client_id)
{
  if (client_id == NULL)
    return FALSE;
  return g_ascii_strncasecmp (client_id, "https://", 8) == 0 ||
         g_ascii_strncasecmp (client_id, "http://", 7) == 0;
}

/* One inet_aton() number: 0x.. hex, 0.. octal, else decimal. */
static gboolean
parse_ipv4_number (const char *text,
                   gsize       len,
                   guint64    *value)
{
  guint base = 10;

  if (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    {
      base = 16;
      text += 2;
      len -= 2;
      if (len == 0)
        return *value = 0, TRUE; /* "0x" is 0 to browsers */
    }
  else if (len > 1 && text[0] == '0')
    {
      base = 8;
      text++;
      len--;
    }
  if (len == 0)
    return FALSE;

  *value = 0;
  for (gsize i = 0; i < len; i++)
    {
      int digit = g_ascii_xdigit_value (text[i]);

      if (digit < 0 || (guint) digit >= base)
        return FALSE;
      *value = *value * base + (guint) digit;
      if (*value > G_MAXUINT32)
        return FALSE;
    }
  return TRUE;
}

static GInetAddress *
parse_ipv4_any_notation (const char *host)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *text = g_strdup (host);
  guint64 values[4];
  guint n;
  guint32 address = 0;
  guint8 bytes[4];
  gsize len = strlen (text);

  /* "127.0.0.1." is the same host to a resolver */
  if (len > 1 && text[len - 1] == '.')
    text[len - 1] = '\0';

  parts = g_strsplit (text, ".", -1);
  n = g_strv_length (parts);
  if (n < 1 || n > 4)
    return NULL;
  for (guint i = 0; i < n; i++)
    if (!parse_ipv4_number (parts[i], strlen (parts[i]), &values[i]))
      return NULL;

  /* a.b.c.d; a.b.c (c: 16 bits); a.b (b: 24 bits); a (32 bits) */
  for (guint i = 0; i + 1 < n; i++)
    {
      if (values[i] > 0xff)
        return NULL;
      address |= (guint32) values[i] << (24 - 8 * i);
    }
  if (values[n - 1] > (G_MAXUINT32 >> (8 * (n - 1))))
    return NULL;
  address |= (guint32) values[n - 1];

  bytes[0] = address >> 24;
  bytes[1] = (address >> 16) & 0xff;
  bytes[2] = (address >> 8) & 0xff;
  bytes[3] = address & 0xff;
  return g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV4);
}

GInetAddress *
gh_cimd_parse_ip_literal (const char *host)
{
  g_autofree char *text = NULL;
  gsize len;
  char *zone;

  g_return_val_if_fail (host != NULL, NULL);

  len = strlen (host);
  if (len == 0)
    return NULL;

  if (host[0] == '[')
    {
      if (len < 3 || host[len - 1] != ']')
        return NULL;
      text = g_strndup (host + 1, len - 2);
    }
  else
    text = g_strdup (host);

  if (strchr (text, ':') != NULL)
    {
      /* A zone ("fe80::1%eth0", "%25eth0" in URLs) does not change which address it is. */
      zone = strchr (text, '%');
      if (zone != NULL)
        *zone = '\0';
      return g_inet_address_new_from_string (text);
    }
  if (host[0] == '[')
    return NULL;

  return parse_ipv4_any_notation (text);
}

typedef struct
{
  guint8 prefix[16];
  guint bits;
  const char *reason;
} Range;

static gboolean
prefix_matches (const guint8 *bytes,
                const guint8 *prefix,
                guint         bits)
{
  guint whole = bits / 8;
  guint rest = bits % 8;

  if (memcmp (bytes, prefix, whole) != 0)
    return FALSE;
  if (rest == 0)
    return TRUE;
  return ((bytes[whole] ^ prefix[whole]) & (0xff << (8 - rest))) == 0;
}

static const Range ipv4_ranges[] = {
  { { 255, 255, 255, 255 }, 32, "the broadcast address (255.255.255.255)" },
  { { 169, 254, 169, 254 }, 32, "the link-local cloud metadata address (169.254.169.254)" },
  { { 0 }, 8, "“this network” (0.0.0.0/8)" },
  { { 10 }, 8, "private (10.0.0.0/8)" },
  { { 100, 64 }, 10, "shared address space, carrier-grade NAT (100.64.0.0/10)" },
  { { 127 }, 8, "loopback (127.0.0.0/8)" },
  { { 169, 254 }, 16, "link-local (169.254.0.0/16)" },
  { { 172, 16 }, 12, "private (172.16.0.0/12)" },
  { { 192, 0, 0 }, 24, "IETF protocol assignments (192.0.0.0/24)" },
  { { 192, 0, 2 }, 24, "documentation (192.0.2.0/24)" },
  { { 192, 88, 99 }, 24, "the deprecated 6to4 relay anycast range (192.88.99.0/24)" },
  { { 192, 168 }, 16, "private (192.168.0.0/16)" },
  { { 198, 18 }, 15, "benchmarking (198.18.0.0/15)" },
  { { 198, 51, 100 }, 24, "documentation (198.51.100.0/24)" },
  { { 203, 0, 113 }, 24, "documentation (203.0.113.0/24)" },
  { { 224 }, 4, "multicast (224.0.0.0/4)" },
  { { 240 }, 4, "reserved (240.0.0.0/4)" },
};

static const Range ipv6_ranges[] = {
  { { 0x01, 0x00, 0, 0, 0, 0, 0, 0 }, 64, "discard-only (100::/64)" },
  { { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48, "local-use NAT64 (64:ff9b:1::/48)" },
  { { 0x20, 0x01, 0x0d, 0xb8 }, 32, "documentation (2001:db8::/32)" },
  { { 0x20, 0x01, 0x00, 0x00 }, 32, "Teredo (2001::/32)" },
  { { 0xfc }, 7, "unique local (fc00::/7)" },
  { { 0xfe, 0x80 }, 10, "link-local (fe80::/10)" },
  { { 0xfe, 0xc0 }, 10, "the deprecated site-local range (fec0::/10)" },
  { { 0xff }, 8, "multicast (ff00::/8)" },
};

static const char *
ipv4_special_reason (const guint8 *bytes,
                     gboolean     *is_loopback)
{
  for (guint i = 0; i < G_N_ELEMENTS (ipv4_ranges); i++)
    if (prefix_matches (bytes, ipv4_ranges[i].prefix, ipv4_ranges[i].bits))
      {
        *is_loopback = bytes[0] == 127;
        return ipv4_ranges[i].reason;
      }
  return NULL;
}

/* Reasons for embedded IPv4 forms, built once per (form, range) pair and kept: the return
 * value of gh_cimd_address_special_reason() is static. */
static const char *
embedded_reason (const char *form,
                 const char *v4_reason)
{
  static GHashTable *reasons; /* "form\nreason" -> interned text */
  static GMutex lock;
  g_autofree char *key = g_strconcat (form, "\n", v4_reason, NULL);
  const char *text;

  g_mutex_lock (&lock);
  if (reasons == NULL)
    reasons = g_hash_table_new (g_str_hash, g_str_equal);
  text = g_hash_table_lookup (reasons, key);
  if (text == NULL)
    {
      g_autofree char *built = g_strdup_printf ("%s of %s", form, v4_reason);

      text = g_intern_string (built);
      g_hash_table_insert (reasons, (gpointer) g_intern_string (key), (gpointer) text);
    }
  g_mutex_unlock (&lock);
  return text;
}

const char *
gh_cimd_address_special_reason (GInetAddress *address,
                                gboolean     *is_loopback)
{
  static const guint8 zero[16] = { 0 };
  static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  static const guint8 nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
  gboolean loopback = FALSE;
  const guint8 *bytes;
  const char *reason = NULL;

  g_return_val_if_fail (G_IS_INET_ADDRESS (address), "not an address");

  bytes = g_inet_address_to_bytes (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    {
      reason = ipv4_special_reason (bytes, &loopback);
    }
  else if (memcmp (bytes, zero, 16) == 0)
    {
      reason = "the unspecified address (::)";
    }
  else if (memcmp (bytes, zero, 15) == 0 && bytes[15] == 1)
    {
      reason = "loopback (::1)";
      loopback = TRUE;
    }
  else if (memcmp (bytes, mapped, 12) == 0)
    {
      /* The kernel connects ::ffff:a.b.c.d to a.b.c.d itself. */
      const char *v4 = ipv4_special_reason (bytes + 12, &loopback);

      if (v4 != NULL)
        reason = embedded_reason ("the IPv4-mapped form (::ffff:0:0/96)", v4);
    }
  else if (memcmp (bytes, zero, 12) == 0)
    {
      gboolean ignored = FALSE;
      const char *v4 = ipv4_special_reason (bytes + 12, &ignored);

      reason = v4 != NULL ? embedded_reason ("the IPv4-compatible form (::/96)", v4)
                          : "an IPv4-compatible address (::/96, deprecated)";
    }
  else if (memcmp (bytes, nat64, 12) == 0)
    {
      gboolean ignored = FALSE;
      const char *v4 = ipv4_special_reason (bytes + 12, &ignored);

      if (v4 != NULL)
        reason = embedded_reason ("the NAT64 form (64:ff9b::/96)", v4);
    }
  else if (bytes[0] == 0x20 && bytes[1] == 0x02)
    {
      gboolean ignored = FALSE;
      const char *v4 = ipv4_special_reason (bytes + 2, &ignored);

      if (v4 != NULL)
        reason = embedded_reason ("the 6to4 form (2002::/16)", v4);
    }
  else
    {
      for (guint i = 0; i < G_N_ELEMENTS (ipv6_ranges); i++)
        if (prefix_matches (bytes, ipv6_ranges[i].prefix, ipv6_ranges[i].bits))
          {
            reason = ipv6_ranges[i].reason;
            break;
          }
    }

  if (is_loopback != NULL)
    *is_loopback = reason != NULL && loopback;
  return reason;
}

static char *
normalize_host (const char *host)
{
  char *text = g_ascii_strdown (host, -1);
  gsize len = strlen (text);

  if (len > 1 && text[len - 1] == '.')
    text[len - 1] = '\0';
  return text;
}

gboolean
gh_cimd_host_is_loopback (const char *host)
{
  g_autofree char *name = NULL;
  g_autoptr(GInetAddress) literal = NULL;
  gboolean loopback = FALSE;

  g_return_val_if_fail (host != NULL, FALSE);

  name = normalize_host (host);
  if (g_str_equal (name, "localhost") || g_str_has_suffix (name, ".localhost"))
    return TRUE;
  literal = gh_cimd_parse_ip_literal (name);
  return literal != NULL && gh_cimd_address_special_reason (literal, &loopback) != NULL &&
         loopback;
}

static gboolean
domain_entry_matches (const char *entry_text,
                      const char *host)
{
  g_autofree char *entry = normalize_host (entry_text);

  if (g_str_has_prefix (entry, "*."))
    return strlen (host) > strlen (entry) - 1 && g_str_has_suffix (host, entry + 1);
  if (entry[0] == '.')
    return g_str_equal (host, entry + 1) || g_str_has_suffix (host, entry);
  return g_str_equal (host, entry);
}

gboolean
gh_cimd_host_allowed (const char               *host_text,
                      const GhProjectSettings  *settings,
                      char                    **reason)
{
  g_autofree char *host = NULL;

  g_return_val_if_fail (host_text != NULL, FALSE);
  g_return_val_if_fail (settings != NULL, FALSE);

  host = normalize_host (host_text);
  for (guint i = 0; settings->cimd_blocked_domains != NULL &&
       settings->cimd_blocked_domains[i] != NULL; i++)
    if (domain_entry_matches (settings->cimd_blocked_domains[i], host))
      {
        if (reason != NULL)
          *reason = g_strdup_printf ("the host “%s” matches “%s” "
                                     "in cimd_blocked_domains", host,
                                     settings->cimd_blocked_domains[i]);
        return FALSE;
      }

  if (settings->cimd_allowed_domains == NULL || settings->cimd_allowed_domains[0] == NULL)
    return TRUE;
  for (guint i = 0; settings->cimd_allowed_domains[i] != NULL; i++)
    if (domain_entry_matches (settings->cimd_allowed_domains[i], host))
      return TRUE;
  if (reason != NULL)
    *reason = g_strdup_printf ("the host “%s” matches no entry of cimd_allowed_domains", host);
  return FALSE;
}

/* A URL label made only of digits (or 0x..) is read as IPv4 by browsers and resolvers. */
static gboolean
looks_numeric (const char *host)
{
  const char *last = strrchr (host, '.');
  const char *label = last != NULL && last[1] != '\0' ? last + 1 : host;

  if (g_ascii_strncasecmp (label, "0x", 2) == 0)
    return TRUE;
  for (const char *p = label; *p != '\0' && *p != '.'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

/* Does any "/"-separated segment of @path read as "." or ".." once %2e is decoded? */
static gboolean
has_dot_segment (const char *path)
{
  g_auto(GStrv) segments = g_strsplit (path, "/", -1);

  for (guint i = 0; segments[i] != NULL; i++)
    {
      GString *decoded = g_string_new (NULL);
      gboolean dots;

      for (const char *p = segments[i]; *p != '\0'; p++)
        {
          if (p[0] == '%' && p[1] == '2' && (p[2] == 'e' || p[2] == 'E'))
            {
              g_string_append_c (decoded, '.');
              p += 2;
            }
          else
            g_string_append_c (decoded, *p);
        }
      dots = g_str_equal (decoded->str, ".") || g_str_equal (decoded->str, "..");
      g_string_free (decoded, TRUE);
      if (dots)
        return TRUE;
    }
  return FALSE;
}

gboolean
gh_cimd_check_url (const char               *url,
                   const GhProjectSettings  *settings,
                   GhCimdReport             *report)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) literal = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *authority = NULL;
  g_autofree char *raw_path = NULL;
  g_autofree char *domain_reason = NULL;
  const char *host;
  const char *path;
  const char *rest;
  gboolean loopback_host;
  gint port;

  g_return_val_if_fail (url != NULL, FALSE);
  g_return_val_if_fail (settings != NULL, FALSE);
  g_return_val_if_fail (report != NULL, FALSE);

  if (strlen (url) > 2048)
    {
      gh_cimd_report_add_check (report, "url.syntax", GH_CIMD_FAIL,
                                "The client_id URL is longer than 2048 characters");
      return FALSE;
    }
  for (const char *p = url; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f || *p == '\\')
      {
        gh_cimd_report_add_check (report, "url.syntax", GH_CIMD_FAIL,
                                  "The client_id URL contains spaces, control characters, "
                                  "backslashes or non-ASCII characters (percent-encode them)");
        return FALSE;
      }
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, &error);
  if (uri == NULL)
    {
      gh_cimd_report_add_check (report, "url.syntax", GH_CIMD_FAIL,
                                "The client_id is not a valid absolute URL: %s", error->message);
      return FALSE;
    }
  gh_cimd_report_add_check (report, "url.syntax", GH_CIMD_PASS, "The client_id is a URL");

  host = g_uri_get_host (uri);
  loopback_host = host != NULL && *host != '\0' && gh_cimd_host_is_loopback (host);

  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  if (g_str_equal (scheme, "https"))
    gh_cimd_report_add_check (report, "url.scheme", GH_CIMD_PASS, "The URL uses https");
  else if (g_str_equal (scheme, "http") && loopback_host && settings->allow_loopback_cimd)
    gh_cimd_report_add_check (report, "url.scheme", GH_CIMD_WARN,
                              "The URL uses plain http, accepted only because its host “%s” is "
                              "loopback and allow_loopback_cimd is on", host);
  else if (g_str_equal (scheme, "http"))
    gh_cimd_report_add_check (report, "url.scheme", GH_CIMD_FAIL,
                              "The URL must use https (http only for a loopback host, and only "
                              "with allow_loopback_cimd on)");
  else
    gh_cimd_report_add_check (report, "url.scheme", GH_CIMD_FAIL,
                              "The URL scheme “%s” is not https", scheme);

  /* The raw authority, so that an empty userinfo ("https://@host/") is caught too. */
  rest = strstr (url, "://");
  if (rest != NULL)
    {
      const char *path_start;

      authority = g_strndup (rest + 3, strcspn (rest + 3, "/?#"));
      path_start = rest + 3 + strlen (authority);
      raw_path = g_strndup (path_start, strcspn (path_start, "?#"));
    }
  if (g_uri_get_userinfo (uri) != NULL || (authority != NULL && strchr (authority, '@') != NULL))
    gh_cimd_report_add_check (report, "url.userinfo", GH_CIMD_FAIL,
                              "The URL carries user information (user:password@) before the "
                              "host; a client_id URL must not");

  if (strchr (url, '#') != NULL)
    gh_cimd_report_add_check (report, "url.fragment", GH_CIMD_FAIL,
                              "The URL has a fragment (#...); a client_id URL must not");

  if (host == NULL || *host == '\0')
    {
      gh_cimd_report_add_check (report, "url.host", GH_CIMD_FAIL, "The URL has no host");
      host = NULL;
    }
  else
    {
      literal = gh_cimd_parse_ip_literal (host);
      if (literal == NULL && looks_numeric (host))
        {
          gh_cimd_report_add_check (report, "url.host", GH_CIMD_FAIL,
                                    "The host “%s” looks like an IPv4 address but is not a "
                                    "valid one", host);
          host = NULL;
        }
      else if (literal == NULL && strspn (host, "abcdefghijklmnopqrstuvwxyz"
                                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") !=
               strlen (host))
        {
          gh_cimd_report_add_check (report, "url.host", GH_CIMD_FAIL,
                                    "The host “%s” is not a DNS name or an IP address", host);
          host = NULL;
        }
      else
        gh_cimd_report_add_check (report, "url.host", GH_CIMD_PASS, "The host is “%s”", host);
    }

  port = g_uri_get_port (uri);
  if (port == 0)
    gh_cimd_report_add_check (report, "url.port", GH_CIMD_FAIL, "The URL names port 0");
  else if (port > 0)
    gh_cimd_report_add_check (report, "url.port", GH_CIMD_PASS, "The URL names port %d", port);

  path = raw_path != NULL ? raw_path : g_uri_get_path (uri);
  if (path == NULL || *path == '\0' || g_str_equal (path, "/"))
    gh_cimd_report_add_check (report, "url.path", GH_CIMD_FAIL,
                              "The URL has no path; the document must live at a path such as "
                              "/oauth/client.json, not at the root");
  else
    gh_cimd_report_add_check (report, "url.path", GH_CIMD_PASS, "The path is “%s”", path);

  /* GUri removes dot segments while parsing: look at the path as written. */
  if (path != NULL && has_dot_segment (path))
    gh_cimd_report_add_check (report, "url.dot_segments", GH_CIMD_FAIL,
                              "The path has a “.” or “..” segment (also "
                              "as %%2e); a client_id URL must be in normal form");

  if (g_uri_get_query (uri) != NULL)
    gh_cimd_report_add_check (report, "url.query", GH_CIMD_WARN,
                              "The URL has a query string; it is allowed, but the document's "
                              "client_id must repeat it byte for byte");

  if (host != NULL)
    {
      if (!gh_cimd_host_allowed (host, settings, &domain_reason))
        gh_cimd_report_add_check (report, "url.domain", GH_CIMD_FAIL,
                                  "The project does not accept this host: %s", domain_reason);
      else if ((settings->cimd_allowed_domains != NULL && settings->cimd_allowed_domains[0]) ||
               (settings->cimd_blocked_domains != NULL && settings->cimd_blocked_domains[0]))
        gh_cimd_report_add_check (report, "url.domain", GH_CIMD_PASS,
                                  "The host passes cimd_allowed_domains and "
                                  "cimd_blocked_domains");
    }

  if (host != NULL && literal != NULL)
    {
      g_autofree char *text = g_inet_address_to_string (literal);
      gboolean is_loopback = FALSE;
      const char *reason = gh_cimd_address_special_reason (literal, &is_loopback);

      if (reason != NULL && is_loopback && settings->allow_loopback_cimd)
        gh_cimd_report_add_check (report, "url.address", GH_CIMD_WARN,
                                  "The host is the loopback address %s, accepted only because "
                                  "allow_loopback_cimd is on", text);
      else if (reason != NULL)
        gh_cimd_report_add_check (report, "url.address", GH_CIMD_FAIL,
                                  "The host “%s” is the address %s, which "
                                  "is %s; CIMD documents are never fetched "
                                  "from special-use addresses", host, text,
                                  reason);
    }
  else if (host != NULL && loopback_host)
    {
      if (settings->allow_loopback_cimd)
        gh_cimd_report_add_check (report, "url.address", GH_CIMD_WARN,
                                  "The host “%s” is a loopback name, accepted only because "
                                  "allow_loopback_cimd is on", host);
      else
        gh_cimd_report_add_check (report, "url.address", GH_CIMD_FAIL,
                                  "The host “%s” is a loopback name; CIMD documents are "
                                  "fetched from loopback only with allow_loopback_cimd on", host);
    }

  return gh_cimd_report_get_verdict (report) != GH_CIMD_FAIL;
}

gboolean
gh_cimd_check_project_policy (const char               *url,
                              const char               *project_slug,
                              const GhProjectSettings  *settings,
                              GhCimdReport             *report)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *domain_reason = NULL;
  gboolean accepted = TRUE;
  const char *host;

  g_return_val_if_fail (url != NULL, FALSE);
  g_return_val_if_fail (settings != NULL, FALSE);
  g_return_val_if_fail (report != NULL, FALSE);

  if (settings->cimd_enabled)
    gh_cimd_report_add_check (report, "policy.cimd_enabled", GH_CIMD_PASS,
                              "cimd_enabled is on: project %s accepts URL client ids",
                              project_slug);
  else
    {
      gh_cimd_report_add_check (report, "policy.cimd_enabled", GH_CIMD_FAIL,
                                "cimd_enabled is off: /authorize in project %s refuses every URL "
                                "client id, this one too", project_slug);
      gh_cimd_report_set_compared (report, "true", "false");
      accepted = FALSE;
    }

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  host = uri != NULL ? g_uri_get_host (uri) : NULL;
  if (host == NULL || *host == '\0')
    return accepted;

  if (!gh_cimd_host_allowed (host, settings, &domain_reason))
    {
      gh_cimd_report_add_check (report, "policy.domains", GH_CIMD_FAIL,
                                "The project's domain lists refuse “%s”: %s", host,
                                domain_reason);
      gh_cimd_report_set_compared (report, NULL, host);
      accepted = FALSE;
    }
  else if ((settings->cimd_allowed_domains != NULL && settings->cimd_allowed_domains[0]) ||
           (settings->cimd_blocked_domains != NULL && settings->cimd_blocked_domains[0]))
    gh_cimd_report_add_check (report, "policy.domains", GH_CIMD_PASS,
                              "“%s” passes cimd_allowed_domains and cimd_blocked_domains", host);

  if (gh_cimd_host_is_loopback (host))
    {
      if (settings->allow_loopback_cimd)
        gh_cimd_report_add_check (report, "policy.allow_loopback_cimd", GH_CIMD_WARN,
                                  "“%s” is loopback, accepted because allow_loopback_cimd is on",
                                  host);
      else
        {
          gh_cimd_report_add_check (report, "policy.allow_loopback_cimd", GH_CIMD_FAIL,
                                    "“%s” is loopback and allow_loopback_cimd is off: the project "
                                    "refuses it, and a preview does not connect there either",
                                    host);
          gh_cimd_report_set_compared (report, "true", "false");
          accepted = FALSE;
        }
    }
  return accepted;
}

GhProjectSettings *
gh_cimd_preview_settings (const GhProjectSettings *settings)
{
  GhProjectSettings *copy;

  g_return_val_if_fail (settings != NULL, NULL);

  copy = gh_project_settings_copy (settings);
  copy->cimd_enabled = TRUE;
  g_strfreev (copy->cimd_allowed_domains);
  copy->cimd_allowed_domains = g_new0 (char *, 1);
  g_strfreev (copy->cimd_blocked_domains);
  copy->cimd_blocked_domains = g_new0 (char *, 1);
  return copy;
}

/* scheme, host and effective port */
static char *
uri_origin (const char *text)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_ENCODED, NULL);
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  gint port;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return NULL;
  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  host = normalize_host (g_uri_get_host (uri));
  port = g_uri_get_port (uri);
  if (port < 0)
    port = g_str_equal (scheme, "http") ? 80 : g_str_equal (scheme, "https") ? 443 : 0;
  return g_strdup_printf ("%s://%s:%d", scheme, host, port);
}

gboolean
gh_cimd_same_origin (const char *a,
                     const char *b)
{
  g_autofree char *origin_a = NULL;
  g_autofree char *origin_b = NULL;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  origin_a = uri_origin (a);
  origin_b = uri_origin (b);
  return origin_a != NULL && g_strcmp0 (origin_a, origin_b) == 0;
}

/* The member of @jwk that holds private or symmetric key material, or NULL. */
static const char *
private_key_member (JsonObject *jwk)
{
  static const char * const private_members[] = { "d", "p", "q", "dp", "dq", "qi", "k", "oth" };

  for (guint i = 0; i < G_N_ELEMENTS (private_members); i++)
    if (json_object_has_member (jwk, private_members[i]))
      return private_members[i];
  return NULL;
}

static void
check_keys (JsonObject              *raw,
            const char              *client_id_url,
            const char              *auth_method,
            GhCimdReport            *report)
{
  gboolean has_jwks = json_object_has_member (raw, "jwks");
  gboolean has_jwks_uri = json_object_has_member (raw, "jwks_uri");

  if (has_jwks)
    {
      JsonNode *node = json_object_get_member (raw, "jwks");
      JsonNode *keys_node = JSON_NODE_HOLDS_OBJECT (node) ?
                            json_object_get_member (json_node_get_object (node), "keys") : NULL;
      JsonArray *keys;
      gboolean ok = TRUE;

      if (keys_node == NULL || !JSON_NODE_HOLDS_ARRAY (keys_node))
        {
          gh_cimd_report_add_check (report, "document.jwks", GH_CIMD_FAIL,
                                    "jwks must be an object with a “keys” array (a JWK Set)");
          return;
        }
      keys = json_node_get_array (keys_node);
      for (guint i = 0; ok && i < json_array_get_length (keys); i++)
        {
          JsonNode *key = json_array_get_element (keys, i);
          const char *member;

          if (!JSON_NODE_HOLDS_OBJECT (key))
            {
              gh_cimd_report_add_check (report, "document.jwks", GH_CIMD_FAIL,
                                        "jwks.keys[%u] is not a JSON Web Key object", i);
              ok = FALSE;
            }
          else if ((member = private_key_member (json_node_get_object (key))) != NULL)
            {
              gh_cimd_report_add_check (report, "document.jwks", GH_CIMD_FAIL,
                                        "jwks.keys[%u] holds private or symmetric key material "
                                        "(member “%s”); the document is public, so publish "
                                        "public keys only", i, member);
              ok = FALSE;
            }
        }
      if (ok)
        gh_cimd_report_add_check (report, "document.jwks", GH_CIMD_PASS,
                                  "jwks holds %u public key(s)", json_array_get_length (keys));
    }

  if (has_jwks_uri)
    {
      JsonNode *node = json_object_get_member (raw, "jwks_uri");
      const char *jwks_uri = JSON_NODE_HOLDS_VALUE (node) &&
                             json_node_get_value_type (node) == G_TYPE_STRING ?
                             json_node_get_string (node) : NULL;
      g_autofree char *origin = jwks_uri != NULL ? uri_origin (jwks_uri) : NULL;
      g_autofree char *client_origin = uri_origin (client_id_url);

      if (jwks_uri == NULL)
        gh_cimd_report_add_check (report, "document.jwks_uri", GH_CIMD_FAIL,
                                  "jwks_uri must be a string URL");
      else if (origin == NULL || g_strcmp0 (origin, client_origin) != 0)
        gh_cimd_report_add_check (report, "document.jwks_uri", GH_CIMD_FAIL,
                                  "jwks_uri “%s” is not on the client_id's origin (%s); "
                                  "the keys must come from the same scheme, host and port",
                                  jwks_uri, client_origin);
      else
        gh_cimd_report_add_check (report, "document.jwks_uri", GH_CIMD_PASS,
                                  "jwks_uri is on the client_id's origin");
    }

  if (g_strcmp0 (auth_method, "private_key_jwt") == 0 && !has_jwks && !has_jwks_uri)
    gh_cimd_report_add_check (report, "document.jwks", GH_CIMD_FAIL,
                              "token_endpoint_auth_method is private_key_jwt, but the document "
                              "has neither jwks nor jwks_uri for the client's public keys");
}

static const char *
string_member (JsonObject *object,
               const char *name,
               gboolean   *present)
{
  JsonNode *node = json_object_get_member (object, name);

  *present = node != NULL;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

JsonObject *
gh_cimd_check_document (const char               *data,
                        gsize                     len,
                        const char               *client_id_url,
                        const GhProjectSettings  *settings,
                        GhCimdReport             *report)
{
  g_autoptr(JsonObject) raw = NULL;
  g_autoptr(JsonObject) validated = NULL;
  g_autoptr(GError) error = NULL;
  const char *text;
  const char *auth_method;
  gboolean present;
  gboolean failed = FALSE;
  JsonNode *node;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (client_id_url != NULL, NULL);
  g_return_val_if_fail (settings != NULL, NULL);
  g_return_val_if_fail (report != NULL, NULL);

  raw = gh_json_parse_object_strict (data, len, &error);
  if (raw == NULL)
    {
      gh_cimd_report_add_check (report, "document.json", GH_CIMD_FAIL,
                                "The document is not a strict JSON object: %s", error->message);
      return NULL;
    }
  gh_cimd_report_add_check (report, "document.json", GH_CIMD_PASS,
                            "The document is a JSON object");
  gh_cimd_report_set_raw_document (report, raw);

  /* client_id */
  text = string_member (raw, "client_id", &present);
  if (text == NULL)
    gh_cimd_report_add_check (report, "document.client_id", GH_CIMD_FAIL,
                              "The document has no client_id string; it must repeat the URL it "
                              "is served from, “%s”", client_id_url);
  else if (strcmp (text, client_id_url) != 0)
    {
      gh_cimd_report_add_check (report, "document.client_id", GH_CIMD_FAIL,
                                "The document's client_id “%s” is not byte for byte the URL it "
                                "was fetched from, “%s”", text, client_id_url);
      gh_cimd_report_set_compared (report, client_id_url, text);
    }
  else
    gh_cimd_report_add_check (report, "document.client_id", GH_CIMD_PASS,
                              "client_id equals the URL");

  /* redirect_uris */
  node = json_object_get_member (raw, "redirect_uris");
  if (node == NULL)
    gh_cimd_report_add_check (report, "document.redirect_uris", GH_CIMD_FAIL,
                              "redirect_uris is missing; the document must list at least one "
                              "redirect URI");
  else if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) == 0)
    gh_cimd_report_add_check (report, "document.redirect_uris", GH_CIMD_FAIL,
                              "redirect_uris must be a non-empty array of strings");
  else
    {
      JsonArray *uris = json_node_get_array (node);
      gboolean ok = TRUE;

      for (guint i = 0; ok && i < json_array_get_length (uris); i++)
        {
          JsonNode *item = json_array_get_element (uris, i);
          g_autoptr(GError) uri_error = NULL;

          if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
            {
              gh_cimd_report_add_check (report, "document.redirect_uris", GH_CIMD_FAIL,
                                        "redirect_uris[%u] is not a string", i);
              ok = FALSE;
            }
          else if (!gh_redirect_uri_check (json_node_get_string (item), settings, &uri_error))
            {
              gh_cimd_report_add_check (report, "document.redirect_uris", GH_CIMD_FAIL,
                                        "redirect_uris[%u]: %s", i, uri_error->message);
              ok = FALSE;
            }
        }
      if (ok)
        gh_cimd_report_add_check (report, "document.redirect_uris", GH_CIMD_PASS,
                                  "%u redirect URI(s), all valid", json_array_get_length (uris));
    }

  /* client_name: optional in RFC 7591 and in the CIMD draft; consent falls back to the host. */
  text = string_member (raw, "client_name", &present);
  if (!present)
    gh_cimd_report_add_check (report, "document.client_name", GH_CIMD_WARN,
                              "client_name is absent; the consent page will name the client by "
                              "the client_id host only");
  else if (text == NULL || *text == '\0')
    gh_cimd_report_add_check (report, "document.client_name", GH_CIMD_FAIL,
                              "client_name must be a non-empty string");
  else
    gh_cimd_report_add_check (report, "document.client_name", GH_CIMD_PASS,
                              "client_name is “%s”", text);

  /* No shared secrets: the document is public. */
  if (json_object_has_member (raw, "client_secret") ||
      json_object_has_member (raw, "client_secret_expires_at"))
    gh_cimd_report_add_check (report, "document.client_secret", GH_CIMD_FAIL,
                              "The document contains %s; a CIMD client has no shared secret, "
                              "since anyone can read the document",
                              json_object_has_member (raw, "client_secret") ?
                              "client_secret" : "client_secret_expires_at");

  auth_method = string_member (raw, "token_endpoint_auth_method", &present);
  if (!present)
    {
      auth_method = "none";
      gh_cimd_report_add_check (report, "document.token_endpoint_auth_method", GH_CIMD_PASS,
                                "token_endpoint_auth_method is absent: a public client (none)");
    }
  else if (auth_method == NULL)
    gh_cimd_report_add_check (report, "document.token_endpoint_auth_method", GH_CIMD_FAIL,
                              "token_endpoint_auth_method must be a string");
  else if (g_str_has_prefix (auth_method, "client_secret_"))
    gh_cimd_report_add_check (report, "document.token_endpoint_auth_method", GH_CIMD_FAIL,
                              "token_endpoint_auth_method “%s” needs a shared secret, which a "
                              "CIMD client cannot have; use none or private_key_jwt", auth_method);
  else if (!g_str_equal (auth_method, "none") && !g_str_equal (auth_method, "private_key_jwt"))
    gh_cimd_report_add_check (report, "document.token_endpoint_auth_method", GH_CIMD_FAIL,
                              "token_endpoint_auth_method “%s” is not supported; use none or "
                              "private_key_jwt", auth_method);
  else
    gh_cimd_report_add_check (report, "document.token_endpoint_auth_method", GH_CIMD_PASS,
                              "token_endpoint_auth_method is %s", auth_method);

  check_keys (raw, client_id_url, auth_method, report);

  failed = gh_cimd_report_get_verdict (report) == GH_CIMD_FAIL;
  if (failed)
    return NULL;

  /* Grant and response types, application_type, URLs and lengths: the rules DCR uses. */
  validated = gh_client_metadata_validate (raw, settings, "none", &error);
  if (validated == NULL)
    {
      gh_cimd_report_add_check (report, "document.metadata", GH_CIMD_FAIL,
                                "The client metadata is not acceptable: %s", error->message);
      return NULL;
    }
  gh_cimd_report_add_check (report, "document.metadata", GH_CIMD_PASS,
                            "Grant types, response types and the other metadata are consistent");
  gh_cimd_report_set_document (report, validated);
  return g_steal_pointer (&validated);
}

JsonObject *
gh_cimd_check_jwks (const char   *data,
                    gsize         len,
                    GhCimdReport *report)
{
  g_autoptr(JsonObject) jwks = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  JsonArray *keys;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (report != NULL, NULL);

  jwks = gh_json_parse_object_strict (data, len, &error);
  if (jwks == NULL)
    {
      gh_cimd_report_add_check (report, "jwks.json", GH_CIMD_FAIL,
                                "The JWK Set is not a strict JSON object: %s", error->message);
      return NULL;
    }
  gh_cimd_report_add_check (report, "jwks.json", GH_CIMD_PASS, "The JWK Set is a JSON object");

  node = json_object_get_member (jwks, "keys");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (json_node_get_array (node)) == 0)
    {
      gh_cimd_report_add_check (report, "jwks.keys", GH_CIMD_FAIL,
                                "The JWK Set has no “keys” array with at least one key");
      return NULL;
    }
  keys = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (keys); i++)
    {
      JsonNode *key = json_array_get_element (keys, i);
      JsonNode *kty = JSON_NODE_HOLDS_OBJECT (key) ?
                      json_object_get_member (json_node_get_object (key), "kty") : NULL;
      const char *member;

      if (kty == NULL || !JSON_NODE_HOLDS_VALUE (kty) ||
          json_node_get_value_type (kty) != G_TYPE_STRING)
        {
          gh_cimd_report_add_check (report, "jwks.keys", GH_CIMD_FAIL,
                                    "keys[%u] is not a JSON Web Key (an object with a string "
                                    "“kty”)", i);
          return NULL;
        }
      if ((member = private_key_member (json_node_get_object (key))) != NULL)
        {
          gh_cimd_report_add_check (report, "jwks.keys", GH_CIMD_FAIL,
                                    "keys[%u] holds private or symmetric key material (member "
                                    "“%s”); a jwks_uri must publish "
                                    "public keys only", i, member);
          return NULL;
        }
      if (json_object_has_member (json_node_get_object (key), "kid") &&
          gh_json_get_string (json_node_get_object (key), "kid") == NULL)
        {
          gh_cimd_report_add_check (report, "jwks.keys", GH_CIMD_FAIL,
                                    "keys[%u] has a kid that is not a string", i);
          return NULL;
        }
    }
  gh_cimd_report_add_check (report, "jwks.keys", GH_CIMD_PASS, "The JWK Set holds %u public "
                            "key(s)", json_array_get_length (keys));
  return g_steal_pointer (&jwks);
}
