/*
 * pve-config.h - the proxmox backend's own section of agent.conf:
 *
 *   proxmox = { url = "https://pve1.example.org:8006"; token_file = "...";
 *               ca_file = "..."; nodes = [ ... ]; placement = "least-memory";
 *               pct = [ "/usr/sbin/pct" ]; storage = ""; full_clone = false;
 *               acl_role = ""; acl_user_suffix = "@ldap"; timeout = 300;
 *               bridge = ""; subnet = ""; };
 *
 * url, token_file and ca_file are required; the rest have defaults.  Read
 * only through backend_proxmox's load_settings/free_settings/check_image
 * hooks (backend.h); the rest of the agent sees an opaque pointer.  The
 * token itself is read at open() (pve-token.h), never here.
 */
#ifndef CTGATE_PVE_CONFIG_H
#define CTGATE_PVE_CONFIG_H

#include <libconfig.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define PVE_NODES_MAX 64
#define PVE_NODE_MAX 63 /* a node's name: a hostname label */
#define PVE_PCT_ARGV_MAX 16

enum pve_placement {
    PVE_PLACE_LEAST_MEMORY, /* "least-memory": the lowest mem/maxmem first (default) */
    PVE_PLACE_ORDERED,      /* "ordered": nodes in the order `nodes` lists them */
};

struct pve_config {
    char url[256];              /* https://HOST[:PORT], no path, no trailing slash */
    char token_file[PATH_MAX];  /* USER@REALM!TOKENID=SECRET, mode 0600, the agent's own */
    char ca_file[PATH_MAX];     /* the cluster's CA (pve-root-ca.pem): the only one trusted */
    char nodes[PVE_NODES_MAX][PVE_NODE_MAX + 1]; /* where creates may go; none: every node */
    size_t nnodes;
    enum pve_placement placement;
    char *pct[PVE_PCT_ARGV_MAX + 1]; /* argv prefix running pct for a node; "{node}" replaced */
    size_t npct;
    bool pct_remote_shell;  /* the prefix is ssh: every later argument is quoted for sh */
    char storage[64];       /* full clones' target storage, "" = the template's */
    bool full_clone;        /* false: linked clones (the template's storage must allow them) */
    char acl_role[64];      /* role given to the owner on /vms/CTID; "" = no ACL */
    char acl_user_suffix[64]; /* owner + this = the Proxmox user ("@ldap") */
    int timeout_s;          /* one Proxmox task (clone, start, stop, delete), 1..3600 */
    char bridge[64];        /* "" = the template's net0; else net0 on this bridge with DHCP */
    char subnet[24];        /* the containers' IPv4 subnet "10.0.0.1/24"; "" = publish.subnet */
};

/* Parse and validate the `proxmox` section; *settings is a malloc'd struct pve_config. */
enum ct_err pve_config_load(const config_t *conf, void **settings, struct ct_error *err);
void pve_config_free(void *settings);
/* A template's image is the name (hostname) of a template CT present on each allowed node. */
enum ct_err pve_config_check_image(const void *settings, const char *image, struct ct_error *err);
/* Whether node is one creates may go to (every node when `nodes` lists none). */
bool pve_config_node_allowed(const struct pve_config *c, const char *node);

#endif
