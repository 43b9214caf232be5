/* pve-place.c - see pve-place.h. */
#include "pve-place.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "strcopy.h"
#include "validate.h"

struct ranked {
    const char *node;
    double load; /* mem/maxmem; 2 when unknown */
    size_t order; /* position in proxmox.nodes, or in /nodes when it lists none */
    uint32_t draw; /* least-memory: random, among nodes loaded alike */
};

/*
 * Loads this close are alike: among them a random draw decides, so that
 * creates started at once (each seeing the same loads) spread over the
 * nodes instead of all cloning on the first.
 */
#define PVE_LOAD_ALIKE 0.02

static bool before(const struct ranked *x, const struct ranked *y, enum pve_placement how)
{
    if (how == PVE_PLACE_LEAST_MEMORY) {
        if (x->load < y->load - PVE_LOAD_ALIKE || x->load > y->load + PVE_LOAD_ALIKE) {
            return x->load < y->load;
        }
        if (x->draw != y->draw) {
            return x->draw < y->draw;
        }
    }
    return x->order < y->order;
}

/* Insertion sort: a few dozen nodes at most, and stable. */
static void rank(struct ranked *r, size_t n, enum pve_placement how)
{
    for (size_t i = 1; i < n; i++) {
        struct ranked x = r[i];
        size_t j = i;
        while (j > 0 && before(&x, &r[j - 1], how)) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = x;
    }
}

static void note(char *out, size_t len, const char *node, const char *why)
{
    size_t used = strlen(out);
    if (used + 1 < len) {
        snprintf(out + used, len - used, "%s%s %s", used > 0 ? ", " : "", node, why);
    }
}

static size_t allowed_order(const struct pve_config *cfg, const char *node, size_t fallback)
{
    for (size_t i = 0; i < cfg->nnodes; i++) {
        if (strcmp(cfg->nodes[i], node) == 0) {
            return i;
        }
    }
    return fallback;
}

enum ct_err pve_place(json_t *nodes, const struct pve_config *cfg, long long need_bytes,
                      struct pve_candidates *out, struct ct_error *err)
{
    struct ranked r[PVE_NODES_MAX];
    size_t n = 0;
    bool seen[PVE_NODES_MAX] = {false};
    size_t i;
    json_t *item;

    memset(out, 0, sizeof(*out));
    json_array_foreach (nodes, i, item) {
        const char *node = json_string_value(json_object_get(item, "node"));
        const char *status = json_string_value(json_object_get(item, "status"));
        if (node == NULL || !validate_hostname(node) || !pve_config_node_allowed(cfg, node)) {
            continue;
        }
        size_t order = allowed_order(cfg, node, i);
        if (cfg->nnodes > 0) {
            seen[order] = true;
        }
        if (status == NULL || strcmp(status, "online") != 0) {
            note(out->skipped, sizeof(out->skipped), node, status != NULL ? status : "unknown");
            continue;
        }
        json_t *mem = json_object_get(item, "mem");
        json_t *maxmem = json_object_get(item, "maxmem");
        double load = 2.0;
        if (json_is_number(mem) && json_is_number(maxmem) && json_number_value(maxmem) > 0) {
            double used = json_number_value(mem);
            double total = json_number_value(maxmem);
            if (used + (double)need_bytes > total) {
                char why[96];
                snprintf(why, sizeof(why), "full (%.1f of %.1f GiB in use)",
                         used / (1024.0 * 1024 * 1024), total / (1024.0 * 1024 * 1024));
                note(out->skipped, sizeof(out->skipped), node, why);
                continue;
            }
            load = used / total;
        }
        if (n < PVE_NODES_MAX) {
            r[n++] = (struct ranked){node, load, order, randombytes_random()};
        }
    }
    for (size_t k = 0; k < cfg->nnodes; k++) {
        if (!seen[k]) {
            note(out->skipped, sizeof(out->skipped), cfg->nodes[k], "not in the cluster");
        }
    }
    rank(r, n, cfg->placement);
    for (size_t k = 0; k < n; k++) {
        str_copy(out->node[out->n++], sizeof(out->node[0]), r[k].node);
    }
    if (out->n == 0) {
        ct_error_set(err, CT_ERR_BACKEND, "no Proxmox node can take it: %s",
                     out->skipped[0] != '\0' ? out->skipped : "the cluster lists no node");
        err->detail_public = true;
        return CT_ERR_BACKEND;
    }
    return CT_OK;
}
