/*
 * proxmox.c - the Proxmox VE backend: struct backend_ops over the REST API
 * in pve-client.c (an API token, the cluster's CA pinned), configured by
 * the `proxmox` section (pve-config.c).  A template's image is the name of
 * a template CT on each allowed node; a create clones it on the node
 * pve-place.c picks.  Instances are found by hostname across the cluster
 * (/cluster/resources) and carry their ctgate metadata in a block of their
 * description and in tags (pve-meta.h; never secrets: Proxmox users with
 * VM.Audit read them).  Commands and files inside go through `pct` on the
 * node (pve-pct.c), run with an argv.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "clock.h"
#include "log.h"
#include "pve-backend.h"
#include "pve-meta.h"
#include "pve-network.h"
#include "pve-pct.h"
#include "pve-place.h"
#include "pve-token.h"
#include "strcopy.h"
#include "units.h"

/* A clone whose new id another create took meanwhile is retried this often with a new id. */
#define CLONE_ID_RETRIES 10
#define EXEC_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* read_file's exit status for "no such file" (any other failure is the command's). */
#define READ_ABSENT 44

static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000L * 1000};
    nanosleep(&t, NULL);
}

void pve_ct_path(const struct pve_ct *ct, const char *suffix, char *path, size_t len)
{
    snprintf(path, len, "/nodes/%s/lxc/%lld%s", ct->node, ct->vmid, suffix);
}

static enum ct_err backend_open(const struct agent_config *cfg, void **handle,
                                struct ct_error *err)
{
    struct pve_token tok;
    struct pve_backend *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    b->cfg = cfg;
    b->settings = cfg->backend_settings;
    enum ct_err rc = pve_token_read(b->settings->token_file, geteuid(), &tok, err);
    if (rc == CT_OK) {
        rc = pve_open(&b->pve, b->settings->url, b->settings->ca_file, &tok, cfg->call_timeout_s,
                      err);
    }
    pve_token_wipe(&tok);
    if (rc != CT_OK) {
        free(b);
        return rc;
    }
    *handle = b;
    return CT_OK;
}

static void backend_close(void *h)
{
    struct pve_backend *b = h;
    if (b != NULL) {
        pve_close(&b->pve);
        free(b);
    }
}

/* Whether node is among the first n of seen. */
static bool seen_node(const char seen[][64], size_t n, const char *node)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(seen[i], node) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * Every guest of the cluster as /cluster/resources?type=vm lists them, but
 * with each CT's name, status and tags from its own node's list
 * (GET /nodes/NODE/lxc): /cluster/resources takes name and status from
 * pvestatd's RRD, up to some 10 s late (a new clone has no name there yet),
 * while which node holds a vmid is current.  A node that does not answer
 * keeps the cluster's (maybe late) entries, and is named in unreachable (a
 * comma-separated list, "" when all answered).  *list is a new array.
 */
static enum ct_err resources(struct pve_backend *b, json_t **list, char *unreachable,
                             size_t len, struct ct_error *err)
{
    const struct pve_param q[] = {{"type", "vm"}};
    json_t *cluster = NULL;
    char seen[PVE_NODES_MAX][64];
    size_t nseen = 0;
    size_t i;
    json_t *r;
    unreachable[0] = '\0';
    *list = NULL;
    enum ct_err rc = pve_call(&b->pve, "GET", "/cluster/resources", q, 1, &cluster, NULL, err);
    if (rc != CT_OK) {
        return rc;
    }
    json_t *out = json_array();
    json_array_foreach (cluster, i, r) {
        const char *type = json_string_value(json_object_get(r, "type"));
        const char *node = json_string_value(json_object_get(r, "node"));
        if (type == NULL || strcmp(type, "lxc") != 0 || node == NULL || !validate_hostname(node) ||
            seen_node(seen, nseen, node) || nseen == PVE_NODES_MAX) {
            continue;
        }
        str_copy(seen[nseen++], sizeof(seen[0]), node);
        char path[128];
        json_t *local = NULL;
        struct ct_error ignored = {0};
        snprintf(path, sizeof(path), "/nodes/%s/lxc", node);
        if (pve_call(&b->pve, "GET", path, NULL, 0, &local, NULL, &ignored) != CT_OK ||
            !json_is_array(local)) {
            size_t used = strlen(unreachable);
            snprintf(unreachable + used, len - used, "%s%s", used > 0 ? ", " : "", node);
            json_decref(local);
            size_t k;
            json_t *c;
            json_array_foreach (cluster, k, c) { /* its guests as the cluster last saw them */
                const char *n = json_string_value(json_object_get(c, "node"));
                if (n != NULL && strcmp(n, node) == 0) {
                    json_array_append(out, c);
                }
            }
            continue;
        }
        size_t k;
        json_t *c;
        json_array_foreach (local, k, c) {
            json_t *copy = json_copy(c);
            json_object_set_new(copy, "node", json_string(node));
            json_object_set_new(copy, "type", json_string("lxc"));
            json_array_append_new(out, copy);
        }
        json_decref(local);
    }
    json_array_foreach (cluster, i, r) { /* QEMU guests: only their names matter (name_taken) */
        const char *type = json_string_value(json_object_get(r, "type"));
        if (type != NULL && strcmp(type, "lxc") != 0) {
            json_array_append(out, r);
        }
    }
    json_decref(cluster);
    *list = out;
    return out != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}

