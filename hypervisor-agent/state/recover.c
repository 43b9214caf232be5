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
    struct backend_instance inst = {0};
    struct registry_entry entry;
    bool found = false;
    /* The holder's owner: request ids are scoped to owners, so the id alone does not name it. */
    enum ct_err rc = registry_lookup(cfg->state_dir, name, &entry, &found, err);
    if (rc != CT_OK) {
        return rc;
    }
    if (!found || strcmp(entry.request_id, request_id) != 0) {
        return CT_OK; /* released meanwhile, or held by another request now */
    }
    rc = backend->get(handle, name, &inst, err);
    /* A container claimed from the pool is this entry's, adopted yet or not (pool.h). */
    bool claimed = entry.instance[0] != '\0' && inst.pool[0] != '\0';
    if (rc == CT_OK && ((strcmp(inst.request_id, request_id) == 0 &&
                         strcmp(inst.owner, entry.owner) == 0) ||
                        claimed)) {
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
