/* test-transport.c — how gatehouse-server serve listens: HTTPS with --tls-cert/--tls-key (a
 * certificate made at test time), loopback unless told otherwise, plain HTTP elsewhere only
 * with --insecure-http
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-crypto.h"
#include "gh-test-process.h"
#include "gh-test-tls.h"
#include "gh-test-util.h"

typedef struct
{
  char *base;        /* removed at the end */
  char *dir;         /* the data directory, in base */
  char *cert_path;   /* localhost's certificate, PEM */
  char *key_path;    /* its key */
  GhTestCertificates *certificates;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;

  fixture->base = gh_test_make_tmp_dir ("transport");
  fixture->dir = g_build_filename (fixture->base, "data", NULL);
  fixture->certificates = gh_test_certificates_new ();
  fixture->cert_path = g_build_filename (fixture->base, "localhost.pem", NULL);
  fixture->key_path = g_build_filename (fixture->base, "localhost-key.pem", NULL);
  g_object_get (fixture->certificates->localhost, "certificate-pem", &cert_pem,
                "private-key-pem", &key_pem, NULL);
  g_assert_true (g_file_set_contents (fixture->cert_path, cert_pem, -1, NULL));
  g_assert_true (g_file_set_contents (fixture->key_path, key_pem, -1, NULL));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->certificates, gh_test_certificates_free);
  gh_test_remove_tree (fixture->base);
  g_free (fixture->base);
  g_free (fixture->dir);
  g_free (fixture->cert_path);
  g_free (fixture->key_path);
}

typedef struct
{
  GSubprocess *process;
  char *listening;  /* the URL of "listening on URL", or NULL when it exited first */
  char *output;     /* what it wrote before that (standard output and error) */
} Served;

/* `gatehouse-server serve @args... --data-dir --secrets=file`, until it prints where it listens
 * or exits. */
static Served *
serve (Fixture            *fixture,
       const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GString) output = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  Served *served = g_new0 (Served, 1);
  char *line;

  g_ptr_array_add (argv, g_strdup (gh_test_server_binary ()));
  g_ptr_array_add (argv, g_strdup ("serve"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, g_strconcat ("--data-dir=", fixture->dir, NULL));
  g_ptr_array_add (argv, g_strdup ("--secrets=file"));
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_child_setup (launcher, gh_test_die_with_parent, NULL, NULL);
  served->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                  &error);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (served->process));
  while ((line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error)) != NULL)
    {
      g_test_message ("server: %s", line);
      if (g_str_has_prefix (line, "listening on "))
        {
          served->listening = g_strdup (line + strlen ("listening on "));
          g_free (line);
          break;
        }
      g_string_append_printf (output, "%s\n", line);
      g_free (line);
    }
  g_assert_no_error (error);
  served->output = g_string_free (g_steal_pointer (&output), FALSE);
  return served;
}

/* The exit status of a server that must stop by itself (a refusal). */
static int
served_exit_status (Served *served)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (served->listening);
  g_subprocess_wait (served->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (served->process));
  return g_subprocess_get_exit_status (served->process);
}

/* SIGTERM, and a clean exit. */
static void
served_stop (Served *served)
{
  g_autoptr(GError) error = NULL;

  if (served->listening != NULL)
    {
      g_subprocess_send_signal (served->process, SIGTERM);
      g_subprocess_wait (served->process, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (served->process));
      g_assert_cmpint (g_subprocess_get_exit_status (served->process), ==, 0);
    }
  g_clear_object (&served->process);
  g_free (served->listening);
  g_free (served->output);
  g_free (served);
}

static guint16
served_port (Served *served)
{
  g_assert_nonnull (served->listening);
  return (guint16) g_ascii_strtoull (strrchr (served->listening, ':') + 1, NULL, 10);
}

/* An admin token made with the CLI on the fixture's data directory. */
static char *
make_admin_token (Fixture *fixture)
{
  g_autofree char *out = NULL;

  g_assert_cmpint (GH_TEST_CLI (gh_test_server_binary (), fixture->dir, &out, "admin-token",
                                "create", "--label", "transport"), ==, 0);
  g_assert_true (g_str_has_prefix (out, "ghat_"));
  return g_strdup (g_strstrip (out));
}

/* A session that trusts the test CA, and nothing else. */
static SoupSession *
trusting_session (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (fixture->certificates->ca_path,
                                                              &error);

  g_assert_no_error (error);
  return soup_session_new_with_options ("tls-database", database, NULL);
}

static void
send_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GError **error = user_data;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              error);

  if (*error == NULL)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "no error");
}

/* The error of a GET of @url with @session, which must fail. */
static GError *
get_error (SoupSession *session,
           const char  *url)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  GError *error = NULL;

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, send_done, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  return error;
}

/* serve --tls-cert --tls-key: HTTPS only; the issuer, the metadata's endpoints and the listen
 * URL are https; the admin API answers over it and describes the certificate it serves; a
 * client that does not trust the CA, and plain HTTP, get nowhere. */
