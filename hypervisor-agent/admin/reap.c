/* reap.c - see reap.h. */
#include "reap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "audit.h"
#include "log.h"
#include "ops.h"
#include "outcome.h"
#include "timefmt.h"
#include "units.h"

static int report(const char *what, const char *name, const struct ct_error *err)
{
    char msg[CT_ERROR_DETAIL_MAX + 64];
    ct_error_format(err, msg, sizeof(msg));
    printf("%s %s: FAILED: %s\n", what, name, msg);
    log_error("reap: %s %s failed: %s", what, name, msg);
    return ct_err_exit(err->code);
}

static json_t *action_params(const struct backend_instance *inst)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "hostname", inst->name, "owner", inst->owner,
                     "request_id", inst->request_id, "expires", inst->expires);
}

/*
 * The begin record of an action, as for a user's operation (audit.h): when
 * it cannot be written the action is not taken.  who is an internal actor,
 * which no LDAP uid can spell.
 */
static enum ct_err audit_start(const struct agent_ctx *ctx, const char *op,
                               const struct backend_instance *inst, long long *seq,
                               struct ct_error *err)
{
    struct audit_who who = {AUDIT_ACTOR_REAPER, "", ""};
    json_t *params = action_params(inst);
    enum ct_err rc = params != NULL ? audit_begin(ctx->cfg->state_dir, &who, op, params, seq, err)
                                    : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    json_decref(params);
    if (rc != CT_OK) {
        ct_error_set(err, rc, "the audit trail cannot be written: not done (see the log)");
    }
    return rc;
}

/* The result record of an action audit_start began. */
static void audit_action(const struct agent_ctx *ctx, const char *op, long long seq,
                         const struct backend_instance *inst, enum ct_err rc,
                         const struct ct_error *err)
{
    struct audit_who who = {AUDIT_ACTOR_REAPER, "", ""};
    struct ct_error ignored = {0};
    json_t *params = action_params(inst);
    audit_finish(ctx->cfg->state_dir, seq, &who, op, params, rc, err, ctx->steps, &ignored);
    json_decref(params);
}

/* Stop or delete inst when due; returns 0 or an exit code. */
static int reap_one(struct agent_ctx *ctx, const struct backend_instance *inst, time_t now,
                    bool dry_run)
{
    time_t expires;
    struct ct_error err = {0};
    if (!timefmt_parse(inst->expires, &expires) || now < expires) {
        return 0;
    }
    long long overdue = (long long)difftime(now, expires);
    bool running = strcmp(inst->state, "Stopped") != 0;
    if (overdue >= ctx->cfg->policy.expiry_grace_s) {
        printf("delete %s (owner %s, expired %s)%s\n", inst->name, inst->owner, inst->expires,
               dry_run ? " [dry run]" : "");
        if (dry_run) {
            return 0;
        }
        long long seq = 0;
        if (audit_start(ctx, "reap-delete", inst, &seq, &err) != CT_OK) {
            return report("delete", inst->name, &err);
        }
        enum ct_err rc = ops_delete_named(ctx, inst->name, &err);
        audit_action(ctx, "reap-delete", seq, inst, rc, &err);
        if (rc != CT_OK) {
            return report("delete", inst->name, &err);
        }
        log_info("reap: deleted %s (owner %s, expired %s)", inst->name, inst->owner,
                 inst->expires);
    } else if (running) {
        printf("stop %s (owner %s, expired %s)%s\n", inst->name, inst->owner, inst->expires,
               dry_run ? " [dry run]" : "");
        if (dry_run) {
            return 0;
        }
        long long seq = 0;
        if (audit_start(ctx, "reap-stop", inst, &seq, &err) != CT_OK) {
            return report("stop", inst->name, &err);
        }
        /* Withdrawn first: the address it leaves may be leased to somebody else. */
        enum ct_err rc = ops_unpublish(ctx, inst->name, &err);
        if (rc == CT_OK) {
            rc = ctx->backend->set_state(ctx->handle, inst->name, "stop", &err);
        }
        audit_action(ctx, "reap-stop", seq, inst, rc, &err);
        if (rc != CT_OK) {
            return report("stop", inst->name, &err);
        }
        log_info("reap: stopped %s (owner %s, expired %s)", inst->name, inst->owner,
                 inst->expires);
    }
    return 0;
}

/* Remove create outcomes older than requests.keep; returns 0 or an exit code. */
static int prune_requests(const struct agent_config *cfg, time_t now, bool dry_run)
{
    struct ct_error err = {0};
    char keep[32];
    size_t count = 0;
    enum ct_err rc =
        outcome_prune(cfg->state_dir, cfg->policy.requests_keep_s, now, dry_run, &count, &err);
    units_format_duration(cfg->policy.requests_keep_s, keep, sizeof(keep));
    if (count > 0) {
        printf("%s %zu request record%s older than %s%s\n", dry_run ? "would prune" : "pruned",
               count, count == 1 ? "" : "s", keep, dry_run ? " [dry run]" : "");
        if (!dry_run) {
            log_info("reap: pruned %zu request records older than %s", count, keep);
        }
    }
    return rc == CT_OK ? 0 : report("prune", "request records", &err);
}

int reap_failed(const char *step, const char *subject, const struct ct_error *err)
{
    return report(step, subject, err);
}

int reap_run(struct admin_ctx *admin)
{
    struct ct_error err = {0};
    struct agent_ctx *ctx = &admin->agent;
    bool dry_run = admin_opt(admin, "dry-run") != NULL;
    struct backend_instance *all = NULL;
    size_t n = 0;
    int code = 0;

    if (ctx->backend->list(ctx->handle, &all, &n, &err) != CT_OK) {
        code = report("list", admin->cfg.backend, &err);
        goto out;
    }
    time_t now = time(NULL);
    for (size_t i = 0; i < n; i++) {
        int one = reap_one(ctx, &all[i], now, dry_run);
        code = one != 0 ? one : code;
    }
    int pruned = prune_requests(&admin->cfg, now, dry_run);
    code = pruned != 0 ? pruned : code;
out:
    free(all);
    return code;
}
