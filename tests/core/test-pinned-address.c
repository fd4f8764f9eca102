/* test-pinned-address.c — the connectable that pins a fetch to the addresses checked for it
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gh-pinned-address.h"

static GSocketConnectable *
pinned_new (const char *hostname)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (addresses, g_inet_address_new_from_string ("192.0.2.7"));
  g_ptr_array_add (addresses, g_inet_address_new_from_string ("2001:db8::7"));
  return gh_pinned_address_new (hostname, 8443, "https", addresses);
}

/* Every address the enumerator yields, as text, then the end with no error. */
static char *
enumerate_all (GSocketAddressEnumerator *enumerator)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  GSocketAddress *address;

  while ((address = g_socket_address_enumerator_next (enumerator, NULL, &error)) != NULL)
    {
      g_autofree char *text = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));

      g_assert_true (G_IS_INET_SOCKET_ADDRESS (address));
      g_string_append_printf (out, "%s%s", out->len > 0 ? " " : "", text);
      g_object_unref (address);
    }
  g_assert_no_error (error);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The host name stays for SNI and certificate checks; the port and scheme are the URL's. */
static void
test_keeps_name (void)
{
  g_autoptr(GSocketConnectable) pinned = pinned_new ("app.example");

  g_assert_true (GH_IS_PINNED_ADDRESS (pinned));
  g_assert_true (G_IS_NETWORK_ADDRESS (pinned));
  g_assert_cmpstr (g_network_address_get_hostname (G_NETWORK_ADDRESS (pinned)), ==,
                   "app.example");
  g_assert_cmpuint (g_network_address_get_port (G_NETWORK_ADDRESS (pinned)), ==, 8443);
  g_assert_cmpstr (g_network_address_get_scheme (G_NETWORK_ADDRESS (pinned)), ==, "https");
}

/* Only the checked addresses, in order, at the URL's port: no lookup of the name (which here
 * does not even resolve), and the same through the proxy path, which must not add a proxy. */
static void
test_enumerates_only_checked (void)
{
  g_autoptr(GSocketConnectable) pinned = pinned_new ("no-such-host.invalid");
  g_autoptr(GSocketAddressEnumerator) direct = g_socket_connectable_enumerate (pinned);
  g_autoptr(GSocketAddressEnumerator) proxied = g_socket_connectable_proxy_enumerate (pinned);
  g_autofree char *direct_text = enumerate_all (direct);
  g_autofree char *proxied_text = enumerate_all (proxied);

  g_assert_cmpstr (direct_text, ==, "192.0.2.7:8443 [2001:db8::7]:8443");
  g_assert_cmpstr (proxied_text, ==, direct_text);
}

static void
test_cancelled (void)
{
  g_autoptr(GSocketConnectable) pinned = pinned_new ("app.example");
  g_autoptr(GSocketAddressEnumerator) enumerator = g_socket_connectable_enumerate (pinned);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_null (g_socket_address_enumerator_next (enumerator, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/pinned-address/keeps-name", test_keeps_name);
  g_test_add_func ("/pinned-address/enumerates-only-checked", test_enumerates_only_checked);
  g_test_add_func ("/pinned-address/cancelled", test_cancelled);

  return g_test_run ();
}
