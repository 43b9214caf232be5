/* backend.c - the table of backends agent.conf can name; see backend.h. */
#include "backend.h"

#include <stdio.h>
#include <string.h>

/* The first is the default.  A new backend is one file in backend/ and one line here. */
static const struct backend_ops *const backends[] = {
    &backend_lxd,
    &backend_proxmox,
};

#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

const struct backend_ops *backend_find(const char *name)
{
    for (size_t i = 0; i < NBACKENDS; i++) {
        if (strcmp(backends[i]->name, name) == 0) {
            return backends[i];
        }
    }
    return NULL;
}

const struct backend_ops *backend_default(void)
{
    return backends[0];
}

void backend_names(char *out, size_t len)
{
    int n = snprintf(out, len, "\"%s\"", backends[0]->name);
    size_t used = n > 0 ? (size_t)n : len;
    for (size_t i = 1; i < NBACKENDS && used < len; i++) {
        const char *sep = i + 1 < NBACKENDS ? ", " : " or ";
        n = snprintf(out + used, len - used, "%s\"%s\"", sep, backends[i]->name);
        used += n > 0 ? (size_t)n : len;
    }
}

enum ct_err backend_can(const struct backend_ops *ops, void *h, unsigned want, bool *yes,
                        struct ct_error *err)
{
    unsigned have = ops->supports & want;
    *yes = false;
    if (have != want) {
        return CT_OK;
    }
    if (ops->probe != NULL) {
        enum ct_err rc = ops->probe(h, want, &have, err);
        if (rc != CT_OK) {
            return rc;
        }
    }
    *yes = (have & want) == want;
    return CT_OK;
}
