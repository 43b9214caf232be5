/* agent.c - request reading and operation dispatch; see agent.h. */
#include "agent.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "fault.h"
#include "json-secure.h"
#include "log.h"
#include "ops.h"
#include "proto.h"

static const op_fn op_table[OP__COUNT] = {
    [OP_CREATE] = op_create,
    [OP_LIST] = op_list,
    [OP_INFO] = op_info,
    [OP_DELETE] = op_delete,
    [OP_CHECK] = op_check,
    [OP_START] = op_power,
    [OP_STOP] = op_power,
    [OP_RESTART] = op_power,
    [OP_TEMPLATES] = op_templates,
    [OP_HISTORY] = op_history,
    [OP_LOGS] = op_logs,
    [OP_REDEPLOY] = op_redeploy,
    [OP_SNAPSHOT] = op_snapshot,
    [OP_SNAPSHOTS] = op_snapshots,
    [OP_RESTORE] = op_restore,
    [OP_EXPORT] = op_export,
};

/* Operations that change something: their audit record is written before they run (audit.h). */
static const bool op_changes[OP__COUNT] = {
    [OP_CREATE] = true, [OP_DELETE] = true,  [OP_START] = true,
    [OP_STOP] = true,   [OP_RESTART] = true, [OP_REDEPLOY] = true,
    [OP_SNAPSHOT] = true, [OP_RESTORE] = true,
    /* Changes nothing, but a copy of everything leaves: on record before a byte does. */
    [OP_EXPORT] = true,
};

/* What a caller is told when the audit trail cannot be written (the log says why). */
#define AUDIT_REFUSAL                                                                              \
    "the audit trail cannot be written: request refused (the agent's log says why)"

/* One line (or everything up to EOF) from fd, bounded in size and time. */
static enum ct_err read_request(int fd, int timeout_s, struct buf *out, struct ct_error *err)
{
    long deadline = clock_now_ms() + (long)timeout_s * 1000;
    char chunk[4096];
    for (;;) {
        long left = deadline - clock_now_ms();
        if (left <= 0) {
            return ct_error_set(err, CT_ERR_TIMEOUT, "no complete request within %ds", timeout_s);
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, (int)left);
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            continue;
        }
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return ct_error_set(err, CT_ERR_BAD_REQUEST, "cannot read the request: %s",
                                strerror(errno));
        }
        if (n == 0) {
            return out->len > 0 ? CT_OK : ct_error_set(err, CT_ERR_BAD_REQUEST, "empty request");
        }
        char *nl = memchr(chunk, '\n', (size_t)n);
        size_t take = nl != NULL ? (size_t)(nl - chunk) : (size_t)n;
        if (buf_append(out, chunk, take) != 0) {
            return ct_error_set(err, CT_ERR_BAD_REQUEST, "request larger than %zu bytes",
                                PROTO_REQUEST_MAX);
        }
        if (nl != NULL) {
            return CT_OK;
        }
    }
}

/*
 * The reference a failed request's answer and its log line share: the
 * request's own id when it has one, else a random one ("ref-" and 12 hex).
 */
static void log_reference(const struct request *req, char *out, size_t len)
{
    if (req != NULL && req->request_id != NULL && req->request_id[0] != '\0') {
        snprintf(out, len, "%s", req->request_id);
        return;
    }
    ct_error_new_ref(out, len);
}

/*
 * One syslog line per request: who, what, outcome, and the full detail of a
 * failure (the user's answer may carry only ref).  Never a secret.
 */
static void log_outcome(const struct request *req, enum ct_err rc, const struct ct_error *err,
                        const char *ref)
{
    char msg[CT_ERROR_DETAIL_MAX + 512] = "";
    if (rc != CT_OK) {
        ct_error_format(err, msg, sizeof(msg));
    }
    void (*log_fn)(const char *, ...) = rc == CT_OK ? log_info : log_error;
    log_fn("op=%s uid=%s client=%s key=%s hostname=%s ref=%s result=%s%s%s",
           req != NULL ? request_op_name(req->op) : "-", req != NULL ? req->caller.uid : "-",
           req != NULL && req->caller.client[0] ? req->caller.client : "-",
           req != NULL && req->caller.key_fingerprint[0] ? req->caller.key_fingerprint : "-",
           req != NULL && req->hostname[0] ? req->hostname : "-", ref != NULL ? ref : "-",
           ct_err_code(rc), rc != CT_OK ? " " : "", msg);
}