/* The guest's config (a new reference) into *config. */
static enum ct_err ct_config(struct pve_backend *b, const struct pve_ct *ct, json_t **config,
                             struct ct_error *err)
{
    char path[160];
    pve_ct_path(ct, "/config", path, sizeof(path));
    return pve_call(&b->pve, "GET", path, NULL, 0, config, NULL, err);
}

/* An lxc guest of /cluster/resources that is not a template, as a struct pve_ct. */
static bool ct_from_resource(json_t *r, struct pve_ct *ct)
{
    const char *type = json_string_value(json_object_get(r, "type"));
    const char *node = json_string_value(json_object_get(r, "node"));
    const char *status = json_string_value(json_object_get(r, "status"));
    const char *tags = json_string_value(json_object_get(r, "tags"));
    memset(ct, 0, sizeof(*ct));
    if (type == NULL || strcmp(type, "lxc") != 0 || node == NULL || !validate_hostname(node) ||
        json_integer_value(json_object_get(r, "template")) == 1) {
        return false;
    }
    ct->vmid = json_integer_value(json_object_get(r, "vmid"));
    if (ct->vmid < 100 || ct->vmid > 999999999) {
        return false;
    }
    str_copy(ct->node, sizeof(ct->node), node);
    str_copy(ct->status, sizeof(ct->status), status != NULL ? status : "unknown");
    str_copy(ct->tags, sizeof(ct->tags), tags != NULL ? tags : "");
    ct->maxcpu = (int)json_integer_value(json_object_get(r, "maxcpu"));
    ct->maxmem = (long long)json_number_value(json_object_get(r, "maxmem"));
    ct->maxdisk = (long long)json_number_value(json_object_get(r, "maxdisk"));
    return true;
}

/* Whether an untagged CT's description holds ctgate's block (a clone not configured yet). */
/* Does a CT's config (GET .../config) carry ctgate's metadata block in its description? */
static bool config_has_block(json_t *config)
{
    struct backend_instance meta;
    return pve_meta_parse(json_string_value(json_object_get(config, "description")), &meta);
}

static bool has_block(struct pve_backend *b, const struct pve_ct *ct)
{
    json_t *config = NULL;
    struct ct_error ignored = {0};
    bool yes = ct_config(b, ct, &config, &ignored) == CT_OK && config_has_block(config);
    json_decref(config);
    return yes;
}

enum ct_err pve_find_ct(struct pve_backend *b, const char *name, struct pve_ct *ct,
                        struct ct_error *err)
{
    json_t *list = NULL;
    size_t found = 0;
    long long other = 0;
    char unreachable[256];
    enum ct_err rc = resources(b, &list, unreachable, sizeof(unreachable), err);
    if (rc != CT_OK) {
        return rc;
    }
    size_t i;
    json_t *r;
    json_array_foreach (list, i, r) {
        struct pve_ct c;
        const char *n = json_string_value(json_object_get(r, "name"));
        if (n == NULL || strcmp(n, name) != 0 || !ct_from_resource(r, &c)) {
            continue;
        }
        if (pve_tags_has(c.tags, PVE_TAG) || has_block(b, &c)) {
            if (found++ == 0) {
                *ct = c;
            } else {
                other = c.vmid;
            }
        }
    }
    json_decref(list);
    if (found == 0 && unreachable[0] != '\0') {
        /* It may be on a node that did not answer: "not there" would let a delete succeed. */
        ct_error_set(err, CT_ERR_BACKEND, "Proxmox node %s did not answer: whether %s is there "
                     "is not known", unreachable, name);
        err->detail_public = true;
        return CT_ERR_BACKEND;
    }
    if (found == 0) {
        return ct_error_set(err, CT_ERR_NOT_FOUND, "%s", name);
    }
    if (found > 1) {
        return ct_error_set(err, CT_ERR_BACKEND, "Proxmox has several ctgate CTs named %s (%lld, %lld)",
                            name, ct->vmid, other);
    }
    return CT_OK;
}

/*
 * Is the remembered CT still ctgate's CT called name?  One GET of its
 * config (not the whole cluster): another process may have deleted it since,
 * and Proxmox may have given its vmid to somebody else's guest.
 */
static bool still_located(struct pve_backend *b, const char *name)
{
    json_t *config = NULL;
    struct ct_error ignored = {0};
    bool yes = false;
    if (ct_config(b, &b->located, &config, &ignored) == CT_OK) {
        const char *hostname = json_string_value(json_object_get(config, "hostname"));
        const char *tags = json_string_value(json_object_get(config, "tags"));
        yes = hostname != NULL && strcmp(hostname, name) == 0 &&
              json_integer_value(json_object_get(config, "template")) != 1 &&
              ((tags != NULL && pve_tags_has(tags, PVE_TAG)) || config_has_block(config));
    }
    json_decref(config);
    return yes;
}

enum ct_err pve_locate_ct(struct pve_backend *b, const char *name, struct pve_ct *ct,
                          struct ct_error *err)
{
    if (b->located_name[0] != '\0' && strcmp(b->located_name, name) == 0) {
        if (still_located(b, name)) {
            *ct = b->located;
            return CT_OK;
        }
        b->located_name[0] = '\0';
    }
    enum ct_err rc = pve_find_ct(b, name, ct, err);
    if (rc == CT_OK && str_copy(b->located_name, sizeof(b->located_name), name)) {
        b->located = *ct;
    }
    return rc;
}

