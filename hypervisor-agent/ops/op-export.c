/*
 * op-export.c - `export NAME`: a compressed backup of the caller's own
 * container, streamed to the gateway as data lines (proto.h) and from there
 * to the user's stdout, with its size and SHA-256 in the result so the
 * gateway can tell a complete copy from a cut one.  At most export.max_size
 * bytes: past it the export stops and fails.  The backend keeps nothing of
 * it (backend.h's export_backup); the agent never writes it to a file.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "export-count.h"
#include "lockfile.h"
#include "ops.h"
#include "proto.h"
#include "ratelimit.h"
#include "units.h"

struct export_stream {
    struct agent_ctx *ctx;
    unsigned char chunk[PROTO_DATA_CHUNK];
    size_t used;
    struct export_count count;
    enum { STREAM_OK, STREAM_TOO_LARGE, STREAM_READER_GONE, STREAM_FAULT } stopped;
};

static bool send_chunk(struct export_stream *x)
{
    if (x->used == 0) {
        return true;
    }
    if (x->ctx->out == NULL || proto_data(x->ctx->out, x->chunk, x->used) != 0) {
        x->stopped = STREAM_READER_GONE;
        return false;
    }
    x->used = 0;
#ifdef CTGATE_FAULT_INJECTION
    /* "export": fail once the first piece has left, as a broken stream would. */
    if (x->ctx->fail_after != NULL && strcmp(x->ctx->fail_after, "export") == 0) {
        x->stopped = STREAM_FAULT;
        return false;
    }
#endif
    return true;
}

static bool on_bytes(void *p, const void *bytes, size_t len)
{
    struct export_stream *x = p;
    const unsigned char *in = bytes;
    if (!export_count_add(&x->count, bytes, len)) {
        x->stopped = STREAM_TOO_LARGE;
        return false;
    }
    while (len > 0) {
        size_t take = sizeof(x->chunk) - x->used < len ? sizeof(x->chunk) - x->used : len;
        memcpy(x->chunk + x->used, in, take);
        x->used += take;
        in += take;
        len -= take;
        if (x->used == sizeof(x->chunk) && !send_chunk(x)) {
            return false;
        }
    }
    return true;
}

/* While the backend packs: a progress line now and then, so the gateway knows we live. */
static bool on_tick(void *p)
{
    struct export_stream *x = p;
    if (x->ctx->out == NULL) {
        return true;
    }
    proto_progress(x->ctx->out, "export", "begin", 0, "packing the backup");
    if (ferror(x->ctx->out)) {
        x->stopped = STREAM_READER_GONE; /* nobody to send it to: stop packing */
        return false;
    }
    return true;
}

/*
 * One export of the caller's at a time (a lock held for the whole export)
 * and at most export.per_hour an hour (admins: no limit): packing costs the
 * hypervisor's disk and CPU before a byte leaves.  The lock's fd, or -1.
 */
static int export_admission(struct agent_ctx *ctx, const struct request *req,
                            struct ct_error *err)
{
    const struct agent_config *cfg = ctx->cfg;
    bool admin = request_caller_in_group(req, cfg->admin_group);
    if (!admin && ratelimit_take_what(cfg->state_dir, "export", req->caller.uid,
                                      cfg->export.per_hour, time(NULL), err) != CT_OK) {
        return -1;
    }
    char path[PATH_MAX + CT_UID_MAX + 16];
    snprintf(path, sizeof(path), "%s/export.%s.lock", cfg->state_dir, req->caller.uid);
    int fd = lockfile_acquire(path, 0, err);
    if (fd < 0 && err->code == CT_ERR_TIMEOUT) {
        ct_error_set(err, CT_ERR_RATE_LIMITED,
                     "an export of yours is running already: one at a time");
    }
    return fd;
}

/* Why the stream stopped, in words for the user (the backend's own words are its reader's). */
static enum ct_err stopped_error(const struct export_stream *x, const char *name,
                                 struct ct_error *err)
{
    char max[32];
    switch (x->stopped) {
    case STREAM_TOO_LARGE:
        units_format_size(x->count.max_bytes, max, sizeof(max));
        ct_error_set(err, CT_ERR_QUOTA, "the backup of %s is larger than the %s an export may be",
                     name, max);
        break;
    case STREAM_READER_GONE:
        ct_error_set(err, CT_ERR_INTERNAL, "the gateway stopped reading the export of %s", name);
        break;
    case STREAM_FAULT:
        ct_error_set(err, CT_ERR_INTERNAL, "fault injected after export");
        break;
    case STREAM_OK:
        return err->code;
    }
    err->detail_public = true;
    return err->code;
}

enum ct_err op_export(struct agent_ctx *ctx, const struct request *req, json_t **data,
                      struct ct_error *err)
{
    struct backend_instance inst;
    enum ct_err rc = ops_get_own(ctx, req, &inst, err);
    if (rc != CT_OK) {
        return rc;
    }
    if (ctx->backend->export_backup == NULL) {
        ct_error_set(err, CT_ERR_NOT_ALLOWED, "the %s backend cannot export containers",
                     ctx->backend->name);
        err->detail_public = true;
        return CT_ERR_NOT_ALLOWED;
    }
    int lock = export_admission(ctx, req, err);
    if (lock < 0) {
        return err->code;
    }
    static struct export_stream x; /* 48 KiB: not on the stack; one export per agent run */
    memset(&x, 0, sizeof(x));
    x.ctx = ctx;
    export_count_init(&x.count, ctx->cfg->export.max_bytes);
    struct backend_export ex = {.timeout_s = ctx->cfg->export.timeout_s,
                                .write = on_bytes,
                                .tick = on_tick,
                                .ctx = &x};
    if (ctx->out != NULL) {
        proto_progress(ctx->out, "export", "begin", 0, NULL);
    }
    rc = ctx->backend->export_backup(ctx->handle, req->hostname, &ex, err);
    if (rc == CT_OK && !send_chunk(&x)) {
        rc = CT_ERR_INTERNAL;
    }
    if (x.stopped != STREAM_OK) {
        rc = stopped_error(&x, req->hostname, err);
    }
    close(lock);
    if (rc != CT_OK) {
        err->step = "export";
        return rc;
    }
    char hex[EXPORT_SHA256_HEX];
    export_count_sha256(&x.count, hex);
    *data = json_pack("{s:s, s:I, s:s, s:s}", "name", req->hostname, "bytes",
                      (json_int_t)x.count.bytes,
                      "sha256", hex, "format", ex.format);
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}
