/* test-iats.c — Initial Access Tokens, called directly (no HTTP), as the admin API will
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-error.h"
#include "gh-test-util.h"
#include "gh-time.h"

#define N_THREADS 20

typedef GhTestServices Fixture;

static GhIat *
issue (Fixture     *f,
       gint64       max_uses,
       const char  *pins_json,
       char       **out_token)
{
  g_autoptr(JsonObject) pins = pins_json != NULL ? gh_test_parse_object (pins_json) : NULL;
  g_autoptr(GError) error = NULL;
  GhIat *iat = gh_iats_issue (f->iats, f->project, "ci", max_uses, 3600, pins, "cli", out_token,
                              &error);

  g_assert_no_error (error);
  g_assert_nonnull (iat);
  return iat;
}

/* One use in its own transaction, committed when it passes; the error, if any. */
static GError *
use_once (GhStore         *store,
          GhIats          *iats,
          const GhProject *project,
          const char      *token)
{
  GError *error = NULL;
  g_autoptr(GhIat) iat = NULL;

  g_assert_true (gh_store_begin (store, NULL));
  iat = gh_iats_use (iats, project, token, &error);
  if (iat == NULL)
    {
      g_assert_nonnull (error);
      gh_store_rollback (store);
      return error;
    }
  g_assert_true (gh_store_commit (store, NULL));
  return NULL;
}

static void
test_issue (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *token = NULL;
  g_autoptr(GhIat) iat = issue (f, 3, "{\"token_endpoint_auth_method\": \"none\"}", &token);
  g_autoptr(GhIat) listed = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autofree char *actor = NULL;
  gint64 now = gh_now_seconds ();

  /* iatk_ + 256 random bits, shown once: the store keeps a hash. */
  g_assert_true (g_str_has_prefix (token, GH_IAT_PREFIX));
  g_assert_cmpuint (strlen (token), ==, 5 + 43);
  g_assert_true (g_str_has_prefix (iat->id, "iat_"));
  g_assert_cmpint (iat->max_uses, ==, 3);
  g_assert_cmpint (iat->uses, ==, 0);
  g_assert_cmpint (iat->expires_at, >=, now + 3600 - 5);
  g_assert_cmpstr (json_object_get_string_member (iat->pinned, "token_endpoint_auth_method"), ==,
                   "none");
  g_assert_true (gh_iat_is_usable (iat, now));

  listed = gh_test_services_find_iat (f, iat->id);
  g_assert_cmpstr (listed->label, ==, "ci");
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GhStmt) stmt = gh_store_prepare (f->store,
                                               "SELECT count(*) FROM initial_access_tokens "
                                               "WHERE token_hash = ?", &error);
    gboolean row;

    g_assert_no_error (error);
    gh_stmt_bind_text (stmt, 1, token);
    g_assert_true (gh_store_step (f->store, stmt, &row, &error));
    g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, 0);
  }

  g_assert_cmpuint (gh_test_count_audit (f->store, "iat.issued"), ==, 1);
  details = gh_test_last_audit (f->store, "iat.issued", NULL, &actor);
  g_assert_cmpstr (json_object_get_string_member (details, "iat_id"), ==, iat->id);
  g_assert_cmpint (json_object_get_int_member (details, "max_uses"), ==, 3);
  g_assert_cmpstr (actor, ==, "cli");
  /* Never the token itself. */
  {
    g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
    g_autofree char *text = NULL;

    json_node_set_object (node, details);
    text = json_to_string (node, FALSE);
    g_assert_null (strstr (text, token + 5));
  }
}

