/* test-cimd-policy.c — CIMD URL rules, special-use addresses in every notation, domain lists
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gh-cimd-policy.h"
#include "gh-cimd-report.h"

static GhProjectSettings *
settings_new (gboolean allow_loopback)
{
  GhProjectSettings *settings = gh_project_settings_new (GH_SETTINGS_PROFILE_PRODUCTION);

  settings->cimd_enabled = TRUE;
  settings->allow_loopback_cimd = allow_loopback;
  return settings;
}

static void
test_is_url_client_id (void)
{
  g_assert_true (gh_cimd_is_url_client_id ("https://app.example/client.json"));
  g_assert_true (gh_cimd_is_url_client_id ("http://localhost/client.json"));
  g_assert_true (gh_cimd_is_url_client_id ("HTTPS://app.example/client.json"));
  g_assert_false (gh_cimd_is_url_client_id ("client_0123456789abcdef01234567"));
  g_assert_false (gh_cimd_is_url_client_id ("https:/app.example/x"));
  g_assert_false (gh_cimd_is_url_client_id ("ftp://app.example/x"));
  g_assert_false (gh_cimd_is_url_client_id (""));
  g_assert_false (gh_cimd_is_url_client_id (NULL));
}

/* One row per URL rule (SECURITY.md, "CIMD fetch"). @check: the check the row is about. */
static const struct {
  const char *url;
  gboolean allow_loopback;
  GhCimdStatus verdict;
  const char *check;
} url_rows[] = {
  /* fine */
  { "https://app.example/oauth/client.json", FALSE, GH_CIMD_PASS, "url.scheme" },
  { "https://app.example/c", FALSE, GH_CIMD_PASS, "url.path" },
  { "https://app.example:8443/oauth/client.json", FALSE, GH_CIMD_PASS, "url.port" },
  { "https://app.example/a/b/c.json", FALSE, GH_CIMD_PASS, "url.path" },
  { "https://app.example/.well-known/client", FALSE, GH_CIMD_PASS, "url.path" },
  { "https://app.example/a..b/c", FALSE, GH_CIMD_PASS, "url.path" },
  /* a query is a warning */
  { "https://app.example/client.json?v=2", FALSE, GH_CIMD_WARN, "url.query" },
  { "https://app.example/client.json?", FALSE, GH_CIMD_WARN, "url.query" },
  /* scheme */
  { "http://app.example/oauth/client.json", FALSE, GH_CIMD_FAIL, "url.scheme" },
  { "http://app.example/oauth/client.json", TRUE, GH_CIMD_FAIL, "url.scheme" },
  { "ftp://app.example/oauth/client.json", FALSE, GH_CIMD_FAIL, "url.scheme" },
  { "http://localhost/oauth/client.json", FALSE, GH_CIMD_FAIL, "url.scheme" },
  { "http://localhost/oauth/client.json", TRUE, GH_CIMD_WARN, "url.scheme" },
  { "http://127.0.0.1:8080/oauth/client.json", TRUE, GH_CIMD_WARN, "url.scheme" },
  { "http://[::1]:8080/oauth/client.json", TRUE, GH_CIMD_WARN, "url.scheme" },
  { "http://127.0.0.1:8080/oauth/client.json", FALSE, GH_CIMD_FAIL, "url.scheme" },
  { "https://localhost/oauth/client.json", TRUE, GH_CIMD_WARN, "url.address" },
  { "https://localhost/oauth/client.json", FALSE, GH_CIMD_FAIL, "url.address" },
  { "https://dev.localhost/oauth/client.json", FALSE, GH_CIMD_FAIL, "url.address" },
  /* path */
  { "https://app.example", FALSE, GH_CIMD_FAIL, "url.path" },
  { "https://app.example/", FALSE, GH_CIMD_FAIL, "url.path" },
  { "https://app.example:443/", FALSE, GH_CIMD_FAIL, "url.path" },
  { "https://app.example?x=1", FALSE, GH_CIMD_FAIL, "url.path" },
  /* fragment */
  { "https://app.example/client.json#top", FALSE, GH_CIMD_FAIL, "url.fragment" },
  { "https://app.example/client.json#", FALSE, GH_CIMD_FAIL, "url.fragment" },
  /* userinfo */
  { "https://user@app.example/client.json", FALSE, GH_CIMD_FAIL, "url.userinfo" },
  { "https://user:pw@app.example/client.json", FALSE, GH_CIMD_FAIL, "url.userinfo" },
  { "https://@app.example/client.json", FALSE, GH_CIMD_FAIL, "url.userinfo" },
  /* dot segments, also percent-encoded */
  { "https://app.example/a/../client.json", FALSE, GH_CIMD_FAIL, "url.dot_segments" },
  { "https://app.example/a/./client.json", FALSE, GH_CIMD_FAIL, "url.dot_segments" },
  { "https://app.example/a/..", FALSE, GH_CIMD_FAIL, "url.dot_segments" },
  { "https://app.example/a/%2e%2e/client.json", FALSE, GH_CIMD_FAIL, "url.dot_segments" },
  { "https://app.example/a/%2E%2E/client.json", FALSE, GH_CIMD_FAIL, "url.dot_segments" },
  { "https://app.example/a/.%2E/client.json", FALSE, GH_CIMD_FAIL, "url.dot_segments" },
  { "https://app.example/a/%2e/client.json", FALSE, GH_CIMD_FAIL, "url.dot_segments" },
  /* port */
  { "https://app.example:0/client.json", FALSE, GH_CIMD_FAIL, "url.port" },
  /* syntax and host */
  { "https://app example/client.json", FALSE, GH_CIMD_FAIL, "url.syntax" },
  { "https://app.example/cli\\ent.json", FALSE, GH_CIMD_FAIL, "url.syntax" },
  { "https://app.example/clïent.json", FALSE, GH_CIMD_FAIL, "url.syntax" },
  { "https:///client.json", FALSE, GH_CIMD_FAIL, "url.host" },
  { "https://1.2.3.999/client.json", FALSE, GH_CIMD_FAIL, "url.host" },
  /* hosts written as special addresses */
  { "https://127.0.0.1/client.json", FALSE, GH_CIMD_FAIL, "url.address" },
  { "https://127.0.0.1/client.json", TRUE, GH_CIMD_WARN, "url.address" },
  { "https://2130706433/client.json", FALSE, GH_CIMD_FAIL, "url.address" },
  { "https://0177.0.0.1/client.json", FALSE, GH_CIMD_FAIL, "url.address" },
  { "https://0x7f.1/client.json", FALSE, GH_CIMD_FAIL, "url.address" },
  { "https://127.1/client.json", FALSE, GH_CIMD_FAIL, "url.address" },
  { "https://[::1]/client.json", FALSE, GH_CIMD_FAIL, "url.address" },
  { "https://[::ffff:127.0.0.1]/client.json", FALSE, GH_CIMD_FAIL, "url.address" },
  { "https://169.254.169.254/latest/meta-data", FALSE, GH_CIMD_FAIL, "url.address" },
  { "https://169.254.169.254/latest/meta-data", TRUE, GH_CIMD_FAIL, "url.address" },
  { "https://10.1.2.3/client.json", TRUE, GH_CIMD_FAIL, "url.address" },
  { "https://[fd00::1]/client.json", FALSE, GH_CIMD_FAIL, "url.address" },
  { "https://93.184.216.34/client.json", FALSE, GH_CIMD_PASS, "url.host" },
};

