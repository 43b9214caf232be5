/* ops-common.c - helpers every operation uses; see ops.h. */
#include <string.h>
#include <time.h>

#include "ops.h"
#include "proto.h"
#include "publish.h"
#include "registry.h"

bool ops_may_access(const struct agent_ctx *ctx, const struct request *req,
                    const struct backend_instance *inst)
{
    if (!inst->managed) {
        return false; /* not a ctgate container: nobody's business through ctgate */
    }
    return strcmp(inst->owner, req->caller.uid) == 0 ||
           request_caller_in_group(req, ctx->cfg->admin_group);
}

enum ct_err ops_get_own(struct agent_ctx *ctx, const struct request *req,
                        struct backend_instance *inst, struct ct_error *err)
{
    enum ct_err rc = ctx->backend->get(ctx->handle, req->hostname, inst, err);
    if (rc == CT_ERR_NOT_FOUND || (rc == CT_OK && !ops_may_access(ctx, req, inst))) {
        return ct_error_set(err, CT_ERR_NOT_FOUND, "%s", req->hostname);
    }
    return rc;
}

enum ct_err ops_get_own_running(struct agent_ctx *ctx, const struct request *req,
                                struct backend_instance *inst, struct ct_error *err)
{
    enum ct_err rc = ops_get_own(ctx, req, inst, err);
    if (rc == CT_OK && strcmp(inst->state, "Running") != 0) {
        ct_error_set(err, CT_ERR_NOT_ALLOWED, "%s is not running (start it first)", req->hostname);
        err->detail_public = true;
        rc = CT_ERR_NOT_ALLOWED;
    }
    return rc;
}

static void report_progress(void *p, const char *step, const char *state, long ms,
                            const char *msg)
{
    struct agent_ctx *ctx = p;
    if (ctx->out != NULL) {
        proto_progress(ctx->out, step, state, ms, msg);
    }
    if (ctx->steps != NULL && strcmp(state, "begin") != 0) {
        json_array_append_new(ctx->steps,
                              json_pack("{s:s, s:s, s:I}", "step", step, "state", state, "ms", (json_int_t)ms));
    }
}

enum ct_err ops_run_steps(struct agent_ctx *ctx, const struct step *steps, size_t nsteps,
                          void *step_ctx, struct ct_error *err)
{
    struct step_runner runner = {
        .steps = steps,
        .nsteps = nsteps,
        .ctx = step_ctx,
        .report = report_progress,
        .report_ctx = ctx,
#ifdef CTGATE_FAULT_INJECTION
        .fail_after = ctx->fail_after,
#endif
    };
    return steps_run(&runner, err);
}

enum ct_err ops_unpublish(struct agent_ctx *ctx, const char *name, struct ct_error *err)
{
    const struct agent_config *cfg = ctx->cfg;
    struct registry_entry entry;
    bool found = false;
    if (!cfg->publish.enabled) {
        return CT_OK;
    }
    enum ct_err rc = registry_lookup(cfg->state_dir, name, &entry, &found, err);
    if (rc != CT_OK || !found || entry.ipv4[0] == '\0') {
        return rc;
    }
    rc = registry_set_address(cfg->state_dir, name, entry.request_id, NULL, 0, err);
    return rc == CT_OK ? publish_apply(cfg, err) : rc;
}

static const char *or_null(const char *s)
{
    return s[0] != '\0' ? s : NULL;
}

json_t *ops_instance_json(const struct backend_instance *inst)
{
    json_t *obj = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:s?, s:{s:s?, s:s?, s:s?}, s:s*}",
                     "name", inst->name, "state", inst->state, "ipv4", or_null(inst->ipv4),
                     "owner", inst->owner, "template", inst->template_name, "created",
                     inst->created, "request_id", inst->request_id, "expires",
                     or_null(inst->expires), "limits", "cpu", or_null(inst->cpu), "memory",
                     or_null(inst->memory), "disk", or_null(inst->disk), "description",
                     or_null(inst->description));
    if (obj != NULL && inst->ctid > 0) {
        json_object_set_new(obj, "ctid", json_integer(inst->ctid));
    }
    if (obj != NULL && inst->pool[0] != '\0') { /* an admin's list: the warm pool (pool.h) */
        json_object_set_new(obj, "pool", json_string(inst->pool));
    }
    return obj;
}
