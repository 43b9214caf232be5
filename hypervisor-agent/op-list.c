/* op-list.c - the "list" and "info" operations. */
#include <stdlib.h>

#include "ops.h"
#include "publish.h"
#include "registry.h"

enum ct_err op_list(struct agent_ctx *ctx, const struct request *req, json_t **data,
                    struct ct_error *err)
{
    struct backend_instance *all = NULL;
    size_t n = 0;
    enum ct_err rc = ctx->backend->list(ctx->handle, &all, &n, err);
    if (rc != CT_OK) {
        return rc;
    }
    json_t *reg = NULL;
    if (registry_snapshot(ctx->cfg->state_dir, &reg, err) != CT_OK) {
        free(all);
        return err->code;
    }
    json_t *names = json_object_get(reg, "hostnames");
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < n; i++) {
        if (ops_may_access(ctx, req, &all[i])) {
            json_t *one = ops_instance_json(&all[i]);
            publish_describe(&ctx->cfg->publish, all[i].name,
                             json_object_get(names, all[i].name), one);
            json_array_append_new(list, one);
        }
    }
    json_decref(reg);
    free(all);
    *data = json_pack("{s:o}", "containers", list);
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}

enum ct_err op_info(struct agent_ctx *ctx, const struct request *req, json_t **data,
                    struct ct_error *err)
{
    struct backend_instance inst;
    enum ct_err rc = ops_get_own(ctx, req, &inst, err);
    if (rc != CT_OK) {
        return rc;
    }
    json_t *reg = NULL;
    if (registry_snapshot(ctx->cfg->state_dir, &reg, err) != CT_OK) {
        return err->code;
    }
    *data = ops_instance_json(&inst);
    if (*data != NULL) {
        publish_describe(&ctx->cfg->publish, inst.name,
                         json_object_get(json_object_get(reg, "hostnames"), inst.name), *data);
    }
    json_decref(reg);
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}
