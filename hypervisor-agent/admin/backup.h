/*
 * backup.h - `ctgate-agent backup --all [--keep N] DIR`: a backup of every
 * ctgate container into DIR, for a systemd timer (conf/ctgate-backup.*,
 * off until an admin enables it) or cron.
 *
 * Each container's backup is the same file a user's `export` streams (the
 * backend's export_backup), written to DIR/NAME/NAME-YYYYMMDDTHHMMSSZ.tar.gz
 * through a hidden partial file that is renamed only once complete and
 * synced (a failure leaves no partial file), with a NAME-….tar.gz.sha256
 * beside it in sha256sum's format.  Then only the newest N of that
 * container stay (--keep, default backup.keep); directories of containers
 * that are gone are left alone.  DIR is made (0700) when missing.  Every
 * backup is an audit record by the actor @backup, and printed and logged.
 * Returns 0 when every container was backed up, else the code of the last
 * failure (the others are still attempted).
 */
#ifndef CTGATE_BACKUP_H
#define CTGATE_BACKUP_H

#include <stdbool.h>

#include "error.h"

struct admin_ctx;

/* The value of --keep: a count 1 … 1000. */
bool backup_keep_valid(const char *value);
/* A row of the subcommand table (admin.h): config and backend are open. */
int backup_run(struct admin_ctx *ctx);
/* A failed startup step ("backup: open lxd: FAILED: ..."). */
int backup_failed(const char *step, const char *subject, const struct ct_error *err);

#endif