/* Whether any guest of the cluster (ctgate's or not, CT or VM) is called name. */
static enum ct_err name_taken(struct pve_backend *b, const char *name, bool *taken,
                              struct ct_error *err)
{
    json_t *list = NULL;
    char unreachable[256];
    *taken = false;
    enum ct_err rc = resources(b, &list, unreachable, sizeof(unreachable), err);
    size_t i;
    json_t *r;
    json_array_foreach (list, i, r) {
        const char *n = json_string_value(json_object_get(r, "name"));
        if (n != NULL && strcmp(n, name) == 0 &&
            json_integer_value(json_object_get(r, "template")) != 1) {
            *taken = true;
        }
    }
    json_decref(list);
    return rc;
}

/* The vmid of the template CT called image on node; 0 when it has none. */
static enum ct_err find_template(struct pve_backend *b, const char *node, const char *image,
                                 long long *vmid, struct ct_error *err)
{
    char path[128];
    json_t *list = NULL;
    *vmid = 0;
    snprintf(path, sizeof(path), "/nodes/%s/lxc", node);
    enum ct_err rc = pve_call(&b->pve, "GET", path, NULL, 0, &list, NULL, err);
    size_t i;
    json_t *ct;
    json_array_foreach (list, i, ct) {
        const char *name = json_string_value(json_object_get(ct, "name"));
        json_t *tmpl = json_object_get(ct, "template");
        bool is_template = json_integer_value(tmpl) == 1 ||
                           (json_is_string(tmpl) && strcmp(json_string_value(tmpl), "1") == 0);
        if (name != NULL && strcmp(name, image) == 0 && is_template) {
            *vmid = pve_vmid_value(json_object_get(ct, "vmid"));
            break;
        }
    }
    json_decref(list);
    return rc;
}

/*
 * Clone template tvmid on node into a new CT called a->name; its id in
 * *vmid.  /cluster/nextid is a hint: the clone's "already exists" says
 * another create took the id meanwhile (retried with a new one).  "CT is
 * locked": another clone of the same template runs (Proxmox locks the
 * source), retried with a growing pause until the task timeout.
 */
static enum ct_err clone_ct(struct pve_backend *b, const char *node, long long tvmid,
                            const struct backend_create *a, const char *meta, long long *vmid,
                            bool *refused_only, struct ct_error *err)
{
    const struct pve_config *s = b->settings;
    char path[128], newid[24];
    long deadline = clock_now_ms() + (long)s->timeout_s * 1000;
    long backoff = 250;
    int taken = 0;

    snprintf(path, sizeof(path), "/nodes/%s/lxc/%lld/clone", node, tvmid);
    /* First the CTID the registry reserved with the name; once that is taken, nextid's hints. */
    bool reserved = a->ctid > 0;
    for (;;) {
        long status = 0;
        enum ct_err rc = CT_OK;
        if (reserved) {
            *vmid = a->ctid;
        } else {
            json_t *next = NULL;
            rc = pve_call(&b->pve, "GET", "/cluster/nextid", NULL, 0, &next, NULL, err);
            *vmid = pve_vmid_value(next);
            json_decref(next);
        }
        if (rc != CT_OK) {
            return rc;
        }
        if (*vmid == 0) {
            return ct_error_set(err, CT_ERR_BACKEND, "Proxmox: /cluster/nextid gave no id");
        }
        snprintf(newid, sizeof(newid), "%lld", *vmid);
        const struct pve_param p[] = {
            {"newid", newid},
            {"hostname", a->name},
            {"description", meta},
            {"full", s->full_clone ? "1" : NULL},
            {"storage", s->storage[0] != '\0' ? s->storage : NULL},
        };
        rc = pve_call_task(&b->pve, "POST", path, p, sizeof(p) / sizeof(p[0]), s->timeout_s,
                           &status, err);
        if (rc == CT_OK) {
            return CT_OK;
        }
        if (status < 400) {
            *refused_only = false; /* a task may have started: something may exist */
        }
        if (status == 500 && strstr(b->pve.message, "already exists") != NULL &&
            ++taken < CLONE_ID_RETRIES) {
            reserved = false; /* a guest ctgate does not know holds it */
            continue;
        }
        if (status == 500 && strstr(b->pve.message, "is locked") != NULL) {
            long now = clock_now_ms();
            if (now >= deadline) {
                ct_error_set(err, CT_ERR_TIMEOUT, "Proxmox: %s (template %s on %s, for %ds)",
                             b->pve.message, a->tmpl->image, node, s->timeout_s);
                err->detail_public = true;
                return CT_ERR_TIMEOUT;
            }
            long wait = backoff + (long)randombytes_uniform(250);
            pause_ms(wait < deadline - now ? wait : deadline - now);
            backoff = backoff < 4000 ? backoff * 2 : 4000;
            continue;
        }
        return rc;
    }
}

/*
 * The size of the CT's root disk now (its rootfs "size=8G"); 0 when the
 * config does not say.  Proxmox only grows a disk ("unable to shrink disk
 * size"): a clone keeps at least its template's.
 */
static enum ct_err rootfs_bytes(struct pve_backend *b, const struct pve_ct *ct, long long *bytes,
                                struct ct_error *err)
{
    char path[160];
    json_t *config = NULL;
    *bytes = 0;
    pve_ct_path(ct, "/config", path, sizeof(path));
    enum ct_err rc = pve_call(&b->pve, "GET", path, NULL, 0, &config, NULL, err);
    const char *rootfs = json_string_value(json_object_get(config, "rootfs"));
    const char *at = rootfs != NULL ? strstr(rootfs, "size=") : NULL;
    if (rc == CT_OK && at != NULL) {
        char size[32];
        size_t n = strcspn(at + 5, ",");
        if (n > 0 && n < sizeof(size)) {
            memcpy(size, at + 5, n);
            size[n] = '\0';
            if (!units_parse_size(size, bytes)) {
                *bytes = 0;
            }
        }
    }
    json_decref(config);
    return rc;
}

