/*
 * pve-place.h - which node of a Proxmox cluster a create goes to.
 *
 * From GET /nodes (node, status, mem, maxmem): the nodes the admin allows
 * (proxmox.nodes; none listed: all) that are online and have room for the
 * memory asked (mem + need <= maxmem; need 0: any room), best first:
 * "least-memory" by mem/maxmem (nodes whose figures the token may not read,
 * for want of Sys.Audit, last), "ordered" as proxmox.nodes lists them.  The
 * caller tries them in turn (the next when a node lacks the template).
 * None: CT_ERR_BACKEND naming each allowed node and why it was skipped.
 * Pure: no I/O.
 */
#ifndef CTGATE_PVE_PLACE_H
#define CTGATE_PVE_PLACE_H

#include <jansson.h>

#include "error.h"
#include "pve-config.h"

struct pve_candidates {
    char node[PVE_NODES_MAX][PVE_NODE_MAX + 1];
    size_t n;
    char skipped[CT_ERROR_DETAIL_MAX]; /* "pve2 offline, pve3 full (...)" */
};

enum ct_err pve_place(json_t *nodes, const struct pve_config *cfg, long long need_bytes,
                      struct pve_candidates *out, struct ct_error *err);

#endif
