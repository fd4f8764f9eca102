/* gh-pinned-address.h — a connectable for a host name pinned to checked addresses
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define GH_TYPE_PINNED_ADDRESS (gh_pinned_address_get_type ())

G_DECLARE_FINAL_TYPE (GhPinnedAddress, gh_pinned_address, GH, PINNED_ADDRESS, GNetworkAddress)

/* A GNetworkAddress for @hostname (so TLS sends SNI and verifies the certificate against the
 * name) whose enumeration, with or without a proxy, yields only @inet_addresses (GInetAddress,
 * each already checked) at @port: no DNS lookup of its own, no proxy. */
GSocketConnectable *gh_pinned_address_new (const char *hostname,
                                           guint16     port,
                                           const char *scheme,
                                           GPtrArray  *inet_addresses);

G_END_DECLS
