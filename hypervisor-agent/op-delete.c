/* op-delete.c - the "delete" operation: destroy an own container, free its name. */
#include "ops.h"
#include "proto.h"
#include "registry.h"
#include "steps.h"

enum ct_err op_delete(struct agent_ctx *ctx, const struct request *req, json_t **data,
                      struct ct_error *err)
{
    struct backend_instance inst;
    enum ct_err rc = ctx->backend->get(ctx->handle, req->hostname, &inst, err);
    if (rc == CT_ERR_NOT_FOUND || (rc == CT_OK && !ops_may_access(ctx, req, &inst))) {
        return ct_error_set(err, CT_ERR_NOT_FOUND, "%s", req->hostname);
    }
    if (rc != CT_OK) {
        return rc;
    }
    long start = steps_now_ms();
    proto_progress(ctx->out, "destroy", "begin", 0, NULL);
    rc = ctx->backend->destroy(ctx->handle, req->hostname, err);
    if (rc != CT_OK) {
        err->step = "destroy";
        proto_progress(ctx->out, "destroy", "fail", steps_now_ms() - start, NULL);
        return rc;
    }
    proto_progress(ctx->out, "destroy", "done", steps_now_ms() - start, NULL);
    start = steps_now_ms();
    proto_progress(ctx->out, "release", "begin", 0, NULL);
    rc = registry_release(ctx->cfg->state_dir, req->hostname, NULL, err);
    if (rc != CT_OK) {
        err->step = "release";
        proto_progress(ctx->out, "release", "fail", steps_now_ms() - start, NULL);
        return rc;
    }
    proto_progress(ctx->out, "release", "done", steps_now_ms() - start, NULL);
    *data = json_pack("{s:s, s:b}", "name", req->hostname, "deleted", 1);
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}