static void
test_url_rules (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (url_rows); i++)
    {
      g_autoptr(GhProjectSettings) settings = settings_new (url_rows[i].allow_loopback);
      g_autoptr(GhCimdReport) report = gh_cimd_report_new (url_rows[i].url);
      GhCimdStatus status;
      gboolean ok;

      g_test_message ("%s (loopback %s)", url_rows[i].url,
                      url_rows[i].allow_loopback ? "on" : "off");
      ok = gh_cimd_check_url (url_rows[i].url, settings, report);
      g_assert_cmpint (gh_cimd_report_get_verdict (report), ==, url_rows[i].verdict);
      g_assert_true (ok == (url_rows[i].verdict != GH_CIMD_FAIL));
      g_assert_true (gh_cimd_report_get_check_status (report, url_rows[i].check, &status));
      g_assert_cmpint (status, ==, url_rows[i].verdict);
      if (url_rows[i].verdict == GH_CIMD_FAIL)
        {
          g_assert_nonnull (gh_cimd_report_get_failure (report));
          g_assert_cmpstr (gh_cimd_report_get_failure_id (report), ==, url_rows[i].check);
        }
      else
        g_assert_null (gh_cimd_report_get_failure (report));
    }
}

/* Every special-use range, each in several notations. */
static const struct {
  const char *host;
  gboolean special;
  gboolean loopback;
} address_rows[] = {
  /* loopback, every notation */
  { "127.0.0.1", TRUE, TRUE },
  { "127.255.255.254", TRUE, TRUE },
  { "2130706433", TRUE, TRUE },
  { "0177.0.0.1", TRUE, TRUE },
  { "0177.0.0.01", TRUE, TRUE },
  { "0x7f.1", TRUE, TRUE },
  { "0x7f000001", TRUE, TRUE },
  { "0X7F.0.0.1", TRUE, TRUE },
  { "127.1", TRUE, TRUE },
  { "127.0.1", TRUE, TRUE },
  { "127.0.0.1.", TRUE, TRUE },
  { "017700000001", TRUE, TRUE },
  { "::1", TRUE, TRUE },
  { "[::1]", TRUE, TRUE },
  { "[0:0:0:0:0:0:0:1]", TRUE, TRUE },
  { "0000:0000:0000:0000:0000:0000:0000:0001", TRUE, TRUE },
  { "::ffff:127.0.0.1", TRUE, TRUE },
  { "[::ffff:127.0.0.1]", TRUE, TRUE },
  { "::ffff:7f00:1", TRUE, TRUE },
  { "[::ffff:7f00:0001]", TRUE, TRUE },
  /* unspecified and "this network" */
  { "0.0.0.0", TRUE, FALSE },
  { "0", TRUE, FALSE },
  { "0.1.2.3", TRUE, FALSE },
  { "::", TRUE, FALSE },
  { "[::]", TRUE, FALSE },
  /* RFC 1918 */
  { "10.0.0.1", TRUE, FALSE },
  { "012.0.0.1", TRUE, FALSE },
  { "167772161", TRUE, FALSE },
  { "0xa.0.0.1", TRUE, FALSE },
  { "172.16.0.1", TRUE, FALSE },
  { "172.31.255.255", TRUE, FALSE },
  { "192.168.1.1", TRUE, FALSE },
  { "192.168.257", TRUE, FALSE },
  { "::ffff:10.0.0.1", TRUE, FALSE },
  { "::ffff:c0a8:101", TRUE, FALSE },
  /* link-local, cloud metadata */
  { "169.254.169.254", TRUE, FALSE },
  { "2852039166", TRUE, FALSE },
  { "0xa9.0xfe.0xa9.0xfe", TRUE, FALSE },
  { "169.254.0.1", TRUE, FALSE },
  { "::ffff:169.254.169.254", TRUE, FALSE },
  { "fe80::1", TRUE, FALSE },
  { "fe80::1%eth0", TRUE, FALSE },
  { "[fe80::1%25eth0]", TRUE, FALSE },
  { "febf:ffff::1", TRUE, FALSE },
  /* CGNAT */
  { "100.64.0.1", TRUE, FALSE },
  { "100.127.255.254", TRUE, FALSE },
  /* multicast, broadcast, reserved */
  { "224.0.0.1", TRUE, FALSE },
  { "239.255.255.250", TRUE, FALSE },
  { "255.255.255.255", TRUE, FALSE },
  { "4294967295", TRUE, FALSE },
  { "240.0.0.1", TRUE, FALSE },
  { "ff02::1", TRUE, FALSE },
  { "ff05::2", TRUE, FALSE },
  /* ULA, site-local */
  { "fc00::1", TRUE, FALSE },
  { "fd12:3456:789a::1", TRUE, FALSE },
  { "fec0::1", TRUE, FALSE },
  /* IETF, documentation, benchmarking */
  { "192.0.0.8", TRUE, FALSE },
  { "192.0.2.1", TRUE, FALSE },
  { "198.18.0.1", TRUE, FALSE },
  { "198.19.255.255", TRUE, FALSE },
  { "198.51.100.7", TRUE, FALSE },
  { "203.0.113.9", TRUE, FALSE },
  { "2001:db8::1", TRUE, FALSE },
  /* IPv4-compatible, NAT64, 6to4 forms of special addresses */
  { "::127.0.0.1", TRUE, FALSE },
  { "::10.0.0.1", TRUE, FALSE },
  { "::8.8.8.8", TRUE, FALSE },
  { "64:ff9b::127.0.0.1", TRUE, FALSE },
  { "64:ff9b::a9fe:a9fe", TRUE, FALSE },
  { "64:ff9b:1::1", TRUE, FALSE },
  { "2002:7f00:1::1", TRUE, FALSE },
  { "2002:c0a8:101::1", TRUE, FALSE },
  { "2001:0:4136:e378:8000:63bf:3fff:fdd2", TRUE, FALSE },
  { "100::1", TRUE, FALSE },
  /* public: must pass */
  { "93.184.216.34", FALSE, FALSE },
  { "8.8.8.8", FALSE, FALSE },
  { "1.1.1.1", FALSE, FALSE },
  { "134744072", FALSE, FALSE },
  { "172.15.255.255", FALSE, FALSE },
  { "172.32.0.1", FALSE, FALSE },
  { "100.63.255.255", FALSE, FALSE },
  { "100.128.0.1", FALSE, FALSE },
  { "192.169.0.1", FALSE, FALSE },
  { "198.20.0.1", FALSE, FALSE },
  { "223.255.255.255", FALSE, FALSE },
  { "2606:4700:4700::1111", FALSE, FALSE },
  { "[2001:4860:4860::8888]", FALSE, FALSE },
  { "::ffff:8.8.8.8", FALSE, FALSE },
  { "64:ff9b::808:808", FALSE, FALSE },
  { "2002:808:808::1", FALSE, FALSE },
};

