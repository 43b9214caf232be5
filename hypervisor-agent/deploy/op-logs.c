/*
 * op-logs.c - `logs NAME [--lines N] [--follow]`: the journal of the app a
 * create deployed (ctgate-app.service), read inside the owner's container.
 *
 * journalctl runs as root inside the container through deploy_run, its
 * output in a file of its own under /run that is removed afterwards.  The
 * lines come back in the answer (`lines`), and with follow as progress
 * lines while journalctl -f runs (at most deploy.follow seconds, or until
 * the reader goes away).  What the journal holds is the owner's (they are
 * root there): each line is cut at DEPLOY_LINE_MAX and cleaned by the
 * gateway before it is printed.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "deploy-run.h"
#include "ops.h"
#include "request.h"

#define LOGS_FOLLOW_MAX_S 600

enum ct_err op_logs(struct agent_ctx *ctx, const struct request *req, json_t **data,
                    struct ct_error *err)
{
    struct backend_instance inst;
    enum ct_err rc = ops_get_own_running(ctx, req, &inst, err);
    if (rc != CT_OK) {
        return rc;
    }
    struct buf unit;
    buf_init(&unit, (size_t)64 * 1024);
    rc = ctx->backend->read_file(ctx->handle, req->hostname,
                                 "/etc/systemd/system/ctgate-app.service", &unit, err);
    buf_free(&unit);
    if (rc == CT_ERR_NOT_FOUND) {
        ct_error_set(err, CT_ERR_NOT_FOUND, "no app was deployed in %s (create --repo --start)",
                     req->hostname);
        err->detail_public = true;
        return CT_ERR_NOT_FOUND;
    }
    if (rc != CT_OK) {
        return rc;
    }
    unsigned char rnd[8];
    char hex[sizeof(rnd) * 2 + 1], log[64], n[16];
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    snprintf(log, sizeof(log), "/run/ctgate-logs-%s.log", hex);
    snprintf(n, sizeof(n), "%d", req->log_lines);
    const char *const once[] = {"journalctl", "--no-pager", "-q", "-o", "short-iso", "-n", n,
                                "-u", "ctgate-app.service", NULL};
    const char *const follow[] = {"journalctl", "--no-pager", "-q", "-o", "short-iso", "-n", n,
                                  "-f", "-u", "ctgate-app.service", NULL};
    json_t *lines = json_array();
    struct deploy_run r = {.agent = ctx,
                           .name = req->hostname,
                           .step = "logs",
                           .argv = req->log_follow ? follow : once,
                           .timeout_s = req->log_follow ? LOGS_FOLLOW_MAX_S : 30,
                           .log_path = log,
                           .stream = req->log_follow,
                           .stream_max = req->log_follow ? (size_t)1000000 : REQUEST_LOG_LINES_MAX,
                           .keepalive = req->log_follow,
                           .collect = req->log_follow ? NULL : lines};
    rc = deploy_run(&r, err);
    const char *const rm[] = {"rm", "-f", "--", log, NULL};
    struct backend_exec ex = {.argv = rm};
    struct ct_error ignored = {0};
    ctx->backend->exec(ctx->handle, req->hostname, &ex, &ignored);
    if (rc == CT_ERR_TIMEOUT && (r.gone || req->log_follow)) {
        rc = CT_OK; /* followed until the reader left or the limit: that is the end */
    }
    if (rc != CT_OK) {
        json_decref(lines);
        return rc;
    }
    *data = json_pack("{s:s, s:o}", "name", req->hostname, "lines", lines);
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}
