/* op-list.c - the "list" and "info" operations. */
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "publish.h"
#include "registry.h"
#include "strcopy.h"

enum ct_err op_list(struct agent_ctx *ctx, const struct request *req, json_t **data,
                    struct ct_error *err)
{
    struct backend_instance *all = NULL;
    size_t n = 0;
    enum ct_err rc = ctx->backend->list(ctx->handle, &all, &n, err);
    if (rc != CT_OK) {
        return rc;
    }
    struct registry_snapshot reg;
    if (registry_snapshot_load(ctx->cfg->state_dir, &reg, err) != CT_OK) {
        registry_snapshot_free(&reg);
        free(all);
        return err->code;
    }
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < n; i++) {
        if (ops_may_access(ctx, req, &all[i])) {
            /* The backend's list reads no instance's state: the address is the one published. */
            const struct registry_entry *entry = registry_snapshot_find(&reg, all[i].name);
            if (all[i].ipv4[0] == '\0' && entry != NULL &&
                strcmp(entry->request_id, all[i].request_id) == 0) {
                str_copy(all[i].ipv4, sizeof(all[i].ipv4), entry->ipv4);
            }
            json_t *one = ops_instance_json(&all[i]);
            publish_describe(&ctx->cfg->publish, entry, one);
            json_array_append_new(list, one);
        }
    }
    registry_snapshot_free(&reg);
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
    struct registry_entry entry;
    bool found = false;
    if (registry_lookup(ctx->cfg->state_dir, inst.name, &entry, &found, err) != CT_OK) {
        return err->code;
    }
    *data = ops_instance_json(&inst);
    if (*data != NULL) {
        publish_describe(&ctx->cfg->publish, found ? &entry : NULL, *data);
    }
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}
