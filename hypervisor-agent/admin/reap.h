/*
 * reap.h - `ctgate-agent reap [--dry-run]`: the expiry reaper, meant for a
 * systemd timer or cron (conf/ctgate-reap.service, .timer).
 *
 * For every ctgate container with an expiry (user.ctgate.expires): once it
 * has passed, a running container is stopped; once expiry.grace has passed
 * too, the container is deleted with the steps of `delete` (destroy,
 * release its name and ports, regenerate nginx).  Each action is printed
 * and logged.  Records of finished creates (STATE_DIR/requests) older than
 * requests.keep are removed.  --dry-run prints what it would do and
 * changes nothing.
 * Returns the exit code: 0 when every due action succeeded, else the code
 * of the last failure (the others are still attempted).
 */
#ifndef CTGATE_REAP_H
#define CTGATE_REAP_H

#include "error.h"

struct admin_ctx;

/* A row of the subcommand table (admin.h): config and backend are open. */
int reap_run(struct admin_ctx *ctx);
/* A failed startup step, reported as the reaper reports its actions ("open lxd: FAILED: ..."). */
int reap_failed(const char *step, const char *subject, const struct ct_error *err);

#endif