static void
test_special_addresses (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (address_rows); i++)
    {
      g_autoptr(GInetAddress) address = NULL;
      gboolean loopback = !address_rows[i].loopback;
      const char *reason;

      g_test_message ("%s", address_rows[i].host);
      address = gh_cimd_parse_ip_literal (address_rows[i].host);
      g_assert_nonnull (address);
      reason = gh_cimd_address_special_reason (address, &loopback);
      if (address_rows[i].special)
        g_assert_nonnull (reason);
      else
        g_assert_null (reason);
      g_assert_cmpint (loopback, ==, address_rows[i].loopback);
    }
}

static void
test_parse_ip_literal (void)
{
  static const struct {
    const char *host;
    const char *address;
  } rows[] = {
    { "2130706433", "127.0.0.1" },
    { "0177.0.0.1", "127.0.0.1" },
    { "0x7f.1", "127.0.0.1" },
    { "127.1", "127.0.0.1" },
    { "10.1.65535", "10.1.255.255" },
    { "0x0a.0x10.0x20.0x30", "10.16.32.48" },
    { "[::1]", "::1" },
    { "[0:0:0:0:0:0:0:1]", "::1" },
    { "::ffff:7f00:1", "::ffff:127.0.0.1" },
    { "fe80::1%eth0", "fe80::1" },
    /* DNS names and malformed numbers */
    { "app.example", NULL },
    { "localhost", NULL },
    { "1.2.3.4.5", NULL },
    { "256.1.1.1", NULL },
    { "1.2.3.256", NULL },
    { "4294967296", NULL },
    { "08.0.0.1", NULL },
    { "1..2", NULL },
    { "0x1g", NULL },
    { "[127.0.0.1]", NULL },
    { "[::1", NULL },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GInetAddress) address = gh_cimd_parse_ip_literal (rows[i].host);
      g_autofree char *text = address != NULL ? g_inet_address_to_string (address) : NULL;

      g_test_message ("%s", rows[i].host);
      g_assert_cmpstr (text, ==, rows[i].address);
    }
}

