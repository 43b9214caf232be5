/*
 * lxd-backup.h - an instance's backup through LXD's API (backend.h's
 * export_backup): POST /1.0/instances/NAME/backups (instance only, gzip, an
 * expiry), GET .../backups/B/export streamed to the caller, DELETE
 * .../backups/B on every path.  The tarball is what `lxc import` takes.
 */
#ifndef CTGATE_LXD_BACKUP_H
#define CTGATE_LXD_BACKUP_H

#include "backend.h"
#include "lxd-client.h"

enum ct_err lxd_backup_export(struct lxd *lxd, const char *name, struct backend_export *ex,
                              struct ct_error *err);

#endif
