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

#include <stdbool.h>

int reap_run(const char *config_path, bool dry_run);

#endif