static void
test_tls (Fixture       *fixture,
          gconstpointer  data)
{
  g_autofree char *token = make_admin_token (fixture);
  g_autofree char *cert_arg = g_strconcat ("--tls-cert=", fixture->cert_path, NULL);
  g_autofree char *key_arg = g_strconcat ("--tls-key=", fixture->key_path, NULL);
  Served *served = serve (fixture, (const char *[]) { "--listen=127.0.0.1:0", cert_arg,
                                                      key_arg, NULL });
  g_autoptr(SoupSession) session = trusting_session (fixture);
  g_autoptr(SoupSession) untrusting = soup_session_new ();
  g_autoptr(GhTestResponse) metadata = NULL;
  g_autoptr(GhTestResponse) server = NULL;
  g_autoptr(GhTestResponse) projects = NULL;
  g_autoptr(GhTestResponse) anonymous = NULL;
  g_autoptr(JsonObject) document = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) fingerprint = g_string_new (NULL);
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;
  g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);
  g_autofree char *plain = NULL;
  JsonObject *certificate;
  guint8 digest[32];

  g_assert_nonnull (served->listening);
  g_assert_true (g_str_has_prefix (served->listening, "https://127.0.0.1:"));
  /* The certificate names localhost */
  base = g_strdup_printf ("https://localhost:%u", served_port (served));

  url = g_strconcat (base, "/.well-known/oauth-authorization-server", NULL);
  metadata = gh_test_http (session, "GET", url, NULL, NULL, NULL);
  g_assert_cmpuint (metadata->status, ==, 200);
  document = gh_test_response_json (metadata);
  g_assert_cmpstr (json_object_get_string_member (document, "issuer"), ==, served->listening);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (document, "token_endpoint"),
                                   "https://"));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (document, "jwks_uri"),
                                   "https://"));

  g_clear_pointer (&url, g_free);
  url = g_strconcat (base, "/admin/v1/server", NULL);
  server = gh_test_http (session, "GET", url, GH_TEST_PAIRS ("Authorization", authorization),
                         NULL, NULL);
  g_assert_cmpuint (server->status, ==, 200);
  object = gh_test_response_json (server);
  g_assert_true (json_object_get_boolean_member (object, "tls"));
  g_assert_cmpstr (json_object_get_string_member (object, "issuer_base"), ==,
                   served->listening);
  g_assert_cmpstr (json_array_get_string_element (
                     json_object_get_array_member (object, "listen_urls"), 0), ==,
                   served->listening);
  certificate = json_object_get_object_member (object, "tls_certificate");
  g_assert_nonnull (certificate);
  g_assert_cmpstr (json_object_get_string_member (certificate, "subject"), ==, "CN=localhost");
  g_assert_cmpstr (json_object_get_string_member (certificate, "issuer"), ==,
                   "CN=Gatehouse Test CA");
  /* gh-test-tls.c: valid for a day from now */
  g_assert_cmpint (json_object_get_int_member (certificate, "not_after"), >,
                   g_get_real_time () / G_USEC_PER_SEC + 86000);
  g_assert_cmpint (json_object_get_int_member (certificate, "not_after"), <=,
                   g_get_real_time () / G_USEC_PER_SEC + 86400);
  g_object_get (fixture->certificates->localhost, "certificate", &der, NULL);
  gh_sha256 (der->data, der->len, digest);
  for (guint i = 0; i < sizeof digest; i++)
    g_string_append_printf (fingerprint, "%s%02X", i > 0 ? ":" : "", digest[i]);
  g_assert_cmpstr (json_object_get_string_member (certificate, "sha256_fingerprint"), ==,
                   fingerprint->str);

  /* The rest of the admin API too, and its refusal */
  g_clear_pointer (&url, g_free);
  url = g_strconcat (base, "/admin/v1/projects", NULL);
  projects = gh_test_http (session, "GET", url, GH_TEST_PAIRS ("Authorization", authorization),
                           NULL, NULL);
  g_assert_cmpuint (projects->status, ==, 200);
  anonymous = gh_test_http (session, "GET", url, NULL, NULL, NULL);
  g_assert_cmpuint (anonymous->status, ==, 401);

  /* A client that does not trust the test CA stops at the handshake */
  error = get_error (untrusting, url);
  g_test_message ("untrusting client: %s", error->message);
  g_assert_true (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) ||
                 error->domain == G_TLS_ERROR);
  g_clear_error (&error);
  /* ... and plain HTTP gets no HTTP answer */
  plain = g_strdup_printf ("http://127.0.0.1:%u/admin/v1/server", served_port (served));
  error = get_error (untrusting, plain);
  g_test_message ("plain HTTP: %s", error->message);
  g_assert_false (g_str_equal (error->message, "no error"));

  served_stop (served);
}

