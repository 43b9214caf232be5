/* backend.c - the list of backends the agent's config can name; see backend.h. */
#include <string.h>

#include "backend.h"

static const struct backend_ops *const backends[] = {
    &backend_lxd,
};

const struct backend_ops *backend_find(const char *name)
{
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        if (strcmp(backends[i]->name, name) == 0) {
            return backends[i];
        }
    }
    return NULL;
}