static void
test_domain_lists (void)
{
  static const struct {
    const char *allowed;
    const char *blocked;
    const char *host;
    gboolean ok;
  } rows[] = {
    { "", "", "app.example", TRUE },
    /* exact */
    { "app.example", "", "app.example", TRUE },
    { "app.example", "", "APP.Example", TRUE },
    { "app.example", "", "app.example.", TRUE },
    { "app.example", "", "sub.app.example", FALSE },
    { "app.example", "", "evilapp.example", FALSE },
    { "app.example", "", "other.example", FALSE },
    /* .host: the host and its subdomains */
    { ".app.example", "", "app.example", TRUE },
    { ".app.example", "", "a.b.app.example", TRUE },
    { ".app.example", "", "evilapp.example", FALSE },
    /* *.host: subdomains only */
    { "*.app.example", "", "app.example", FALSE },
    { "*.app.example", "", "cdn.app.example", TRUE },
    { "*.app.example", "", "evilapp.example", FALSE },
    /* blocked wins, in the same three forms */
    { "", "bad.example", "bad.example", FALSE },
    { "", "bad.example", "sub.bad.example", TRUE },
    { "", ".bad.example", "sub.bad.example", FALSE },
    { "", ".bad.example", "bad.example", FALSE },
    { "", "*.bad.example", "bad.example", TRUE },
    { "", "*.bad.example", "x.bad.example", FALSE },
    { ".example", "*.bad.example", "x.bad.example", FALSE },
    { ".example", "*.bad.example", "good.example", TRUE },
    { "a.example,b.example", "", "b.example", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GhProjectSettings) settings = settings_new (FALSE);
      g_autoptr(GError) error = NULL;
      g_autofree char *reason = NULL;
      gboolean ok;

      g_test_message ("allowed=%s blocked=%s host=%s", rows[i].allowed, rows[i].blocked,
                      rows[i].host);
      g_strfreev (settings->cimd_allowed_domains);
      settings->cimd_allowed_domains = g_strsplit (rows[i].allowed, ",", -1);
      g_strfreev (settings->cimd_blocked_domains);
      settings->cimd_blocked_domains = g_strsplit (rows[i].blocked, ",", -1);
      if (*rows[i].allowed == '\0')
        g_clear_pointer (&settings->cimd_allowed_domains[0], g_free);
      if (*rows[i].blocked == '\0')
        g_clear_pointer (&settings->cimd_blocked_domains[0], g_free);

      ok = gh_cimd_host_allowed (rows[i].host, settings, &reason);
      g_assert_cmpint (ok, ==, rows[i].ok);
      if (!ok)
        g_assert_nonnull (reason);
    }
}

