/* gh-scopes.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-resources.h"

G_BEGIN_DECLS

/* The most scopes a recorded resource keeps as information (resource list). */
#define GH_SCOPES_RECORDED_MAX 32

/* A person-readable line for a standard scope (consent page); NULL for any other scope. */
const char  *gh_scope_describe       (const char         *scope);
/* openid, profile, email, offline_access. */
gboolean     gh_scope_is_standard    (const char         *scope);
/* RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
gboolean     gh_scope_is_token       (const char         *scope);
/* A listed resource is one an administrator added; a recorded one, or one not in the
 * store (id 0), is not, and defines no scope. */
gboolean     gh_resource_is_listed   (const GhResource   *resource);
/* Of @scopes, those an access token for @target carries: the standard ones and, when
 * @target is listed, those it defines; when it is not, the others that no listed resource
 * of @named (the resources the request named, @target among them) defines. */
char       **gh_scopes_for_resource  (const char * const *scopes,
                                      GPtrArray          *named,
                                      const GhResource   *target);
/* @text as an RFC 6749 error_description may carry it: %x20-21 / %x23-5B / %x5D-7E, any
 * other byte replaced by '?'. */
char        *gh_scopes_printable     (const char         *text);

G_END_DECLS
