/*
 * lxd-snapshot.h - an instance's snapshots through LXD's API (backend.h's
 * snapshot_create, snapshot_list, snapshot_restore):
 * POST /1.0/instances/NAME/snapshots, GET ...?recursion=1, and
 * PUT /1.0/instances/NAME {"restore": SNAP}.  Stateless: files only.
 */
#ifndef CTGATE_LXD_SNAPSHOT_H
#define CTGATE_LXD_SNAPSHOT_H

#include "backend.h"
#include "lxd-client.h"

enum ct_err lxd_snapshot_create(struct lxd *lxd, const char *name, const char *snap,
                                struct ct_error *err);
enum ct_err lxd_snapshot_list(struct lxd *lxd, const char *name, struct backend_snapshot **out,
                              size_t *n, struct ct_error *err);
enum ct_err lxd_snapshot_restore(struct lxd *lxd, const char *name, const char *snap,
                                 struct ct_error *err);
enum ct_err lxd_snapshot_delete(struct lxd *lxd, const char *name, const char *snap,
                                struct ct_error *err);

#endif