static void
test_url_domain_check (void)
{
  g_autoptr(GhProjectSettings) settings = settings_new (FALSE);
  g_autoptr(GhCimdReport) report = gh_cimd_report_new ("https://evil.example/client.json");
  GhCimdStatus status;

  g_strfreev (settings->cimd_blocked_domains);
  settings->cimd_blocked_domains = g_strsplit ("evil.example", ",", -1);
  g_assert_false (gh_cimd_check_url ("https://evil.example/client.json", settings, report));
  g_assert_true (gh_cimd_report_get_check_status (report, "url.domain", &status));
  g_assert_cmpint (status, ==, GH_CIMD_FAIL);
}

static void
test_report_json (void)
{
  g_autoptr(GhCimdReport) report = gh_cimd_report_new ("https://app.example/c.json?x");
  g_autoptr(GhProjectSettings) settings = settings_new (FALSE);
  g_autoptr(JsonObject) json = NULL;
  JsonArray *checks;

  g_assert_true (gh_cimd_check_url ("https://app.example/c.json?x", settings, report));
  gh_cimd_report_set_cache (report, "miss", 60, "max-age=5 raised to the 60 s minimum", 1000);
  json_object_set_int_member (gh_cimd_report_get_network (report), "status", 200);
  json = gh_cimd_report_to_json (report);
  g_assert_cmpstr (json_object_get_string_member (json, "client_id"), ==,
                   "https://app.example/c.json?x");
  g_assert_cmpstr (json_object_get_string_member (json, "verdict"), ==, "warn");
  checks = json_object_get_array_member (json, "checks");
  g_assert_cmpuint (json_array_get_length (checks), >=, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (checks, 0),
                                                  "id"), ==, "url.syntax");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json, "network"),
                                               "status"), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json, "cache"),
                                                  "result"), ==, "miss");
  g_assert_false (json_object_has_member (json, "document"));
  /* The verdict is the worst status; the document is withheld once anything FAILs. */
  gh_cimd_report_set_document (report, json_object_new ());
  g_assert_nonnull (gh_cimd_report_get_document (report));
  gh_cimd_report_add_check (report, "document.client_id", GH_CIMD_FAIL, "mismatch %d", 1);
  g_assert_cmpint (gh_cimd_report_get_verdict (report), ==, GH_CIMD_FAIL);
  g_assert_null (gh_cimd_report_get_document (report));
  g_assert_cmpstr (gh_cimd_report_get_failure (report), ==, "mismatch 1");
}