/* The containers' subnet as configured: proxmox.subnet, else publish.subnet. */
static const char *subnet_text(const struct pve_backend *b)
{
    return b->settings->subnet[0] != '\0' ? b->settings->subnet : b->cfg->publish.subnet;
}

static enum ct_err subnet(struct pve_backend *b, struct addr_subnet *net, struct ct_error *err)
{
    if (!addr_subnet_parse(subnet_text(b), net)) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "proxmox.subnet (or publish.subnet) must give the containers' "
                            "subnet to publish addresses from");
    }
    return CT_OK;
}

/*
 * net0 with the static address the registry reserved (pve_net0_static): the
 * clone's own net0 (its hwaddr kept: Proxmox makes a new MAC for a net0
 * without one), on proxmox.bridge when set, gateway and prefix from the
 * containers' subnet.
 */
static enum ct_err static_net0(struct pve_backend *b, const struct pve_ct *ct, const char *address,
                               char *out, size_t len, struct ct_error *err)
{
    char path[160];
    struct addr_subnet net;
    json_t *config = NULL;
    enum ct_err rc = subnet(b, &net, err);
    if (rc != CT_OK) {
        return rc;
    }
    if (addr_policy_check(&net, address) != ADDR_OK) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "the static address %s is not one to give a container in %s "
                            "(agent.conf: addresses)",
                            address, subnet_text(b));
    }
    pve_ct_path(ct, "/config", path, sizeof(path));
    if ((rc = pve_call(&b->pve, "GET", path, NULL, 0, &config, NULL, err)) == CT_OK &&
        !pve_net0_static(json_string_value(json_object_get(config, "net0")), b->settings->bridge,
                         address, &net, out, len)) {
        rc = ct_error_set(err, CT_ERR_BACKEND, "CT %lld: its net0 cannot take a static address",
                          ct->vmid);
    }
    json_decref(config);
    return rc;
}

/* Cores, memory, tags (and net0: a static address, or proxmox.bridge) of the new CT. */
static enum ct_err configure(struct pve_backend *b, const struct pve_ct *ct,
                             const struct backend_create *a, struct ct_error *err)
{
    const struct pve_config *s = b->settings;
    const struct size_spec *l = a->limits;
    char path[160], cores[16] = "", memory[24] = "", tags[PVE_TAGS_MAX], net0[256] = "";
    if (l != NULL && l->cpu > 0) {
        snprintf(cores, sizeof(cores), "%d", l->cpu);
    }
    if (l != NULL && l->memory_bytes > 0) {
        long long mib = (l->memory_bytes + UNITS_MIB - 1) / UNITS_MIB;
        snprintf(memory, sizeof(memory), "%lld", mib < 16 ? 16 : mib);
    }
    if (a->address != NULL && a->address[0] != '\0') {
        enum ct_err rc = static_net0(b, ct, a->address, net0, sizeof(net0), err);
        if (rc != CT_OK) {
            return rc;
        }
    } else if (s->bridge[0] != '\0') {
        snprintf(net0, sizeof(net0), "name=eth0,bridge=%s,ip=dhcp,type=veth", s->bridge);
    }
    pve_tags_make(a->owner, a->tmpl->name, tags, sizeof(tags));
    const struct pve_param p[] = {
        {"tags", tags},
        {"cores", cores[0] != '\0' ? cores : NULL},
        {"memory", memory[0] != '\0' ? memory : NULL},
        /* No swap beside it: the memory limit is what quotas count. */
        {"swap", memory[0] != '\0' ? "0" : NULL},
        {"net0", net0[0] != '\0' ? net0 : NULL},
    };
    pve_ct_path(ct, "/config", path, sizeof(path));
    enum ct_err rc = pve_call(&b->pve, "PUT", path, p, sizeof(p) / sizeof(p[0]), NULL, NULL, err);
    long long now_bytes = 0;
    if (rc == CT_OK && l != NULL && l->disk_bytes > 0 &&
        (rc = rootfs_bytes(b, ct, &now_bytes, err)) == CT_OK && l->disk_bytes > now_bytes) {
        char size[32];
        snprintf(size, sizeof(size), "%lldM", (l->disk_bytes + UNITS_MIB - 1) / UNITS_MIB);
        const struct pve_param r[] = {{"disk", "rootfs"}, {"size", size}};
        pve_ct_path(ct, "/resize", path, sizeof(path));
        rc = pve_call_task(&b->pve, "PUT", path, r, 2, s->timeout_s, NULL, err);
    }
    if (rc == CT_OK && s->acl_role[0] != '\0') {
        char vms[48], user[CT_UID_MAX + 72];
        snprintf(vms, sizeof(vms), "/vms/%lld", ct->vmid);
        snprintf(user, sizeof(user), "%s%s", a->owner, s->acl_user_suffix);
        const struct pve_param acl[] = {
            {"path", vms}, {"roles", s->acl_role}, {"users", user}, {"propagate", "0"}};
        rc = pve_call(&b->pve, "PUT", "/access/acl", acl, 4, NULL, NULL, err);
    }
    return rc;
}

