/* recover.c - see recover.h. */
#include "recover.h"

#include <string.h>

#include "log.h"
#include "publish.h"
#include "registry.h"

enum ct_err recover_abandoned(const struct agent_config *cfg, const struct backend_ops *backend,
                              void *handle, const char *name, const char *request_id,
                              struct ct_error *err)
{
    struct backend_instance inst;
    enum ct_err rc = backend->get(handle, name, &inst, err);
    if (rc == CT_OK && strcmp(inst.request_id, request_id) == 0) {
        rc = backend->destroy(handle, name, err);
    } else if (rc == CT_ERR_NOT_FOUND || rc == CT_OK) {
        rc = CT_OK; /* none, or another request's: not ours to touch */
    }
    if (rc == CT_OK) {
        rc = registry_release(cfg->state_dir, name, request_id, err);
    }
    if (rc == CT_OK) {
        rc = publish_apply(cfg, err);
    }
    if (rc == CT_OK) {
        log_warn("recovered %s: request %s was interrupted; its instance and reservation are gone",
                 name, request_id);
    }
    return rc;
}