static void
test_issue_refused (Fixture       *f,
                    gconstpointer  data)
{
  static const struct { gint64 max_uses; gint64 expires_in; const char *pins; } rows[] = {
    { 0, 0, NULL },
    { -1, 0, NULL },
    { 1000001, 0, NULL },
    { 1, -1, NULL },
    { 1, 366 * 86400 + 1, NULL },
    { 1, 0, "{\"token_endpoint_auth_method\": \"password\"}" },
    { 1, 0, "{\"application_type\": \"desktop\"}" },
    { 1, 0, "{\"scope\": 42}" },
    { 1, 0, "{\"redirect_uri_prefixes\": []}" },
    { 1, 0, "{\"redirect_uri_prefixes\": [\"\"]}" },
    { 1, 0, "{\"client_name\": \"pinned\"}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(JsonObject) pins = rows[i].pins != NULL ? gh_test_parse_object (rows[i].pins)
                                                        : NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *token = NULL;
      g_autoptr(GhIat) iat = NULL;

      g_test_message ("row %u", i);
      iat = gh_iats_issue (f->iats, f->project, "x", rows[i].max_uses, rows[i].expires_in, pins,
                           "cli", &token, &error);
      g_assert_null (iat);
      g_assert_null (token);
      g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST);
    }
  g_assert_cmpuint (gh_test_count_audit (f->store, "iat.issued"), ==, 0);
}

static void
test_revoke (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *token = NULL;
  g_autoptr(GhIat) iat = issue (f, 3, NULL, &token);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhIat) revoked = NULL;

  g_assert_true (gh_iats_revoke (f->iats, f->project, iat->id, "cli", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gh_test_count_audit (f->store, "iat.revoked"), ==, 1);
  revoked = gh_test_services_find_iat (f, iat->id);
  g_assert_cmpint (revoked->revoked_at, >, 0);
  g_assert_false (gh_iat_is_usable (revoked, gh_now_seconds ()));

  /* Twice, or an unknown id: not found, no event. */
  g_assert_false (gh_iats_revoke (f->iats, f->project, iat->id, "cli", &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (gh_iats_revoke (f->iats, f->project, "iat_nope", "cli", &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
  g_assert_cmpuint (gh_test_count_audit (f->store, "iat.revoked"), ==, 1);
}

static void
test_use_refused (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *revoked_token = NULL;
  g_autofree char *expired_token = NULL;
  g_autofree char *once_token = NULL;
  g_autoptr(GhIat) revoked = issue (f, 5, NULL, &revoked_token);
  g_autoptr(GhIat) expired = issue (f, 5, NULL, &expired_token);
  g_autoptr(GhIat) once = issue (f, 1, NULL, &once_token);
  g_autoptr(GhProject) acme = NULL;
  g_autofree char *acme_token = NULL;
  g_autoptr(GhIat) acme_iat = NULL;
  g_autoptr(GError) error = NULL;
  const char *tokens[6];

  g_assert_true (gh_iats_revoke (f->iats, f->project, revoked->id, "cli", &error));
  {
    g_autoptr(GhStmt) stmt = gh_store_prepare (f->store,
                                               "UPDATE initial_access_tokens SET expires_at = ? "
                                               "WHERE id = ?", &error);

    g_assert_no_error (error);
    gh_stmt_bind_int64 (stmt, 1, gh_now_seconds () - 1);
    gh_stmt_bind_text (stmt, 2, expired->id);
    g_assert_true (gh_store_step (f->store, stmt, NULL, &error));
  }
  g_assert_null (use_once (f->store, f->iats, f->project, once_token));
  acme = gh_projects_create (f->projects, "acme", "ACME", GH_SETTINGS_PROFILE_PRODUCTION, "cli",
                             &error);
  g_assert_no_error (error);
  acme_iat = gh_iats_issue (f->iats, acme, "x", 5, 0, NULL, "cli", &acme_token, &error);
  g_assert_no_error (error);

  tokens[0] = "iatk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";  /* unknown */
  tokens[1] = "not-an-iat";
  tokens[2] = revoked_token;
  tokens[3] = expired_token;
  tokens[4] = once_token;                                        /* used up */
  tokens[5] = acme_token;                                        /* another project's */
  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      g_autoptr(GError) refused = use_once (f->store, f->iats, f->project, tokens[i]);

      g_test_message ("token %u", i);
      g_assert_error (refused, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN);
    }
  {
    g_autoptr(GhIat) after = gh_test_services_find_iat (f, once->id);

    g_assert_cmpint (after->uses, ==, 1);
  }
  g_assert_cmpuint (gh_test_count_audit (f->store, "iat.used"), ==, 1);
}

/* The use is counted in the caller's transaction, with its event: a rollback gives it back. */
static void
test_use_rolls_back (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *token = NULL;
  g_autoptr(GhIat) iat = issue (f, 1, NULL, &token);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GhIat) used = NULL;
      g_autoptr(GhIat) after = NULL;

      g_assert_true (gh_store_begin (f->store, &error));
      used = gh_iats_use (f->iats, f->project, token, &error);
      g_assert_no_error (error);
      g_assert_cmpint (used->uses, ==, 1);
      gh_store_rollback (f->store);
      after = gh_test_services_find_iat (f, iat->id);
      g_assert_cmpint (after->uses, ==, 0);
      g_assert_cmpuint (gh_test_count_audit (f->store, "iat.used"), ==, 0);
    }

  g_assert_null (use_once (f->store, f->iats, f->project, token));
  {
    g_autoptr(GhIat) after = gh_test_services_find_iat (f, iat->id);
    g_autoptr(JsonObject) details = gh_test_last_audit (f->store, "iat.used", NULL, NULL);

    g_assert_cmpint (after->uses, ==, 1);
    g_assert_cmpint (after->last_used_at, >, 0);
    g_assert_cmpint (json_object_get_int_member (details, "uses_left"), ==, 0);
  }
}

typedef struct
{
  GhStore   *store;
  GhAudit   *audit;
  GhIats    *iats;
  GhProject *project;
  const char *token;
  gboolean   ok;
} Worker;

static gpointer
worker_run (gpointer data)
{
  Worker *worker = data;
  g_autoptr(GError) error = use_once (worker->store, worker->iats, worker->project, worker->token);

  if (error != NULL)
    g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN);
  worker->ok = error == NULL;
  return NULL;
}

