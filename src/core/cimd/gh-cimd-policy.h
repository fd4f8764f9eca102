/* gh-cimd-policy.h — the rules a Client ID Metadata Document URL must meet before any I/O
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gh-cimd-report.h"
#include "gh-project-settings.h"

G_BEGIN_DECLS

/* Pure functions, no I/O. */

/* Does @client_id start with https:// or http:// (any letter case)? Such ids are CIMD URLs
 * and never registered ones. */
gboolean      gh_cimd_is_url_client_id        (const char               *client_id);

/* URL rules: https (http only for loopback hosts when allow_loopback_cimd is on), a path
 * other than "/", no fragment, no userinfo, no dot segments (also %2e / %2E forms), a port is
 * fine; a query is a WARN. Then the host: the domain allow/block lists and, for a host written
 * as an IP literal in any notation or a localhost name, the address rules. Appends its checks
 * ("url.syntax", "url.scheme", "url.userinfo", "url.fragment", "url.host", "url.port",
 * "url.path", "url.dot_segments", "url.query", "url.domain", "url.address") to @report.
 * Returns FALSE on a FAIL. */
gboolean      gh_cimd_check_url               (const char               *url,
                                               const GhProjectSettings  *settings,
                                               GhCimdReport             *report);

/* What the project's settings alone decide for @url, as "policy.*" checks naming each setting:
 * cimd_enabled, the domain lists, and allow_loopback_cimd for a loopback host (a URL that does
 * not parse gets no check here). For previews, which then run the other checks with
 * gh_cimd_preview_settings(). Returns FALSE when a setting refuses. */
gboolean      gh_cimd_check_project_policy    (const char               *url,
                                               const char               *project_slug,
                                               const GhProjectSettings  *settings,
                                               GhCimdReport             *report);
/* @settings with what only the project decides lifted (cimd_enabled on, no domain lists), so
 * that a preview runs every check; allow_loopback_cimd is kept, since it decides where a fetch
 * may connect. */
GhProjectSettings *gh_cimd_preview_settings   (const GhProjectSettings  *settings);

/* Is @address special-use (loopback, private, link-local, CGNAT, multicast, documentation,
 * reserved, IPv4-mapped/-compatible or NAT64 forms of those, ...)? Returns a reason naming the
 * range, or NULL for an address a CIMD fetch may connect to. @is_loopback (optional) tells
 * whether the address is loopback in any form, which allow_loopback_cimd may permit. */
const char   *gh_cimd_address_special_reason  (GInetAddress             *address,
                                               gboolean                 *is_loopback);

/* A host written as an IP literal in any notation browsers and inet_aton() accept (decimal
 * 2130706433, octal 0177.0.0.1, hex 0x7f.1, short forms 127.1, trailing dot, bracketed IPv6,
 * IPv6 with a zone) -> the address; NULL for a DNS name. */
GInetAddress *gh_cimd_parse_ip_literal        (const char               *host);

/* Is @host a localhost name (localhost, *.localhost; RFC 6761) or a loopback IP literal? */
gboolean      gh_cimd_host_is_loopback        (const char               *host);

/* cimd_blocked_domains, then cimd_allowed_domains (when not empty). Entries: "host" exact,
 * ".host" the host and its subdomains, "*.host" subdomains only. On FALSE, @reason (optional)
 * says which entry or list refused the host. */
gboolean      gh_cimd_host_allowed            (const char               *host,
                                               const GhProjectSettings  *settings,
                                               char                    **reason);

/* Document rules: a strict JSON object (no duplicate keys, bounded depth), client_id
 * byte-equal to @client_id_url, redirect_uris present and valid, no client_secret, only the
 * none or private_key_jwt auth methods, public keys only, a jwks_uri on the client_id's
 * origin, then gh_client_metadata_validate() (default auth method none) for the rest.
 * Appends "document.*" checks to @report and sets its raw document. Returns the validated
 * metadata, or NULL on a FAIL. */
JsonObject   *gh_cimd_check_document          (const char               *data,
                                               gsize                     len,
                                               const char               *client_id_url,
                                               const GhProjectSettings  *settings,
                                               GhCimdReport             *report);

/* Do @a and @b have the same origin: scheme, host (letter case and a trailing dot aside) and
 * effective port? FALSE when either is not an absolute URL with a host. */
gboolean      gh_cimd_same_origin             (const char               *a,
                                               const char               *b);

/* JWK Set rules (a set fetched from a jwks_uri): a strict JSON object whose "keys" is a
 * non-empty array of JWK objects, each with a string "kty" and no private or symmetric key
 * material ("d", "p", "q", "dp", "dq", "qi", "k", "oth"). Appends "jwks.json" and "jwks.keys"
 * checks to @report. Returns the set, or NULL on a FAIL. */
JsonObject   *gh_cimd_check_jwks              (const char               *data,
                                               gsize                     len,
                                               GhCimdReport             *report);

G_END_DECLS