/* Plain HTTP on an address that is not loopback is refused before anything listens (exit 2,
 * a message saying what to do), whether every address or one; loopback needs nothing. */
static void
test_non_loopback_refused (Fixture       *fixture,
                           gconstpointer  data)
{
  const char * const *refused[] = {
    (const char *[]) { "--listen=0.0.0.0:0", "--issuer-base=http://127.0.0.1:9", NULL },
    (const char *[]) { "--listen=[::]:0", "--issuer-base=http://127.0.0.1:9", NULL },
    (const char *[]) { "--listen=192.0.2.10:0", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      Served *served = serve (fixture, refused[i]);

      g_assert_cmpint (served_exit_status (served), ==, 2);
      g_assert_nonnull (strstr (served->output, "not a loopback address"));
      g_assert_nonnull (strstr (served->output, "--tls-cert"));
      g_assert_nonnull (strstr (served->output, "--insecure-http"));
      served_stop (served);
    }
  /* 127.0.0.0/8 and localhost are loopback */
  {
    Served *served = serve (fixture, (const char *[]) { "--listen=127.0.0.1:0", NULL });

    g_assert_nonnull (served->listening);
    served_stop (served);
    served = serve (fixture, (const char *[]) { "--listen=localhost:0", NULL });
    g_assert_nonnull (served->listening);
    served_stop (served);
  }
}

/* --insecure-http lets it listen on every address over plain HTTP; TLS needs no such flag. */
static void
test_non_loopback_allowed (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *cert_arg = g_strconcat ("--tls-cert=", fixture->cert_path, NULL);
  g_autofree char *key_arg = g_strconcat ("--tls-key=", fixture->key_path, NULL);
  g_autoptr(SoupSession) session = trusting_session (fixture);
  Served *served;

  served = serve (fixture, (const char *[]) { "--listen=0.0.0.0:0",
                                              "--issuer-base=http://127.0.0.1:9",
                                              "--insecure-http", NULL });
  g_assert_nonnull (served->listening);
  g_assert_true (g_str_has_prefix (served->listening, "http://0.0.0.0:"));
  {
    g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/jwks", served_port (served));
    g_autoptr(GhTestResponse) jwks = gh_test_http (session, "GET", url, NULL, NULL, NULL);

    g_assert_cmpuint (jwks->status, ==, 200);
  }
  served_stop (served);

  served = serve (fixture, (const char *[]) { "--listen=0.0.0.0:0",
                                              "--issuer-base=https://localhost:9",
                                              cert_arg, key_arg, NULL });
  g_assert_nonnull (served->listening);
  g_assert_true (g_str_has_prefix (served->listening, "https://0.0.0.0:"));
  {
    g_autofree char *url = g_strdup_printf ("https://localhost:%u/jwks", served_port (served));
    g_autoptr(GhTestResponse) jwks = gh_test_http (session, "GET", url, NULL, NULL, NULL);

    g_assert_cmpuint (jwks->status, ==, 200);
  }
  served_stop (served);
}

/* A certificate or key file that is missing or holds no PEM: the server does not start, and
 * the message names the file. */
static void
test_bad_tls_files (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *garbage = g_build_filename (fixture->base, "garbage.pem", NULL);
  g_autofree char *missing = g_build_filename (fixture->base, "missing.pem", NULL);
  g_autofree char *other_key = g_build_filename (fixture->base, "other-key.pem", NULL);
  g_autofree char *other_key_pem = NULL;
  const struct {
    const char *cert;
    const char *key;
    const char *named;
  } cases[] = {
    { garbage, fixture->key_path, garbage },
    { missing, fixture->key_path, missing },
    { fixture->cert_path, garbage, garbage },
    { fixture->cert_path, missing, missing },
    /* a key that is not the certificate's */
    { fixture->cert_path, other_key, other_key },
  };

  g_assert_true (g_file_set_contents (garbage, "not a certificate\n", -1, NULL));
  g_object_get (fixture->certificates->wrong_name, "private-key-pem", &other_key_pem, NULL);
  g_assert_true (g_file_set_contents (other_key, other_key_pem, -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *cert_arg = g_strconcat ("--tls-cert=", cases[i].cert, NULL);
      g_autofree char *key_arg = g_strconcat ("--tls-key=", cases[i].key, NULL);
      Served *served = serve (fixture, (const char *[]) { "--listen=127.0.0.1:0", cert_arg,
                                                          key_arg, NULL });

      g_assert_cmpint (served_exit_status (served), !=, 0);
      g_test_message ("%s", served->output);
      g_assert_nonnull (strstr (served->output, cases[i].named));
      served_stop (served);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/server/transport/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("tls", test_tls);
  ADD ("non-loopback-refused", test_non_loopback_refused);
  ADD ("non-loopback-allowed", test_non_loopback_allowed);
  ADD ("bad-tls-files", test_bad_tls_files);
#undef ADD

  return g_test_run ();
}
