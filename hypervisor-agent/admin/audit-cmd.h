/*
 * audit-cmd.h - `ctgate-agent [--config FILE] audit keygen|verify|show`:
 * the admin's side of the audit trail (audit.h), three rows of the
 * subcommand table (admin.h), which has loaded the configuration.
 *
 *   audit keygen                make the signing key (at install; nothing runs without it)
 *   audit verify [--pubkey F]   check every record; exit 0 intact, 5 not
 *   audit show [--user U] [--since T] [--name NAME] [--json]
 *                               print records; T is RFC 3339 or a duration ago ("2h")
 */
#ifndef CTGATE_AUDIT_CMD_H
#define CTGATE_AUDIT_CMD_H

#include <stdbool.h>
#include <time.h>

#include "error.h"

struct admin_ctx;

/* Each returns the exit code. */
int audit_keygen_run(struct admin_ctx *ctx);
int audit_verify_run(struct admin_ctx *ctx);
int audit_show_run(struct admin_ctx *ctx);
/* A failed startup step, on stderr ("ctgate-agent audit: ..."). */
int audit_failed(const char *step, const char *subject, const struct ct_error *err);
/* --since: RFC 3339 ("2026-11-23T16:00:00Z") or a duration ago ("2h"). */
bool audit_since_parse(const char *value, time_t *since);
bool audit_since_valid(const char *value);
/* A uid, or an internal actor ("@reaper"), for audit show --user. */
bool audit_actor_valid(const char *value);

#endif