static enum ct_err backend_create(void *h, const struct backend_create *a, struct ct_error *err)
{
    struct pve_backend *b = h;
    char meta[PVE_META_MAX];
    char missing[CT_ERROR_DETAIL_MAX] = "";
    struct pve_candidates where;
    json_t *nodes = NULL;
    bool taken = false;
    bool refused_only = true;
    enum ct_err rc;

    /* Until a clone is accepted nothing exists: a failure says so (backend_create.nothing_made). */
    if (a->nothing_made != NULL) {
        *a->nothing_made = true;
    }
    if (!pve_meta_format(a, meta, sizeof(meta))) {
        return ct_error_set(err, CT_ERR_INTERNAL, "ctgate's metadata does not fit");
    }
    if ((rc = name_taken(b, a->name, &taken, err)) != CT_OK) {
        return rc;
    }
    if (taken) {
        return ct_error_set(err, CT_ERR_HOSTNAME_TAKEN, "a Proxmox guest named %s exists",
                            a->name);
    }
    if ((rc = pve_call(&b->pve, "GET", "/nodes", NULL, 0, &nodes, NULL, err)) == CT_OK) {
        rc = pve_place(nodes, b->settings, a->limits != NULL ? a->limits->memory_bytes : 0,
                       &where, err);
    }
    json_decref(nodes);
    if (rc != CT_OK) {
        return rc;
    }
    for (size_t i = 0; i < where.n; i++) {
        long long tvmid = 0;
        struct pve_ct ct = {0};
        if ((rc = find_template(b, where.node[i], a->tmpl->image, &tvmid, err)) != CT_OK) {
            return rc;
        }
        if (tvmid == 0) {
            size_t used = strlen(missing);
            snprintf(missing + used, sizeof(missing) - used, "%s%s", used > 0 ? ", " : "",
                     where.node[i]);
            continue;
        }
        str_copy(ct.node, sizeof(ct.node), where.node[i]);
        rc = clone_ct(b, where.node[i], tvmid, a, meta, &ct.vmid, &refused_only, err);
        if (a->nothing_made != NULL) {
            *a->nothing_made = rc != CT_OK && refused_only;
        }
        if (rc != CT_OK) {
            return rc;
        }
        if (ct.vmid != a->ctid && a->ctid_out != NULL) {
            *a->ctid_out = ct.vmid; /* the reserved CTID was another guest's */
        }
        /* From here on the CT exists: findable by name (its description) for destroy. */
        return configure(b, &ct, a, err);
    }
    ct_error_set(err, CT_ERR_BACKEND, "no template CT named %s on %s%s%s", a->tmpl->image,
                 missing, where.skipped[0] != '\0' ? "; skipped: " : "", where.skipped);
    err->detail_public = true;
    return CT_ERR_BACKEND;
}

/* start or stop, waiting for its task; "already running" / "not running" are done. */
static enum ct_err power(struct pve_backend *b, const struct pve_ct *ct, const char *action,
                         struct ct_error *err)
{
    char path[160];
    long status = 0;
    bool start = strcmp(action, "start") == 0;
    pve_ct_path(ct, start ? "/status/start" : "/status/stop", path, sizeof(path));
    enum ct_err rc =
        pve_call_task(&b->pve, "POST", path, NULL, 0, b->settings->timeout_s, &status, err);
    if (rc == CT_ERR_BACKEND && status == 500 &&
        strstr(b->pve.message, start ? "already running" : "not running") != NULL) {
        return CT_OK;
    }
    return rc;
}

static enum ct_err backend_set_state(void *h, const char *name, const char *action,
                                     struct ct_error *err)
{
    struct pve_backend *b = h;
    struct pve_ct ct;
    enum ct_err rc = pve_locate_ct(b, name, &ct, err);
    if (rc != CT_OK) {
        return rc;
    }
    if (strcmp(action, "start") == 0 || strcmp(action, "stop") == 0) {
        return power(b, &ct, action, err);
    }
    if (strcmp(action, "restart") == 0) {
        rc = power(b, &ct, "stop", err);
        return rc != CT_OK ? rc : power(b, &ct, "start", err);
    }
    return ct_error_set(err, CT_ERR_INTERNAL, "unknown action %s", action);
}

/* The verdict on ct's address now (pve-network.h). */
static enum ct_err address_now(struct pve_backend *b, const struct pve_ct *ct,
                               const struct addr_subnet *net, enum addr_verdict *verdict,
                               char *out, size_t len, struct ct_error *err)
{
    char path[160];
    json_t *config = NULL, *ifaces = NULL;
    struct pve_net0 nic;
    *verdict = ADDR_NOT_YET;
    out[0] = '\0';
    enum ct_err rc = ct_config(b, ct, &config, err);
    if (rc != CT_OK) {
        return rc;
    }
    if (!pve_net0_parse(json_string_value(json_object_get(config, "net0")), &nic)) {
        json_decref(config);
        return ct_error_set(err, CT_ERR_BACKEND,
                            "the CT's net0 has no MAC address (hwaddr): ctgate publishes net0's");
    }
    json_decref(config);
    pve_ct_path(ct, "/interfaces", path, sizeof(path));
    long status = 0;
    rc = pve_call(&b->pve, "GET", path, NULL, 0, &ifaces, &status, err);
    if (rc == CT_ERR_BACKEND && status == 400) {
        rc = CT_OK; /* not running yet */
    }
    if (rc == CT_OK) {
        *verdict = pve_network_pick(ifaces, &nic, net, out, len);
    }
    json_decref(ifaces);
    return rc;
}