int agent_check_config(struct admin_ctx *ctx)
{
    printf("%s: ok (%zu templates, backend %s)\n", ctx->config_path, ctx->cfg.ntemplates,
           ctx->cfg.backend);
    return 0;
}

int agent_check_config_failed(const char *step, const char *subject, const struct ct_error *err)
{
    (void)step;
    (void)subject;
    char msg[512];
    ct_error_format(err, msg, sizeof(msg));
    fprintf(stderr, "ctgate-agent: %s\n", msg);
    return ct_err_exit(err->code);
}

int agent_serve_failed(const char *step, const char *subject, const struct ct_error *err)
{
    (void)step;
    (void)subject;
    char ref[80];
    log_reference(NULL, ref, sizeof(ref));
    proto_result_error(stdout, err, ref);
    log_outcome(NULL, err->code, err, ref);
    return ct_err_exit(err->code);
}

int agent_serve(struct admin_ctx *admin)
{
    const struct agent_config *cfg = &admin->cfg;
    struct request req;
    struct ct_error err = {0};
    struct ct_error audit_err = {0};
    struct buf text;
    struct audit_who who = {"", "", ""};
    json_t *data = NULL;
    json_t *params = NULL;
    bool have_request = false;
    bool audit_down = false; /* the begin record could not be written */
    long long begin_seq = 0;
#ifdef CTGATE_FAULT_INJECTION
    char fault_buf[40];
#endif
    struct agent_ctx ctx = {.out = stdout, .cfg = cfg, .config_path = admin->config_path};
    enum ct_err rc;

    /*
     * A gateway that goes away must not kill us between two steps: writes
     * then fail with EPIPE and the create still finishes or rolls back.
     */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    ctx.steps = json_array(); /* admin_main ran json_secure_init: jansson's allocator is set once */
    buf_init(&text, PROTO_REQUEST_MAX);
    if ((rc = read_request(STDIN_FILENO, cfg->request_read_timeout_s, &text, &err)) != CT_OK) {
        goto out;
    }
    if ((rc = request_parse(text.data, text.len, &req, &err)) != CT_OK) {
        goto out;
    }
    have_request = true;
    who = (struct audit_who){req.caller.uid, req.caller.key_fingerprint, req.caller.client};
    params = request_params_json(&req);
    /* Fail closed: what changes something is on record (fsync'd) before it starts. */
    if (op_changes[req.op] && audit_begin(cfg->state_dir, &who, request_op_name(req.op), params,
                                          &begin_seq, &audit_err) != CT_OK) {
        audit_down = true;
        rc = ct_error_set(&err, CT_ERR_INTERNAL, AUDIT_REFUSAL);
        err.detail_public = true;
        err.step = NULL;
        goto out;
    }
#ifdef CTGATE_FAULT_INJECTION
    ctx.fail_after = fault_step(cfg->state_dir, fault_buf, sizeof(fault_buf));
#endif
    if ((rc = admin_open_backend(&ctx, &err)) != CT_OK) {
        goto out;
    }
    rc = op_table[req.op](&ctx, &req, &data, &err);
    ctx.backend->close(ctx.handle);
out:
    /*
     * The result's record before the answer: a read-only operation whose
     * record cannot be written answers nothing but the refusal.  A change
     * that ran is answered as it ended (its begin record is on the log).
     */
    if (have_request && !audit_down &&
        audit_finish(cfg->state_dir, begin_seq, &who, request_op_name(req.op), params, rc, &err,
                     ctx.steps, &audit_err) != CT_OK &&
        !op_changes[req.op]) {
        json_decref(data);
        data = NULL;
        rc = ct_error_set(&err, CT_ERR_INTERNAL, AUDIT_REFUSAL);
        err.detail_public = true;
        err.step = NULL;
    }
    char ref[80] = "";
    if (rc == CT_OK) {
        proto_result_ok(stdout, data);
    } else {
        log_reference(have_request ? &req : NULL, ref, sizeof(ref));
        proto_result_error(stdout, &err, ref);
    }
    log_outcome(have_request ? &req : NULL, rc, &err, ref[0] ? ref : NULL);
    json_decref(params);
    json_decref(ctx.steps);
    json_decref(data);
    if (have_request) {
        request_free(&req);
    }
    buf_free(&text);
    return ct_err_exit(rc);
}