/* 20 connections use a 5-use token at once: exactly 5 pass. */
static void
test_use_parallel (Fixture       *f,
                   gconstpointer  data)
{
  Worker workers[N_THREADS] = { { 0 } };
  GThread *threads[N_THREADS];
  g_autofree char *token = NULL;
  g_autoptr(GhIat) iat = issue (f, 5, NULL, &token);
  g_autoptr(GhIat) after = NULL;
  guint passed = 0;

  for (guint i = 0; i < N_THREADS; i++)
    {
      g_autoptr(GError) error = NULL;

      workers[i].store = gh_store_open (f->dir, &error);
      g_assert_no_error (error);
      workers[i].audit = gh_audit_new (workers[i].store);
      workers[i].iats = gh_iats_new (workers[i].store, workers[i].audit);
      workers[i].project = gh_project_copy (f->project);
      workers[i].token = token;
    }
  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("iat-use", worker_run, &workers[i]);
  for (guint i = 0; i < N_THREADS; i++)
    {
      g_thread_join (threads[i]);
      passed += workers[i].ok;
      g_clear_object (&workers[i].iats);
      g_clear_object (&workers[i].audit);
      g_clear_object (&workers[i].store);
      g_clear_pointer (&workers[i].project, gh_project_free);
    }

  g_assert_cmpuint (passed, ==, 5);
  after = gh_test_services_find_iat (f, iat->id);
  g_assert_cmpint (after->uses, ==, 5);
  g_assert_cmpuint (gh_test_count_audit (f->store, "iat.used"), ==, 5);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, gh_test_services_setup, func, gh_test_services_teardown)
  ADD ("/core/iats/issue", test_issue);
  ADD ("/core/iats/issue-refused", test_issue_refused);
  ADD ("/core/iats/revoke", test_revoke);
  ADD ("/core/iats/use-refused", test_use_refused);
  ADD ("/core/iats/use-rolls-back", test_use_rolls_back);
  ADD ("/core/iats/use-parallel", test_use_parallel);
#undef ADD

  return g_test_run ();
}