struct pve_look {
    struct pve_backend *b;
    const struct pve_ct *ct;
    const struct addr_subnet *net;
};

static enum ct_err pve_look_address(void *p, int *verdict, char *out, size_t len,
                                    struct ct_error *err)
{
    struct pve_look *l = p;
    enum addr_verdict v = ADDR_NOT_YET;
    enum ct_err rc = address_now(l->b, l->ct, l->net, &v, out, len, err);
    *verdict = (int)v;
    return rc;
}

static enum ct_err backend_wait_ipv4(void *h, const char *name, int timeout_s, char *out,
                                     size_t len, struct ct_error *err)
{
    struct pve_backend *b = h;
    struct addr_subnet net;
    struct pve_ct ct;
    enum ct_err rc;

    out[0] = '\0';
    if ((rc = subnet(b, &net, err)) != CT_OK || (rc = pve_locate_ct(b, name, &ct, err)) != CT_OK) {
        return rc;
    }
    struct pve_look look = {b, &ct, &net};
    return backend_wait_address(pve_look_address, &look, timeout_s, 300, out, len, err);
}

/* Room for pct's words before and around a command: exec, env, setpriv. */
#define PCT_FIXED_ARGS 24

/*
 * args = exec VMID -- env -i [-C CWD] PATH=... [HOME=/root] NAME=value ...
 *        [setpriv --reuid=U --regid=G --clear-groups --] argv...
 * Every part is a word of its own: no shell anywhere.
 */
static enum ct_err exec_args(const struct pve_ct *ct, const struct backend_exec *ex,
                             char *strings, size_t slen, const char ***args,
                             struct ct_error *err)
{
    size_t nargv = 0, nenv = 0;
    while (ex->argv[nargv] != NULL) {
        nargv++;
    }
    while (ex->env != NULL && ex->env[nenv] != NULL) {
        nenv++;
    }
    const char **a = calloc(PCT_FIXED_ARGS + nenv + nargv + 1, sizeof(*a));
    if (a == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    /* strings: "VMID\0--reuid=U\0--regid=G\0" */
    char *vmid = strings;
    int w = snprintf(vmid, slen, "%lld", ct->vmid);
    char *reuid = vmid + w + 1;
    w = snprintf(reuid, slen - (size_t)(reuid - strings), "--reuid=%lld", ex->uid);
    char *regid = reuid + w + 1;
    snprintf(regid, slen - (size_t)(regid - strings), "--regid=%lld", ex->gid);
    size_t k = 0;
    a[k++] = "exec";
    a[k++] = vmid;
    a[k++] = "--";
    a[k++] = "/usr/bin/env";
    a[k++] = "-i";
    if (ex->cwd != NULL) {
        a[k++] = "-C";
        a[k++] = ex->cwd;
    }
    a[k++] = EXEC_PATH;
    if (ex->uid == 0) {
        a[k++] = "HOME=/root";
    }
    for (size_t i = 0; i < nenv; i++) {
        if (strchr(ex->env[i], '=') == NULL || ex->env[i][0] == '=' || ex->env[i][0] == '-') {
            free(a);
            return ct_error_set(err, CT_ERR_INTERNAL, "bad environment entry");
        }
        a[k++] = ex->env[i];
    }
    if (ex->uid > 0 || ex->gid > 0) {
        a[k++] = "setpriv";
        a[k++] = reuid;
        a[k++] = regid;
        a[k++] = "--clear-groups";
        a[k++] = "--";
    } else if (nargv > 0 && strchr(ex->argv[0], '=') != NULL) {
        free(a);
        return ct_error_set(err, CT_ERR_INTERNAL, "a command with '=' in its name");
    }
    for (size_t i = 0; i < nargv; i++) {
        a[k++] = ex->argv[i];
    }
    *args = a;
    return CT_OK;
}

static enum ct_err backend_exec(void *h, const char *name, struct backend_exec *ex,
                                struct ct_error *err)
{
    struct pve_backend *b = h;
    struct pve_ct ct;
    const char **args = NULL;
    char strings[96]; /* args points into it until pve_pct_run returns */

