/* gh-explain.h — "explain" objects: the rule a refusal applied, what it compared, and the fix
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Every refusal's audit event carries, in its details, an "explain" object:
 *
 *   { "rule": "redirect_uri.mismatch",          one name of the closed list below
 *     "message": "...",                          one sentence, for a person
 *     "expected": ..., "actual": ...,            what was compared (string, array or object;
 *                                                null when there is nothing to compare)
 *     "spec": "RFC 6749 §3.1.2.3",               the clause applied (the rule's, or null)
 *     "hint": "...",                             what usually causes it, or null
 *     "fix": { "action": "...", ... } }          a safe action (gh_explain_fix_actions()), or null
 *
 * Rules may add members of their own (redirect_uri.mismatch: "component"), never remove one.
 * The closed list is gh_explain_rules(); README ("Explain rules") is checked against it. */
typedef struct
{
  const char *rule;         /* "area.what" */
  const char *spec;         /* the clause it applies, or NULL */
  const char *description;  /* one line, as the README says it */
} GhExplainRule;

/* A fix the admin API can perform (POST /admin/v1/projects/{slug}/fixes) and the console can
 * offer as a button. */
typedef struct
{
  const char *action;       /* "allow_redirect_scheme" */
  const char *parameters;   /* its members besides "action", comma separated: "scheme" */
  const char *description;
} GhExplainFixAction;

const GhExplainRule      *gh_explain_rules        (guint *n_rules);
const GhExplainRule      *gh_explain_rule_lookup  (const char *rule);
const GhExplainFixAction *gh_explain_fix_actions  (guint *n_actions);
const GhExplainFixAction *gh_explain_fix_action_lookup (const char *action);

/* A new explain object for @rule, every member present ("spec" from the registry, the others
 * null), "message" formatted. @rule must be registered: anything else is a programming error
 * (a critical), and the object says rule "internal.unregistered_rule". */
JsonObject *gh_explain_new              (const char  *rule,
                                         const char  *message_format,
                                         ...) G_GNUC_PRINTF (2, 3);
/* Setters; a NULL string sets null. Strings that repeat client input are cut to
 * GH_REFLECT_MAX_VALUE bytes (gh-text.h) with a marker. */
void        gh_explain_set_expected     (JsonObject  *explain,
                                         const char  *expected);
void        gh_explain_set_actual       (JsonObject  *explain,
                                         const char  *actual);
/* Takes @node (an array or object of what was expected / seen). */
void        gh_explain_take_expected    (JsonObject  *explain,
                                         JsonNode    *node);
void        gh_explain_take_actual      (JsonObject  *explain,
                                         JsonNode    *node);
void        gh_explain_set_hint         (JsonObject  *explain,
                                         const char  *hint);
/* Sets "fix" to { "action": @action, @first_member: value, ... NULL }: member names and string
 * values in pairs. @action must be registered (a critical otherwise; nothing is set). */
void        gh_explain_set_fix          (JsonObject  *explain,
                                         const char  *action,
                                         const char  *first_member,
                                         ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