/* A preview's report: SKIPs never decide the verdict, "expected"/"actual" come out, and the
 * checked document stays readable when only a project setting refuses. */
static void
test_report_skip_and_compared (void)
{
  g_autoptr(GhCimdReport) report = gh_cimd_report_new ("https://app.example/c.json");
  g_autoptr(JsonObject) json = NULL;
  JsonArray *checks;
  JsonObject *check;
  GhCimdStatus status;

  /* address.loopback stands for address.special. */
  gh_cimd_report_add_check (report, "address.loopback", GH_CIMD_WARN, "loopback");
  gh_cimd_report_add_check (report, "http.status", GH_CIMD_FAIL, "404");
  gh_cimd_report_set_compared (report, NULL, "404 Not Found");
  gh_cimd_report_add_skipped (report, "Not run: the resolution stopped at http.status");
  g_assert_cmpint (gh_cimd_report_get_verdict (report), ==, GH_CIMD_FAIL);
  g_assert_true (gh_cimd_report_get_check_status (report, "document.client_id", &status));
  g_assert_cmpint (status, ==, GH_CIMD_SKIP);
  g_assert_true (gh_cimd_report_get_check_status (report, "http.status", &status));
  g_assert_cmpint (status, ==, GH_CIMD_FAIL);
  /* What ran or was skipped already is not listed again. */
  gh_cimd_report_add_skipped (report, "again");
  json = gh_cimd_report_to_json (report);
  checks = json_object_get_array_member (json, "checks");
  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      check = json_array_get_object_element (checks, i);
      g_assert_cmpstr (json_object_get_string_member (check, "id"), !=, "address.special");
      if (g_str_equal (json_object_get_string_member (check, "id"), "http.status"))
        {
          g_assert_cmpstr (json_object_get_string_member (check, "actual"), ==, "404 Not Found");
          g_assert_cmpstr (json_object_get_string_member (check, "expected"), ==, "200");
          g_assert_cmpstr (json_object_get_string_member (check, "phase"), ==, "fetch");
        }
      g_assert_cmpstr (json_object_get_string_member (check, "message"), !=, "again");
    }

  /* Only SKIPs: the verdict is PASS. */
  g_clear_pointer (&report, gh_cimd_report_unref);
  report = gh_cimd_report_new ("https://app.example/c.json");
  gh_cimd_report_add_skipped (report, "Not run");
  g_assert_cmpint (gh_cimd_report_get_verdict (report), ==, GH_CIMD_PASS);
}