    ex->exit_status = -1;
    ex->stderr_excerpt[0] = '\0';
    ex->timed_out = false;
    ex->still_running = false;
    enum ct_err rc = pve_locate_ct(b, name, &ct, err);
    if (rc != CT_OK) {
        return rc;
    }
    if ((rc = exec_args(&ct, ex, strings, sizeof(strings), &args, err)) != CT_OK) {
        return rc;
    }
    struct run_io io = {
        .stdin_data = ex->stdin_file,
        .stdin_len = ex->stdin_len,
        .timeout_s = ex->timeout_s > 0 ? ex->timeout_s : b->cfg->operation_timeout_s,
        .on_tick = ex->on_wait,
        .tick_ctx = ex->on_wait_ctx,
    };
    rc = pve_pct_run(b->settings, ct.node, args, &io, err);
    free(args);
    snprintf(ex->stderr_excerpt, sizeof(ex->stderr_excerpt), "%s", io.excerpt);
    if (rc == CT_ERR_TIMEOUT) {
        /* Killing pct (lxc-attach, or ssh) does not end the command inside. */
        ex->timed_out = true;
        ex->still_running = true;
        return ct_error_set(err, CT_ERR_TIMEOUT, "timed out after %ds", io.timeout_s);
    }
    if (rc != CT_OK) {
        return rc;
    }
    ex->exit_status = io.exit_status;
    /* pct's own refusal (its status 255): a command inside could print the same words. */
    if (io.exit_status == 255 && strncmp(io.excerpt, "CT ", 3) == 0 &&
        strstr(io.excerpt, "not running") != NULL) {
        return ct_error_set(err, CT_ERR_BACKEND, "pct: %s", io.excerpt);
    }
    return CT_OK;
}

/* Run a fixed sh line inside ct with positional words, as root; *io as run_argv_io. */
static enum ct_err run_inside(struct pve_backend *b, const struct pve_ct *ct, const char *script,
                              const char *const *words, struct run_io *io, struct ct_error *err)
{
    char vmid[24];
    const char *args[16];
    size_t k = 0;
    snprintf(vmid, sizeof(vmid), "%lld", ct->vmid);
    args[k++] = "exec";
    args[k++] = vmid;
    args[k++] = "--";
    args[k++] = "/usr/bin/env";
    args[k++] = "-i";
    args[k++] = EXEC_PATH;
    args[k++] = "/bin/sh";
    args[k++] = "-c";
    args[k++] = script;
    args[k++] = "sh";
    for (size_t i = 0; words[i] != NULL && k < 15; i++) {
        args[k++] = words[i];
    }
    args[k] = NULL;
    if (io->timeout_s == 0) {
        io->timeout_s = b->cfg->call_timeout_s;
    }
    return pve_pct_run(b->settings, ct->node, args, io, err);
}

static enum ct_err backend_push_file(void *h, const char *name, const struct backend_file *f,
                                     struct ct_error *err)
{
    struct pve_backend *b = h;
    struct pve_ct ct;
    char uid[24], gid[24], mode[16];
    enum ct_err rc = pve_locate_ct(b, name, &ct, err);
    if (rc != CT_OK) {
        return rc;
    }
    snprintf(uid, sizeof(uid), "%lld", f->uid);
    snprintf(gid, sizeof(gid), "%lld", f->gid);
    snprintf(mode, sizeof(mode), "%o", (unsigned)f->mode);
    const char *words[] = {f->path, uid, gid, mode, NULL};
    /* Fixed lines; every variable part is a positional word. */
    const char *script = f->data != NULL ? "umask 077 && cat >\"$1\" && chown \"$2:$3\" \"$1\" && "
                                           "chmod \"$4\" \"$1\""
                                         : "mkdir -p \"$1\" && chown \"$2:$3\" \"$1\" && "
                                           "chmod \"$4\" \"$1\"";
    struct run_io io = {.stdin_data = f->data != NULL ? f->data : NULL, .stdin_len = f->len};
    if ((rc = run_inside(b, &ct, script, words, &io, err)) != CT_OK) {
        return rc;
    }
    if (io.exit_status != 0) {
        return ct_error_set(err, CT_ERR_BACKEND, "cannot write %s in %s (status %d): %s", f->path,
                            name, io.exit_status, io.excerpt);
    }
    return CT_OK;
}

static enum ct_err backend_read_file(void *h, const char *name, const char *path,
                                     struct buf *out, struct ct_error *err)
{
    struct pve_backend *b = h;
    struct pve_ct ct;
    enum ct_err rc = pve_locate_ct(b, name, &ct, err);
    if (rc != CT_OK) {
        return rc;
    }
    const char *words[] = {path, NULL};
    struct run_io io = {.out = out};
    rc = run_inside(b, &ct, "test -f \"$1\" || exit 44; exec cat -- \"$1\"", words, &io, err);
    if (rc != CT_OK) {
        return rc;
    }
    if (io.exit_status == READ_ABSENT) {
        return ct_error_set(err, CT_ERR_NOT_FOUND, "%s: no such file in %s", path, name);
    }
    if (io.exit_status != 0) {
        return ct_error_set(err, CT_ERR_BACKEND, "cannot read %s in %s (status %d): %s", path,
                            name, io.exit_status, io.excerpt);
    }
    return CT_OK;
}

static enum ct_err backend_destroy(void *h, const char *name, struct ct_error *err)
{
    struct pve_backend *b = h;
    struct pve_ct ct;
    char path[160];
    long status = 0;
    b->located_name[0] = '\0'; /* gone, or going: never looked up from memory again */
    enum ct_err rc = pve_find_ct(b, name, &ct, err);
    if (rc == CT_ERR_NOT_FOUND) {
        return CT_OK;
    }
    if (rc != CT_OK) {
        return rc;
    }
    if (strcmp(ct.status, "stopped") != 0 && (rc = power(b, &ct, "stop", err)) != CT_OK) {
        return rc;
    }
    const struct pve_param q[] = {
        {"purge", "1"}, {"force", "1"}, {"destroy-unreferenced-disks", "1"}};
    pve_ct_path(&ct, "", path, sizeof(path));
    rc = pve_call_task(&b->pve, "DELETE", path, q, 3, b->settings->timeout_s, &status, err);
    if (rc == CT_ERR_BACKEND && strstr(b->pve.message, "does not exist") != NULL) {
        return CT_OK;
    }
    return rc;
}

/* "running" -> "Running": the states the rest of the agent compares with (LXD's words). */
static void state_word(const char *status, char *out, size_t len)
{
    if (strcmp(status, "running") == 0) {
        snprintf(out, len, "Running");
    } else if (strcmp(status, "stopped") == 0) {
        snprintf(out, len, "Stopped");
    } else {
        snprintf(out, len, "%s", status);
    }
}

static void instance_from(const char *name, const struct pve_ct *ct, json_t *config,
                          struct backend_instance *out)
{
    memset(out, 0, sizeof(*out));
    str_copy(out->name, sizeof(out->name), name);
    state_word(ct->status, out->state, sizeof(out->state));
    out->ctid = ct->vmid;
    pve_meta_parse(json_string_value(json_object_get(config, "description")), out);
    json_int_t cores = json_integer_value(json_object_get(config, "cores"));
    json_int_t memory = json_integer_value(json_object_get(config, "memory"));
    if (cores > 0 && cores <= 8192) {
        snprintf(out->cpu, sizeof(out->cpu), "%lld", (long long)cores);
    }
    if (memory > 0) {
        units_format_size((long long)memory * UNITS_MIB, out->memory, sizeof(out->memory));
    }
    if (ct->maxdisk > 0) {
        units_format_size(ct->maxdisk, out->disk, sizeof(out->disk));
    }
}

static enum ct_err backend_get(void *h, const char *name, struct backend_instance *out,
                               struct ct_error *err)
{
    struct pve_backend *b = h;
    struct pve_ct ct;
    json_t *config = NULL;
    enum ct_err rc = pve_find_ct(b, name, &ct, err);
    if (rc == CT_OK) {
        rc = ct_config(b, &ct, &config, err);
        if (rc == CT_ERR_BACKEND && strstr(b->pve.message, "does not exist") != NULL) {
            rc = ct_error_set(err, CT_ERR_NOT_FOUND, "%s", name); /* deleted since the list */
        }
    }
    if (rc != CT_OK) {
        return rc;
    }
    instance_from(name, &ct, config, out);
    json_decref(config);
    if (strcmp(out->state, "Running") == 0) {
        struct addr_subnet net;
        enum addr_verdict verdict = ADDR_NOT_YET;
        struct ct_error ignored = {0};
        if (subnet(b, &net, &ignored) != CT_OK ||
            address_now(b, &ct, &net, &verdict, out->ipv4, sizeof(out->ipv4), &ignored) !=
                CT_OK ||
            verdict != ADDR_OK) {
            out->ipv4[0] = '\0';
        }
    }
    return CT_OK;
}

static enum ct_err backend_list(void *h, struct backend_instance **out, size_t *n,
                                struct ct_error *err)
{
    struct pve_backend *b = h;
    json_t *list = NULL;
    char unreachable[256];
    *out = NULL;
    *n = 0;
    enum ct_err rc = resources(b, &list, unreachable, sizeof(unreachable), err);
    if (rc != CT_OK) {
        return rc;
    }
    struct backend_instance *all = calloc(json_array_size(list) + 1, sizeof(*all));
    if (all == NULL) {
        json_decref(list);
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    size_t i;
    json_t *r;
    json_array_foreach (list, i, r) {
        struct pve_ct ct;
        json_t *config = NULL;
        const char *name = json_string_value(json_object_get(r, "name"));
        if (name == NULL || !validate_hostname(name) || !ct_from_resource(r, &ct) ||
            !pve_tags_has(ct.tags, PVE_TAG)) {
            continue;
        }
        /* Its config: ctgate's metadata, written through the API (no state of the CT's). */
        struct ct_error why = {0};
        if (ct_config(b, &ct, &config, &why) != CT_OK) {
            /* Deleted since the list, or its node went away: one CT never fails everybody's. */
            log_warn("proxmox: list: CT %lld on %s skipped: %s", ct.vmid, ct.node, why.detail);
            continue;
        }
        instance_from(name, &ct, config, &all[*n]);
        json_decref(config);
        if (all[*n].managed) {
            (*n)++;
        }
    }
    json_decref(list);
    *out = all;
    return CT_OK;
}

static void backend_doctor(void *h, backend_say_fn say, void *ctx)
{
    pve_doctor(h, say, ctx);
}

static enum ct_err backend_snapshot_create(void *h, const char *name, const char *snap,
                                           struct ct_error *err)
{
    return pve_snapshot_create(h, name, snap, err);
}

static enum ct_err backend_snapshot_list(void *h, const char *name, struct backend_snapshot **out,
                                         size_t *n, struct ct_error *err)
{
    return pve_snapshot_list(h, name, out, n, err);
}

static enum ct_err backend_snapshot_restore(void *h, const char *name, const char *snap,
                                            struct ct_error *err)
{
    return pve_snapshot_restore(h, name, snap, err);
}

static enum ct_err backend_snapshot_delete(void *h, const char *name, const char *snap,
                                           struct ct_error *err)
{
    return pve_snapshot_delete(h, name, snap, err);
}

const struct backend_ops backend_proxmox = {
    .name = "proxmox",
    .supports = BACKEND_CAN_LIMIT_DISK | BACKEND_CAN_STATIC_ADDRESS,
    .load_settings = pve_config_load,
    .free_settings = pve_config_free,
    .check_image = pve_config_check_image,
    .open = backend_open,
    .close = backend_close,
    .create = backend_create,
    .set_state = backend_set_state,
    .wait_ipv4 = backend_wait_ipv4,
    .exec = backend_exec,
    .push_file = backend_push_file,
    .read_file = backend_read_file,
    .destroy = backend_destroy,
    .get = backend_get,
    .list = backend_list,
    .doctor = backend_doctor,
    .snapshot_create = backend_snapshot_create,
    .snapshot_list = backend_snapshot_list,
    .snapshot_restore = backend_snapshot_restore,
    .snapshot_delete = backend_snapshot_delete,
};
