/*
 * pve-backend.h - the proxmox backend's handle and the lookups its files
 * share (proxmox.c, pve-snapshot.c, pve-doctor.c).  Internal to the driver.
 */
#ifndef CTGATE_PVE_BACKEND_H
#define CTGATE_PVE_BACKEND_H

#include "backend.h"
#include "pve-client.h"
#include "pve-config.h"
#include "validate.h"

/* Where a ctgate CT is: its node, vmid and what /cluster/resources says of it. */
struct pve_ct {
    char node[PVE_NODE_MAX + 1];
    long long vmid;
    char status[16]; /* "running", "stopped" */
    int maxcpu;
    long long maxmem;
    long long maxdisk;
    char tags[256];
};

struct pve_backend {
    struct pve pve;
    const struct agent_config *cfg;
    const struct pve_config *settings; /* cfg->backend_settings */
    /*
     * The last CT pve_locate_ct found (node and vmid only count): one agent
     * process serves one request, which runs every step in the same CT, and
     * finding it costs /cluster/resources and every node's list.  Checked
     * before each use; forgotten when that CT is destroyed.
     */
    char located_name[CT_HOSTNAME_MAX + 1];
    struct pve_ct located;
};

/*
 * The ctgate CT called name (its hostname) on whatever node runs it:
 * /cluster/resources' lxc guests of that name that are not templates and
 * carry the ctgate tag, or, untagged (a clone whose config step failed),
 * ctgate's metadata block in their description.  CT_ERR_NOT_FOUND: none.
 */
enum ct_err pve_find_ct(struct pve_backend *b, const char *name, struct pve_ct *ct,
                        struct ct_error *err);
/*
 * pve_find_ct for a caller that needs only where the CT is (node, vmid: to
 * run pct or read its config), not its status or sizes: the last one found
 * is not looked for again across the cluster, only checked with one read of
 * its config (still ctgate's, still called name).
 */
enum ct_err pve_locate_ct(struct pve_backend *b, const char *name, struct pve_ct *ct,
                          struct ct_error *err);
/* "/nodes/NODE/lxc/VMID" + suffix into path. */
void pve_ct_path(const struct pve_ct *ct, const char *suffix, char *path, size_t len);

enum ct_err pve_snapshot_create(struct pve_backend *b, const char *name, const char *snap,
                                struct ct_error *err);
enum ct_err pve_snapshot_list(struct pve_backend *b, const char *name,
                              struct backend_snapshot **out, size_t *n, struct ct_error *err);
enum ct_err pve_snapshot_restore(struct pve_backend *b, const char *name, const char *snap,
                                 struct ct_error *err);
enum ct_err pve_snapshot_delete(struct pve_backend *b, const char *name, const char *snap,
                                struct ct_error *err);
void pve_doctor(struct pve_backend *b, backend_say_fn say, void *ctx);

#endif
