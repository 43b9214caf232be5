/* lxd-backup.c - see lxd-backup.h. */
#include "lxd-backup.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

/* How long a wait lasts between two ticks while LXD packs the backup. */
#define BACKUP_TICK_S 5
/* LXD removes a backup left behind (a killed agent's) this long after packing's deadline. */
#define BACKUP_EXPIRY_GRACE_S 3600
/* Streaming goes at the reader's pace: only a stall (a minute without a byte) or a day ends it. */
#define BACKUP_STREAM_MAX_S 86400

/* LXD backup names: "ctgate-export-" and 16 hex digits, never a user's word. */
static void backup_name(char *out, size_t len)
{
    unsigned char rnd[8];
    char hex[sizeof(rnd) * 2 + 1];
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    snprintf(out, len, "ctgate-export-%s", hex);
}

static json_t *backup_body(const char *backup, int timeout_s)
{
    char expires[32];
    time_t when = time(NULL) + (long)timeout_s + BACKUP_EXPIRY_GRACE_S;
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_pack("{s:s, s:s, s:b, s:b, s:s}", "name", backup, "expires_at", expires,
                     "instance_only", 1, "optimized_storage", 0, "compression_algorithm", "gzip");
}

/* Wait for LXD to pack it, ticking every few seconds, at most ex->timeout_s. */
static enum ct_err wait_packed(struct lxd *lxd, json_t *reply, struct backend_export *ex,
                               struct ct_error *err)
{
    for (int left = ex->timeout_s; left > 0;) {
        int slice = left < BACKUP_TICK_S ? left : BACKUP_TICK_S;
        enum ct_err rc = lxd_wait_within(lxd, reply, slice, NULL, err);
        if (rc != CT_ERR_TIMEOUT) {
            return rc;
        }
        left -= slice;
        if (ex->tick != NULL && !ex->tick(ex->ctx)) {
            return ct_error_set(err, CT_ERR_BACKEND, "the backup's reader went away");
        }
    }
    return ct_error_set(err, CT_ERR_TIMEOUT, "the backup was not packed within %ds",
                        ex->timeout_s);
}

static void delete_backup(struct lxd *lxd, const char *path, const char *backup)
{
    struct ct_error err = {0};
    long status = 0;
    if (lxd_call_wait(lxd, "DELETE", path, NULL, NULL, &status, &err) != CT_OK && status != 404) {
        /* Its expiry still removes it; say so, for the admin who looks. */
        log_warn("backup %s not deleted (LXD removes it at its expiry): %s", backup, err.detail);
    }
}

enum ct_err lxd_backup_export(struct lxd *lxd, const char *name, struct backend_export *ex,
                              struct ct_error *err)
{
    char backup[48], path[192];
    json_t *reply = NULL;
    long status = 0;
    backup_name(backup, sizeof(backup));
    json_t *body = backup_body(backup, ex->timeout_s);
    if (body == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    snprintf(path, sizeof(path), "/1.0/instances/%s/backups", name);
    enum ct_err rc = lxd_call(lxd, "POST", path, body, &reply, &status, err);
    json_decref(body);
    snprintf(path, sizeof(path), "/1.0/instances/%s/backups/%s", name, backup);
    if (rc != CT_OK) {
        json_decref(reply);
        if (rc == CT_ERR_BACKEND && status == 404) {
            return ct_error_set(err, CT_ERR_NOT_FOUND, "%s", name);
        }
        delete_backup(lxd, path, backup); /* a call that timed out may still have made it */
        return rc;
    }
    rc = wait_packed(lxd, reply, ex, err);
    if (rc != CT_OK) {
        struct ct_error ignored = {0};
        lxd_cancel(lxd, reply, &ignored); /* LXD may refuse; the delete below or the expiry ends it */
    }
    json_decref(reply);
    if (rc == CT_OK) {
        char export_path[224];
        snprintf(export_path, sizeof(export_path), "%s/export", path);
        struct lxd_sink sink = {ex->write, ex->ctx};
        rc = lxd_get_stream(lxd, export_path, BACKUP_STREAM_MAX_S, &sink, err);
        snprintf(ex->format, sizeof(ex->format), "lxd-backup, gzip (lxc import)");
    }
    delete_backup(lxd, path, backup);
    return rc;
}
