/*
 * op-check.c - the "check" operation: would a create with this hostname
 * and/or template be accepted right now?  The gateway asks it while a
 * person is typing, so a taken or reserved name is explained at the prompt
 * instead of after the whole form.  It only reads: reserve still decides.
 */
#include "ops.h"
#include "pool.h"
#include "registry.h"

enum ct_err op_check(struct agent_ctx *ctx, const struct request *req, json_t **data,
                     struct ct_error *err)
{
    if (req->template_name[0] != '\0' && agent_config_template(ctx->cfg, req->template_name) == NULL) {
        return ct_error_set(err, CT_ERR_BAD_TEMPLATE, "%s", req->template_name);
    }
    if (req->hostname[0] != '\0') {
        bool taken = false;
        struct backend_instance inst;
        if (agent_config_is_reserved(ctx->cfg, req->hostname) || pool_name(req->hostname)) {
            return ct_error_set(err, CT_ERR_NOT_ALLOWED, "hostname %s is reserved", req->hostname);
        }
        enum ct_err rc = registry_is_reserved(ctx->cfg->state_dir, req->hostname, &taken, err);
        if (rc != CT_OK) {
            return rc;
        }
        if (!taken) {
            rc = ctx->backend->get(ctx->handle, req->hostname, &inst, err);
            if (rc == CT_OK) {
                taken = true;
            } else if (rc != CT_ERR_NOT_FOUND) {
                return rc;
            }
        }
        if (taken) {
            return ct_error_set(err, CT_ERR_HOSTNAME_TAKEN, "%s", req->hostname);
        }
    }
    *data = json_pack("{s:s?, s:s?, s:b}", "hostname", req->hostname[0] ? req->hostname : NULL,
                      "template", req->template_name[0] ? req->template_name : NULL, "available",
                      1);
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}
