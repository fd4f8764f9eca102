/* gh-pinned-address.c — a connectable for a host name pinned to checked addresses
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cimd"

#include "config.h"

#include "gh-pinned-address.h"

/* A connectable for the URL's host name whose addresses are only the ones we checked.
 *
 * libsoup hands the session's remote-connectable to the TLS connection as its server
 * identity: a bare GInetSocketAddress would send no SNI and verify the certificate against
 * the IP. A GNetworkAddress keeps the host name for SNI and verification, and overriding
 * its enumeration pins the connection to the checked addresses. */

struct _GhPinnedEnumerator
{
  GSocketAddressEnumerator parent_instance;
  GPtrArray *addresses; /* GInetSocketAddress */
  guint next;
};

#define GH_TYPE_PINNED_ENUMERATOR (gh_pinned_enumerator_get_type ())
G_DECLARE_FINAL_TYPE (GhPinnedEnumerator, gh_pinned_enumerator, GH, PINNED_ENUMERATOR,
                      GSocketAddressEnumerator)
G_DEFINE_FINAL_TYPE (GhPinnedEnumerator, gh_pinned_enumerator, G_TYPE_SOCKET_ADDRESS_ENUMERATOR)

static GSocketAddress *
gh_pinned_enumerator_next (GSocketAddressEnumerator  *enumerator,
                           GCancellable              *cancellable,
                           GError                   **error)
{
  GhPinnedEnumerator *self = GH_PINNED_ENUMERATOR (enumerator);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (self->next >= self->addresses->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->addresses, self->next++));
}

static void
gh_pinned_enumerator_finalize (GObject *object)
{
  GhPinnedEnumerator *self = GH_PINNED_ENUMERATOR (object);

  g_clear_pointer (&self->addresses, g_ptr_array_unref);
  G_OBJECT_CLASS (gh_pinned_enumerator_parent_class)->finalize (object);
}

static void
gh_pinned_enumerator_class_init (GhPinnedEnumeratorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gh_pinned_enumerator_finalize;
  /* The default next_async runs next() and returns at once, which is all we need. */
  G_SOCKET_ADDRESS_ENUMERATOR_CLASS (klass)->next = gh_pinned_enumerator_next;
}

static void
gh_pinned_enumerator_init (GhPinnedEnumerator *self)
{
}

struct _GhPinnedAddress
{
  GNetworkAddress parent_instance;
  GPtrArray *addresses; /* GInetSocketAddress */
};


static void gh_pinned_address_connectable_init (GSocketConnectableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GhPinnedAddress, gh_pinned_address, G_TYPE_NETWORK_ADDRESS,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SOCKET_CONNECTABLE,
                                                      gh_pinned_address_connectable_init))

static GSocketAddressEnumerator *
gh_pinned_address_enumerate (GSocketConnectable *connectable)
{
  GhPinnedAddress *self = GH_PINNED_ADDRESS (connectable);
  GhPinnedEnumerator *enumerator = g_object_new (GH_TYPE_PINNED_ENUMERATOR, NULL);

  enumerator->addresses = g_ptr_array_ref (self->addresses);
  return G_SOCKET_ADDRESS_ENUMERATOR (enumerator);
}

static void
gh_pinned_address_connectable_init (GSocketConnectableIface *iface)
{
  /* No proxy either: the checked address is the peer. */
  iface->enumerate = gh_pinned_address_enumerate;
  iface->proxy_enumerate = gh_pinned_address_enumerate;
}

static void
gh_pinned_address_finalize (GObject *object)
{
  GhPinnedAddress *self = GH_PINNED_ADDRESS (object);

  g_clear_pointer (&self->addresses, g_ptr_array_unref);
  G_OBJECT_CLASS (gh_pinned_address_parent_class)->finalize (object);
}

static void
gh_pinned_address_class_init (GhPinnedAddressClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gh_pinned_address_finalize;
}

static void
gh_pinned_address_init (GhPinnedAddress *self)
{
}

GSocketConnectable *
gh_pinned_address_new (const char *hostname,
                       guint16     port,
                       const char *scheme,
                       GPtrArray  *inet_addresses)
{
  GhPinnedAddress *self = g_object_new (GH_TYPE_PINNED_ADDRESS,
                                        "hostname", hostname,
                                        "port", port,
                                        "scheme", scheme,
                                        NULL);

  self->addresses = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < inet_addresses->len; i++)
    g_ptr_array_add (self->addresses,
                     g_inet_socket_address_new (g_ptr_array_index (inet_addresses, i), port));
  return G_SOCKET_CONNECTABLE (self);
}