/* What only the project decides is named as a "policy.*" check, and lifted for a preview;
 * allow_loopback_cimd is kept. */
static void
test_project_policy (void)
{
  g_autoptr(GhProjectSettings) settings = settings_new (FALSE);
  g_autoptr(GhProjectSettings) preview = NULL;
  g_autoptr(GhCimdReport) report = gh_cimd_report_new ("http://localhost:8/c.json");
  g_autoptr(GhCimdReport) document = gh_cimd_report_new ("http://localhost:8/c.json");
  GhCimdStatus status;

  settings->cimd_enabled = FALSE;
  g_strfreev (settings->cimd_blocked_domains);
  settings->cimd_blocked_domains = g_strsplit ("localhost", ",", -1);
  g_assert_false (gh_cimd_check_project_policy ("http://localhost:8/c.json", "acme", settings,
                                                report));
  g_assert_true (gh_cimd_report_get_check_status (report, "policy.cimd_enabled", &status));
  g_assert_cmpint (status, ==, GH_CIMD_FAIL);
  g_assert_true (gh_cimd_report_get_check_status (report, "policy.domains", &status));
  g_assert_cmpint (status, ==, GH_CIMD_FAIL);
  g_assert_true (gh_cimd_report_get_check_status (report, "policy.allow_loopback_cimd",
                                                  &status));
  g_assert_cmpint (status, ==, GH_CIMD_FAIL);

  preview = gh_cimd_preview_settings (settings);
  g_assert_true (preview->cimd_enabled);
  g_assert_null (preview->cimd_blocked_domains[0]);
  g_assert_null (preview->cimd_allowed_domains[0]);
  g_assert_false (preview->allow_loopback_cimd);
  /* The preview's URL checks still refuse the loopback host. */
  g_assert_false (gh_cimd_check_url ("http://localhost:8/c.json", preview, document));
  g_assert_true (gh_cimd_report_get_check_status (document, "url.address", &status));
  g_assert_cmpint (status, ==, GH_CIMD_FAIL);
  g_assert_false (gh_cimd_report_get_check_status (document, "url.domain", NULL));

  /* The checked document outlives a policy FAIL appended after it. */
  gh_cimd_report_set_document (document, json_object_new ());
  gh_cimd_report_append_checks (document, report);
  g_assert_null (gh_cimd_report_get_document (document));
  g_assert_nonnull (gh_cimd_report_get_checked_document (document));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/cimd/url/is-url-client-id", test_is_url_client_id);
  g_test_add_func ("/core/cimd/url/rules", test_url_rules);
  g_test_add_func ("/core/cimd/url/domain-lists", test_url_domain_check);
  g_test_add_func ("/core/cimd/ssrf/special-addresses", test_special_addresses);
  g_test_add_func ("/core/cimd/ssrf/ip-literal-notations", test_parse_ip_literal);
  g_test_add_func ("/core/cimd/domains/allow-block", test_domain_lists);
  g_test_add_func ("/core/cimd/report/json", test_report_json);
  g_test_add_func ("/core/cimd/report/skip-and-compared", test_report_skip_and_compared);
  g_test_add_func ("/core/cimd/policy/project-settings", test_project_policy);

  return g_test_run ();
}
