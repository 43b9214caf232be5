/* op-delete.c - the "delete" operation: destroy an own container, free its name. */
#include "deploy-record.h"
#include "ops.h"
#include "publish.h"
#include "registry.h"
#include "steps.h"

struct delete_ctx {
    struct agent_ctx *agent;
    const char *name;
};

/* Marked as being deleted first: a crash from here on is finished by recover.h. */
static enum ct_err step_destroy(void *p, struct ct_error *err)
{
    struct delete_ctx *d = p;
    struct procid self;
    enum ct_err rc = CT_OK;
    if (procid_self(&self)) {
        rc = registry_mark_deleting(d->agent->cfg->state_dir, d->name, &self, err);
    }
    return rc == CT_OK ? d->agent->backend->destroy(d->agent->handle, d->name, err) : rc;
}

static enum ct_err step_release(void *p, struct ct_error *err)
{
    struct delete_ctx *d = p;
    return registry_release(d->agent->cfg->state_dir, d->name, NULL, err);
}

/* nginx's files no longer name the container once its reservation is gone. */
static enum ct_err step_unpublish(void *p, struct ct_error *err)
{
    struct delete_ctx *d = p;
    return publish_apply(d->agent->cfg, err);
}

/* Nothing to undo: a half-deleted container is not brought back. */
static const struct step delete_steps[] = {
    {"destroy", step_destroy, NULL, NULL},
    {"release", step_release, NULL, NULL},
    {"unpublish", step_unpublish, NULL, NULL},
};

enum ct_err ops_delete_named(struct agent_ctx *ctx, const char *name, struct ct_error *err)
{
    struct delete_ctx d = {ctx, name};
    enum ct_err rc = ops_run_steps(ctx, delete_steps,
                                   sizeof(delete_steps) / sizeof(delete_steps[0]), &d, err);
    if (rc == CT_OK) {
        deploy_record_remove(ctx->cfg->state_dir, name); /* what a redeploy would have read */
    }
    return rc;
}

enum ct_err op_delete(struct agent_ctx *ctx, const struct request *req, json_t **data,
                      struct ct_error *err)
{
    struct backend_instance inst;
    enum ct_err rc = ops_get_own(ctx, req, &inst, err);
    if (rc != CT_OK) {
        return rc;
    }
    rc = ops_delete_named(ctx, req->hostname, err);
    if (rc != CT_OK) {
        return rc;
    }
    *data = json_pack("{s:s, s:b}", "name", req->hostname, "deleted", 1);
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}
