/*
 * op-snapshot.c - `snapshot NAME [SNAP] [--delete]` and `snapshots NAME`:
 * the owner's snapshots of their own container (its files, not its memory),
 * counted against their quota (quota.snapshots, across all their
 * containers; admins have none), under one lock so that two at once cannot
 * both take the last one.  restore is in op-power.c (it stops and starts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockfile.h"
#include "ops.h"
#include "policy.h"

#define SNAPSHOT_LOCK_WAIT_MS 10000

/* How many snapshots the owner's containers hold (each is asked: one call a container). */
static enum ct_err count_snapshots(struct agent_ctx *ctx, const char *owner, int *count,
                                   struct ct_error *err)
{
    struct backend_instance *all = NULL;
    size_t n = 0;
    *count = 0;
    enum ct_err rc = ctx->backend->list(ctx->handle, &all, &n, err);
    for (size_t i = 0; rc == CT_OK && i < n; i++) {
        if (strcmp(all[i].owner, owner) != 0) {
            continue;
        }
        struct backend_snapshot *snaps = NULL;
        size_t k = 0;
        rc = ctx->backend->snapshot_list(ctx->handle, all[i].name, &snaps, &k, err);
        if (rc == CT_ERR_NOT_FOUND) { /* deleted since the list */
            rc = CT_OK;
        }
        free(snaps);
        *count += (int)k;
    }
    free(all);
    return rc;
}

static enum ct_err take(struct agent_ctx *ctx, const struct request *req, const char *snap,
                        struct ct_error *err)
{
    const struct agent_config *cfg = ctx->cfg;
    char lock[PATH_MAX + 32];
    snprintf(lock, sizeof(lock), "%s/snapshots.lock", cfg->state_dir);
    int fd = lockfile_acquire(lock, SNAPSHOT_LOCK_WAIT_MS, err);
    if (fd < 0) {
        return err->code;
    }
    struct quota q = policy_quota(&cfg->policy, req->caller.uid,
                                  request_caller_in_group(req, cfg->admin_group));
    int count = 0;
    enum ct_err rc = CT_OK;
    if (q.snapshots > 0 && (rc = count_snapshots(ctx, req->caller.uid, &count, err)) == CT_OK &&
        count >= q.snapshots) {
        rc = ct_error_set(err, CT_ERR_QUOTA,
                          "you have %d snapshots, the most allowed is %d (snapshot NAME SNAP "
                          "--delete removes one)",
                          count, q.snapshots);
    }
    if (rc == CT_OK) {
        rc = ctx->backend->snapshot_create(ctx->handle, req->hostname, snap, err);
    }
    close(fd);
    return rc;
}

enum ct_err op_snapshot(struct agent_ctx *ctx, const struct request *req, json_t **data,
                        struct ct_error *err)
{
    struct backend_instance inst;
    enum ct_err rc = ops_get_own(ctx, req, &inst, err);
    if (rc != CT_OK) {
        return rc;
    }
    /* request_parse() named an unnamed one (snap-YYYYMMDD-HHMMSS), so the audit has it. */
    const char *snap = req->snapshot;
    if (snap[0] == '\0') {
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "--delete needs the snapshot's name");
    }
    if (req->snapshot_delete) {
        rc = ctx->backend->snapshot_delete(ctx->handle, req->hostname, snap, err);
    } else {
        rc = take(ctx, req, snap, err);
    }
    if (rc != CT_OK) {
        return rc;
    }
    *data = json_pack("{s:s, s:s, s:b}", "name", req->hostname, "snapshot", snap, "deleted",
                      req->snapshot_delete);
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}

enum ct_err op_snapshots(struct agent_ctx *ctx, const struct request *req, json_t **data,
                         struct ct_error *err)
{
    struct backend_instance inst;
    enum ct_err rc = ops_get_own(ctx, req, &inst, err);
    if (rc != CT_OK) {
        return rc;
    }
    struct backend_snapshot *snaps = NULL;
    size_t n = 0;
    if ((rc = ctx->backend->snapshot_list(ctx->handle, req->hostname, &snaps, &n, err)) != CT_OK) {
        return rc;
    }
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < n; i++) {
        json_array_append_new(list, json_pack("{s:s, s:s}", "name", snaps[i].name, "created",
                                              snaps[i].created));
    }
    free(snaps);
    *data = json_pack("{s:s, s:o}", "name", req->hostname, "snapshots", list);
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}
