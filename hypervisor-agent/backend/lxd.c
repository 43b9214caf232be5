/*
 * lxd.c - the LXD (and Incus) backend: struct backend_ops over the REST API
 * in lxd-client.c, configured by the `lxd` section (lxd-config.c).  A
 * template's image is an LXD image alias.  Instances carry their ctgate
 * metadata in user.ctgate.* config keys (never secrets: root inside can read
 * them).
 */
#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "clock.h"
#include "lxd-backup.h"
#include "lxd-client.h"
#include "lxd-config.h"
#include "lxd-doctor.h"
#include "lxd-image.h"
#include "lxd-network.h"
#include "lxd-snapshot.h"
#include "strcopy.h"
#include "units.h"

/*
 * The instance list's answer (recursion=1): about 4-5 KiB an instance with
 * LXD's volatile.* keys (idmaps, uuids, image.*) twice, as config and
 * expanded_config, plus ctgate's user.ctgate.* (a description of at most
 * 200 bytes); 5 000 instances are some 25 MiB.  Room for about 10 000 of
 * the largest.
 */
#define LXD_LIST_REPLY_MAX ((size_t)64 * 1024 * 1024)

struct lxd_backend {
    struct lxd lxd;
    const struct agent_config *cfg;
    const struct lxd_config *settings; /* cfg->backend_settings */
};

static enum ct_err lxd_backend_open(const struct agent_config *cfg, void **handle,
                                    struct ct_error *err)
{
    struct lxd_backend *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    b->cfg = cfg;
    b->settings = cfg->backend_settings;
    enum ct_err rc = lxd_open(&b->lxd, b->settings->socket, b->settings->incus, cfg->call_timeout_s,
                              cfg->operation_timeout_s, err);
    if (rc != CT_OK) {
        free(b);
        return rc;
    }
    memcpy(b->lxd.project, b->settings->project, sizeof(b->lxd.project));
    *handle = b;
    return CT_OK;
}

static void lxd_backend_close(void *h)
{
    struct lxd_backend *b = h;
    if (b != NULL) {
        lxd_close(&b->lxd);
        free(b);
    }
}

/* limits.cpu and limits.memory of spec into config (0: left out). */
static void add_limits(json_t *config, const struct size_spec *spec)
{
    char value[32];
    if (spec == NULL) {
        return;
    }
    if (spec->cpu != 0) {
        snprintf(value, sizeof(value), "%d", spec->cpu);
        json_object_set_new(config, "limits.cpu", json_string(value));
    }
    if (spec->memory_bytes != 0) {
        units_format_size(spec->memory_bytes, value, sizeof(value));
        json_object_set_new(config, "limits.memory", json_string(value));
    }
}

/*
 * The instance's own root disk on the configured pool, with its size when
 * spec has one: limits are part of the create (one call, as LXD's own
 * clients do), never a PATCH after it.
 */
static json_t *root_device(const struct lxd_config *cfg, const struct size_spec *spec)
{
    json_t *root = json_pack("{s:s, s:s, s:s}", "type", "disk", "path", "/", "pool", cfg->pool);
    if (root != NULL && spec != NULL && spec->disk_bytes != 0) {
        char value[32];
        units_format_size(spec->disk_bytes, value, sizeof(value));
        json_object_set_new(root, "size", json_string(value));
    }
    return root;
}

/*
 * The MAC of the NIC given address: 0e:63:74 (locally administered,
 * unicast) and the address's low 24 bits.  dnsmasq keeps a deleted
 * container's lease until it expires and will not hand a configured address
 * to another MAC meanwhile: the next container given that address comes
 * with the same MAC, so the old lease is its own.
 */
static void static_hwaddr(const char *address, char *out, size_t len)
{
    struct in_addr a;
    uint32_t n = inet_pton(AF_INET, address, &a) == 1 ? ntohl(a.s_addr) : 0;
    snprintf(out, len, "0e:63:74:%02x:%02x:%02x", (n >> 16) & 0xffu, (n >> 8) & 0xffu,
             n & 0xffu);
}

/*
 * The profile's NIC with ipv4.address set (and its MAC, static_hwaddr),
 * under the profile's own device key, so that it replaces that device for
 * this instance: LXD's DHCP then hands the NIC this address and no other.
 * On a bridge, LXD also filters what the NIC sends (security.ipv4_filtering,
 * security.mac_filtering): its owner, root inside, cannot answer for another
 * address or MAC.
 */
static enum ct_err static_nic(struct lxd_backend *b, const char *address, json_t *devices,
                              struct ct_error *err)
{
    char path[256];
    json_t *reply = NULL;
    const char *device;
    size_t count;
    bool bridge = false;
    char hwaddr[24];
    static_hwaddr(address, hwaddr, sizeof(hwaddr));
    snprintf(path, sizeof(path), "/1.0/profiles/%s", b->settings->profile);
    enum ct_err rc = lxd_call(&b->lxd, "GET", path, NULL, &reply, NULL, err);
    if (rc != CT_OK) {
        return rc;
    }
    json_t *nic = lxd_nic_device(json_object_get(json_object_get(reply, "metadata"), "devices"),
                                 &device, &count);
    json_t *copy = nic != NULL ? json_deep_copy(nic) : NULL;
    if (nic == NULL) {
        rc = ct_error_set(err, CT_ERR_BACKEND,
                          "profile %s has %zu network devices: a static address needs one",
                          b->settings->profile, count);
    } else if ((rc = lxd_nic_filterable(&b->lxd, nic, &bridge, err)) != CT_OK) {
        /* rc says why */
    } else if (copy == NULL || json_object_set_new(copy, "ipv4.address", json_string(address)) != 0 ||
               json_object_set_new(copy, "hwaddr", json_string(hwaddr)) != 0 ||
               (bridge && (json_object_set_new(copy, "security.ipv4_filtering",
                                               json_string("true")) != 0 ||
                           json_object_set_new(copy, "security.mac_filtering",
                                               json_string("true")) != 0)) ||
               json_object_set(devices, device, copy) != 0) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    json_decref(copy);
    json_decref(reply);
    return rc;
}

/*
 * ctgate's metadata and the limits of a create as instance config: the
 * owner's, or (owner NULL) a pool's.  For adopt (LXD's PATCH keeps the keys
 * it is not given) every key is there, "" when unset: the pool's mark and
 * its limits go.
 */
static json_t *metadata_config(const struct backend_create *a, bool adopt)
{
    char ctid[24] = "";
    if (a->ctid > 0) {
        snprintf(ctid, sizeof(ctid), "%lld", a->ctid);
    }
    const struct {
        const char *key;
        const char *value;
    } keys[] = {
        {"user.ctgate.owner", a->owner},
        {"user.ctgate.request_id", a->request_id},
        {"user.ctgate.created", a->created},
        {"user.ctgate.template", a->tmpl->name},
        {"user.ctgate.pool", a->owner == NULL ? a->tmpl->name : NULL},
        {"user.ctgate.expires", a->expires},
        {"user.ctgate.description", a->description},
        {"user.ctgate.ctid", ctid[0] != '\0' ? ctid : NULL},
        {"user.ctgate.hostname", a->hostname},
        {"limits.cpu", NULL},
        {"limits.memory", NULL},
    };
    json_t *config = json_object();
    for (size_t i = 0; config != NULL && i < sizeof(keys) / sizeof(keys[0]); i++) {
        if ((keys[i].value != NULL || adopt) &&
            json_object_set_new(config, keys[i].key,
                                json_string(keys[i].value != NULL ? keys[i].value : "")) != 0) {
            json_decref(config);
            return NULL;
        }
    }
    add_limits(config, a->limits);
    return config;
}

static enum ct_err lxd_backend_create(void *h, const struct backend_create *a, struct ct_error *err)
{
    struct lxd_backend *b = h;
    const struct lxd_config *cfg = b->settings;
    char path[256];
    long status = 0;

    json_t *config = metadata_config(a, false);
    if (config == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    json_t *body = json_pack("{s:s, s:s, s:{s:s, s:s}, s:[s], s:o, s:{s:o}}", "name", a->name,
                             "type", "container", "source", "type", "image", "alias",
                             a->tmpl->image, "profiles", cfg->profile, "config", config, "devices",
                             "root", root_device(cfg, a->limits));
    if (body == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    enum ct_err rc = CT_OK;
    if (a->address != NULL && a->address[0] != '\0' &&
        (rc = static_nic(b, a->address, json_object_get(body, "devices"), err)) != CT_OK) {
        json_decref(body);
        return rc;
    }
    if (cfg->target[0] != '\0') {
        snprintf(path, sizeof(path), "/1.0/instances?target=%s", cfg->target);
    } else {
        snprintf(path, sizeof(path), "/1.0/instances");
    }
    rc = lxd_call_wait(&b->lxd, "POST", path, body, NULL, &status, err);
    json_decref(body);
    if (rc == CT_ERR_BACKEND && (status == 409 || strstr(err->detail, "already exists") != NULL)) {
        return ct_error_set(err, CT_ERR_HOSTNAME_TAKEN, "an instance named %s exists", a->name);
    }
    return rc;
}

/*
 * A pooled instance becomes its owner's: one PATCH of its config (ctgate's
 * metadata, limits.cpu and limits.memory, live) and of its root disk (the
 * size, live on a pool with quotas).
 */
static enum ct_err lxd_backend_adopt(void *h, const struct backend_create *a, struct ct_error *err)
{
    struct lxd_backend *b = h;
    char path[256];
    if (a->owner == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "adopt needs an owner");
    }
    json_t *body = json_pack("{s:o, s:{s:o}}", "config", metadata_config(a, true), "devices", "root",
                             root_device(b->settings, a->limits));
    if (body == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    snprintf(path, sizeof(path), "/1.0/instances/%s", a->name);
    enum ct_err rc = lxd_call(&b->lxd, "PATCH", path, body, NULL, NULL, err);
    json_decref(body);
    return rc;
}

static enum ct_err change_state(struct lxd_backend *b, const char *name, const char *action,
                                struct ct_error *err)
{
    char path[256];
    snprintf(path, sizeof(path), "/1.0/instances/%s/state", name);
    json_t *body = json_pack("{s:s, s:i, s:b}", "action", action, "timeout", b->cfg->call_timeout_s,
                             "force", strcmp(action, "start") != 0);
    if (body == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    enum ct_err rc = lxd_call_wait(&b->lxd, "PUT", path, body, NULL, NULL, err);
    json_decref(body);
    return rc;
}

static enum ct_err lxd_backend_set_state(void *h, const char *name, const char *action,
                                         struct ct_error *err)
{
    return change_state(h, name, action, err);
}

/* A root disk's size needs a storage pool whose driver has quotas (not "dir"). */
static enum ct_err lxd_backend_probe(void *h, unsigned want, unsigned *have, struct ct_error *err)
{
    struct lxd_backend *b = h;
    char path[128];
    json_t *reply = NULL;
    enum ct_err rc = CT_OK;

    *have = want;
    if ((want & BACKEND_CAN_LIMIT_DISK) == 0) {
        return CT_OK;
    }
    *have &= ~BACKEND_CAN_LIMIT_DISK;
    snprintf(path, sizeof(path), "/1.0/storage-pools/%s", b->settings->pool);
    rc = lxd_call(&b->lxd, "GET", path, NULL, &reply, NULL, err);
    if (rc == CT_OK) {
        const char *driver =
            json_string_value(json_object_get(json_object_get(reply, "metadata"), "driver"));
        if (driver != NULL && strcmp(driver, "dir") != 0) {
            *have |= BACKEND_CAN_LIMIT_DISK;
        }
    }
    json_decref(reply);
    return rc;
}

static void lxd_backend_doctor(void *h, backend_say_fn say, void *ctx)
{
    struct lxd_backend *b = h;
    lxd_doctor(&b->lxd, b->settings, say, ctx);
}

static enum ct_err lxd_backend_snapshot_create(void *h, const char *name, const char *snap,
                                               struct ct_error *err)
{
    struct lxd_backend *b = h;
    return lxd_snapshot_create(&b->lxd, name, snap, err);
}

static enum ct_err lxd_backend_snapshot_list(void *h, const char *name,
                                             struct backend_snapshot **out, size_t *n,
                                             struct ct_error *err)
{
    struct lxd_backend *b = h;
    return lxd_snapshot_list(&b->lxd, name, out, n, err);
}

static enum ct_err lxd_backend_snapshot_restore(void *h, const char *name, const char *snap,
                                                struct ct_error *err)
{
    struct lxd_backend *b = h;
    return lxd_snapshot_restore(&b->lxd, name, snap, err);
}

static enum ct_err lxd_backend_snapshot_delete(void *h, const char *name, const char *snap,
                                               struct ct_error *err)
{
    struct lxd_backend *b = h;
    return lxd_snapshot_delete(&b->lxd, name, snap, err);
}

static enum ct_err lxd_backend_export(void *h, const char *name, struct backend_export *ex,
                                     struct ct_error *err)
{
    struct lxd_backend *b = h;
    return lxd_backup_export(&b->lxd, name, ex, err);
}

static enum ct_err get_state(struct lxd_backend *b, const char *name, json_t **state, long *status,
                             struct ct_error *err)
{
    char path[256];
    json_t *reply = NULL;
    snprintf(path, sizeof(path), "/1.0/instances/%s/state", name);
    enum ct_err rc = lxd_call(&b->lxd, "GET", path, NULL, &reply, status, err);
    if (rc != CT_OK) {
        return rc;
    }
    *state = json_incref(json_object_get(reply, "metadata"));
    json_decref(reply);
    return CT_OK;
}

/* GET /1.0/instances/NAME: the instance object (its metadata), which the caller releases. */
static enum ct_err get_instance(struct lxd_backend *b, const char *name, json_t **inst,
                                long *status, struct ct_error *err)
{
    char path[256];
    json_t *reply = NULL;
    snprintf(path, sizeof(path), "/1.0/instances/%s", name);
    enum ct_err rc = lxd_call(&b->lxd, "GET", path, NULL, &reply, status, err);
    if (rc != CT_OK) {
        return rc;
    }
    *inst = json_incref(json_object_get(reply, "metadata"));
    json_decref(reply);
    return CT_OK;
}

struct lxd_look {
    struct lxd_backend *b;
    const char *name;
};

static enum ct_err lxd_look_address(void *p, int *verdict, char *out, size_t len,
                                    struct ct_error *err)
{
    struct lxd_look *l = p;
    json_t *inst = NULL;
    enum addr_verdict v = ADDR_NOT_YET;
    enum ct_err rc = get_instance(l->b, l->name, &inst, NULL, err);
    if (rc == CT_OK) {
        rc = lxd_network_address(&l->b->lxd, inst, &v, out, len, err);
    }
    json_decref(inst);
    *verdict = (int)v;
    return rc;
}

/*
 * The address LXD's own DHCP handed to the instance's NIC, once the NIC
 * holds it and addr-policy.h allows it (lxd-network.h); never what the
 * instance merely says.  A refusal is CT_ERR_NOT_ALLOWED naming the address.
 */
static enum ct_err lxd_backend_wait_ipv4(void *h, const char *name, int timeout_s, char *out,
                                         size_t len, struct ct_error *err)
{
    struct lxd_look look = {h, name};
    return backend_wait_address(lxd_look_address, &look, timeout_s, 100, out, len, err);
}

/* "/1.0/instances/NAME/files?path=FILE", FILE escaped for the query. */
static enum ct_err files_path(struct lxd_backend *b, const char *name, const char *file,
                              char *path, size_t len, struct ct_error *err)
{
    char *escaped = curl_easy_escape(b->lxd.curl, file, 0);
    if (escaped == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    int n = snprintf(path, len, "/1.0/instances/%s/files?path=%s", name, escaped);
    curl_free(escaped);
    if (n < 0 || (size_t)n >= len) {
        return ct_error_set(err, CT_ERR_INTERNAL, "file path too long");
    }
    return CT_OK;
}

static enum ct_err lxd_backend_push_file(void *h, const char *name, const struct backend_file *f,
                                         struct ct_error *err)
{
    struct lxd_backend *b = h;
    const char *pfx = b->lxd.header_prefix;
    char path[1024];
    char line[128];
    struct curl_slist *headers = NULL;
    enum ct_err rc = CT_OK;

    if ((rc = files_path(b, name, f->path, path, sizeof(path), err)) != CT_OK) {
        return rc;
    }
    /* LXD stores an empty file for any other content type, and still says 200. */
    headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
    headers = curl_slist_append(headers, "Expect:");
    snprintf(line, sizeof(line), "%stype: %s", pfx, f->data != NULL ? "file" : "directory");
    headers = curl_slist_append(headers, line);
    snprintf(line, sizeof(line), "%smode: 0%o", pfx, (unsigned)f->mode);
    headers = curl_slist_append(headers, line);
    snprintf(line, sizeof(line), "%suid: %lld", pfx, f->uid);
    headers = curl_slist_append(headers, line);
    snprintf(line, sizeof(line), "%sgid: %lld", pfx, f->gid);
    headers = curl_slist_append(headers, line);
    snprintf(line, sizeof(line), "%swrite: overwrite", pfx);
    headers = curl_slist_append(headers, line);
    if (headers == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    rc = lxd_call_raw(&b->lxd, "POST", path, headers, f->data != NULL ? f->data : "",
                      f->data != NULL ? f->len : 0, NULL, NULL, err);
    curl_slist_free_all(headers);
    return rc;
}

static enum ct_err lxd_backend_read_file(void *h, const char *name, const char *file,
                                         struct buf *out, struct ct_error *err)
{
    struct lxd_backend *b = h;
    char path[1024];
    enum ct_err rc = files_path(b, name, file, path, sizeof(path), err);
    /* A missing file is LXD's 404: CT_ERR_NOT_FOUND. */
    return rc != CT_OK ? rc : lxd_get_raw(&b->lxd, path, out, err);
}

static void delete_file(struct lxd_backend *b, const char *name, const char *file)
{
    char path[1024];
    struct ct_error ignored = {0};
    if (files_path(b, name, file, path, sizeof(path), &ignored) == CT_OK) {
        lxd_call(&b->lxd, "DELETE", path, NULL, NULL, NULL, &ignored);
    }
}

/* Fetch the first line of the exec's stderr log and delete both logs. */
static void collect_exec_logs(struct lxd_backend *b, json_t *op, struct backend_exec *ex)
{
    json_t *output = json_object_get(json_object_get(op, "metadata"), "output");
    const char *key;
    json_t *value;
    json_object_foreach (output, key, value) {
        const char *log = json_string_value(value);
        if (log == NULL || strncmp(log, "/1.0/", 5) != 0 || strlen(log) > 400) {
            continue;
        }
        struct ct_error ignored = {0};
        if (strcmp(key, "2") == 0) {
            struct buf text;
            buf_init(&text, (size_t)64 * 1024);
            if (lxd_get_raw(&b->lxd, log, &text, &ignored) == CT_OK && text.data != NULL) {
                size_t o = 0;
                for (size_t i = 0;
                     i < text.len && text.data[i] != '\n' && o + 1 < sizeof(ex->stderr_excerpt);
                     i++) {
                    char c = text.data[i];
                    if (c < ' ' || c > '~') {
                        c = '?';
                    }
                    ex->stderr_excerpt[o++] = c;
                }
                ex->stderr_excerpt[o] = '\0';
            }
            buf_free(&text);
        }
        lxd_call(&b->lxd, "DELETE", log, NULL, NULL, NULL, &ignored);
    }
}

/* ex->env's "NAME=value" entries into LXD's exec environment object. */
static enum ct_err add_environment(json_t *environment, const char *const *env,
                                   struct ct_error *err)
{
    for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
        char key[128]; /* an --env key is at most CT_ENV_KEY_MAX (64) */
        size_t n = strcspn(env[i], "=");
        if (env[i][n] != '=' || n == 0 || n >= sizeof(key)) {
            return ct_error_set(err, CT_ERR_INTERNAL, "bad environment entry");
        }
        memcpy(key, env[i], n);
        key[n] = '\0';
        if (json_object_set_new(environment, key, json_string(env[i] + n + 1)) != 0) {
            return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        }
    }
    return CT_OK;
}

/*
 * A command past its timeout: ask LXD to cancel it.  LXD cannot cancel an
 * exec without websockets (it refuses), so the command may run on inside
 * until it ends or the instance stops; ex->still_running says so.
 */
static void stop_exec(struct lxd_backend *b, json_t *reply, struct backend_exec *ex,
                      struct ct_error *err)
{
    struct ct_error why = {0};
    ex->timed_out = true;
    ex->still_running = lxd_cancel(&b->lxd, reply, &why) != CT_OK;
    ct_error_set(err, CT_ERR_TIMEOUT, "timed out after %ds", ex->timeout_s);
}

/*
 * Wait for an exec in one-second slices, calling ex->on_wait between them
 * (deploy.c reads the command's log to stream it); CT_ERR_TIMEOUT past
 * ex->timeout_s (or the operation timeout when that is 0).
 */
static enum ct_err wait_ticking(struct lxd_backend *b, json_t *reply, struct backend_exec *ex,
                                json_t **op, struct ct_error *err)
{
    int limit = ex->timeout_s > 0 ? ex->timeout_s : b->lxd.operation_timeout_s;
    long deadline = clock_now_ms() + (long)limit * 1000;
    for (;;) {
        enum ct_err rc = lxd_wait_within(&b->lxd, reply, 1, op, err);
        if (rc != CT_ERR_TIMEOUT) {
            return rc;
        }
        if (clock_now_ms() >= deadline || !ex->on_wait(ex->on_wait_ctx)) {
            return rc;
        }
    }
}

static enum ct_err lxd_backend_exec(void *h, const char *name, struct backend_exec *ex,
                                    struct ct_error *err)
{
    struct lxd_backend *b = h;
    char path[256];
    char stdin_path[64] = "";
    json_t *reply = NULL;
    json_t *op = NULL;
    json_t *body = NULL;
    enum ct_err rc = CT_OK;

    ex->exit_status = -1;
    ex->stderr_excerpt[0] = '\0';
    ex->timed_out = false;
    ex->still_running = false;
    json_t *command = json_array();
    if (command == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    if (ex->stdin_file != NULL) {
        /* No stdin without websockets: the data goes to a root-only file first. */
        unsigned char rnd[8];
        randombytes_buf(rnd, sizeof(rnd));
        char hex[sizeof(rnd) * 2 + 1];
        sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
        snprintf(stdin_path, sizeof(stdin_path), "/run/ctgate-stdin-%s", hex);
        struct backend_file f = {stdin_path, ex->stdin_file, ex->stdin_len, 0600, 0, 0};
        if ((rc = lxd_backend_push_file(h, name, &f, err)) != CT_OK) {
            goto out;
        }
        /* A fixed line; every variable part is a positional argument. */
        json_array_append_new(command, json_string("/bin/sh"));
        json_array_append_new(command, json_string("-c"));
        json_array_append_new(
            command, json_string("f=$1; shift; \"$@\" <\"$f\"; rc=$?; rm -f \"$f\"; exit $rc"));
        json_array_append_new(command, json_string("sh"));
        json_array_append_new(command, json_string(stdin_path));
    }
    for (size_t i = 0; ex->argv[i] != NULL; i++) {
        json_array_append_new(command, json_string(ex->argv[i]));
    }
    body = json_pack("{s:O, s:b, s:b, s:b, s:{s:s}}", "command", command, "wait-for-websocket", 0,
                     "record-output", 1, "interactive", 0, "environment", "PATH",
                     "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    if (body == NULL) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if ((rc = add_environment(json_object_get(body, "environment"), ex->env, err)) != CT_OK) {
        goto out;
    }
    if (ex->uid > 0 || ex->gid > 0) {
        json_object_set_new(body, "user", json_integer((json_int_t)ex->uid));
        json_object_set_new(body, "group", json_integer((json_int_t)ex->gid));
    }
    if (ex->cwd != NULL) {
        json_object_set_new(body, "cwd", json_string(ex->cwd));
    }
    snprintf(path, sizeof(path), "/1.0/instances/%s/exec", name);
    if ((rc = lxd_call(&b->lxd, "POST", path, body, &reply, NULL, err)) != CT_OK) {
        goto out;
    }
    if (ex->on_wait != NULL) {
        rc = wait_ticking(b, reply, ex, &op, err);
        if (rc == CT_ERR_TIMEOUT) {
            stop_exec(b, reply, ex, err);
            goto out;
        }
    } else if (ex->timeout_s > 0) {
        rc = lxd_wait_within(&b->lxd, reply, ex->timeout_s, &op, err);
        if (rc == CT_ERR_TIMEOUT) {
            stop_exec(b, reply, ex, err);
            goto out;
        }
    } else {
        rc = lxd_wait(&b->lxd, reply, &op, err);
    }
    if (rc != CT_OK) {
        goto out;
    }
    ex->exit_status =
        (int)json_integer_value(json_object_get(json_object_get(op, "metadata"), "return"));
    collect_exec_logs(b, op, ex);
out:
    if (stdin_path[0] != '\0') {
        delete_file(b, name, stdin_path);
    }
    json_decref(reply);
    json_decref(op);
    json_decref(body);
    json_decref(command);
    return rc;
}

static void instance_from_json(json_t *inst, struct backend_instance *out)
{
    memset(out, 0, sizeof(*out));
    json_t *config = json_object_get(inst, "config");
    struct {
        const char *key;
        char *dst;
        size_t len;
    } map[] = {
        {"user.ctgate.owner", out->owner, sizeof(out->owner)},
        {"user.ctgate.request_id", out->request_id, sizeof(out->request_id)},
        {"user.ctgate.template", out->template_name, sizeof(out->template_name)},
        {"user.ctgate.created", out->created, sizeof(out->created)},
        {"user.ctgate.expires", out->expires, sizeof(out->expires)},
        {"user.ctgate.description", out->description, sizeof(out->description)},
        {"user.ctgate.pool", out->pool, sizeof(out->pool)},
        {"volatile.base_image", out->image, sizeof(out->image)},
        {"limits.cpu", out->cpu, sizeof(out->cpu)},
        {"limits.memory", out->memory, sizeof(out->memory)},
    };
    const char *name = json_string_value(json_object_get(inst, "name"));
    const char *status = json_string_value(json_object_get(inst, "status"));
    if (name != NULL) {
        str_copy(out->name, sizeof(out->name), name);
    }
    if (status != NULL) {
        str_copy(out->state, sizeof(out->state), status);
    }
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        const char *v = json_string_value(json_object_get(config, map[i].key));
        if (v != NULL) {
            str_copy(map[i].dst, map[i].len, v);
        }
    }
    /* Set through LXD's API by ctgate alone: digits, or it reads as none. */
    const char *ctid = json_string_value(json_object_get(config, "user.ctgate.ctid"));
    if (ctid != NULL && ctid[0] != '\0' && strlen(ctid) <= 9 &&
        strspn(ctid, "0123456789") == strlen(ctid)) {
        out->ctid = strtoll(ctid, NULL, 10);
    }
    const char *disk = json_string_value(
        json_object_get(json_object_get(json_object_get(inst, "expanded_devices"), "root"), "size"));
    if (disk != NULL) {
        str_copy(out->disk, sizeof(out->disk), disk);
    }
    if (out->owner[0] != '\0') {
        out->pool[0] = '\0'; /* handed out: whatever the key says, it is its owner's */
    }
    out->managed = out->owner[0] != '\0' || out->pool[0] != '\0';
}

/*
 * ipv4 is the address LXD's DHCP handed to a running instance, when
 * addr-policy.h allows it now ("" otherwise, or when it cannot be told).
 */
static enum ct_err lxd_backend_get(void *h, const char *name, struct backend_instance *out,
                                   struct ct_error *err)
{
    struct lxd_backend *b = h;
    json_t *inst = NULL;
    long status = 0;

    enum ct_err rc = get_instance(b, name, &inst, &status, err);
    if (rc != CT_OK) {
        return status == 404 ? ct_error_set(err, CT_ERR_NOT_FOUND, NULL) : rc;
    }
    instance_from_json(inst, out);
    if (strcmp(out->state, "Running") == 0) {
        enum addr_verdict verdict = ADDR_NOT_YET;
        struct ct_error ignored = {0};
        if (lxd_network_address(&b->lxd, inst, &verdict, out->ipv4, sizeof(out->ipv4),
                                &ignored) != CT_OK ||
            verdict != ADDR_OK) {
            out->ipv4[0] = '\0';
        }
    }
    json_decref(inst);
    return CT_OK;
}

static enum ct_err lxd_backend_destroy(void *h, const char *name, struct ct_error *err)
{
    struct lxd_backend *b = h;
    char path[256];
    json_t *state = NULL;
    long status = 0;

    /* A start (or stop) still in flight would race the stop and the delete below. */
    enum ct_err rc = lxd_wait_instance_idle(&b->lxd, name, err);
    if (rc == CT_OK) {
        rc = get_state(b, name, &state, &status, err);
    }
    if (rc != CT_OK) {
        return status == 404 ? CT_OK : rc;
    }
    const char *s = json_string_value(json_object_get(state, "status"));
    bool running = s != NULL && strcmp(s, "Stopped") != 0;
    json_decref(state);
    if (running && (rc = change_state(b, name, "stop", err)) != CT_OK) {
        return rc;
    }
    snprintf(path, sizeof(path), "/1.0/instances/%s", name);
    rc = lxd_call_wait(&b->lxd, "DELETE", path, NULL, NULL, &status, err);
    return (rc != CT_OK && status == 404) ? CT_OK : rc;
}

static enum ct_err lxd_backend_list(void *h, struct backend_instance **out, size_t *n,
                                    struct ct_error *err)
{
    struct lxd_backend *b = h;
    json_t *reply = NULL;
    *out = NULL;
    *n = 0;
    /*
     * recursion=1: config and devices, never any instance's state (what a
     * container reports is its owner's to inflate).  ipv4 stays "": the
     * agent's list shows the address it published (registry.h).
     */
    enum ct_err rc =
        lxd_get_large(&b->lxd, "/1.0/instances?recursion=1", LXD_LIST_REPLY_MAX, &reply, err);
    if (rc != CT_OK) {
        return rc;
    }
    json_t *list = json_object_get(reply, "metadata");
    size_t count = json_array_size(list);
    struct backend_instance *all = calloc(count + 1, sizeof(*all));
    if (all == NULL) {
        json_decref(reply);
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    size_t i;
    json_t *inst;
    json_array_foreach (list, i, inst) {
        instance_from_json(inst, &all[*n]);
        if (all[*n].managed) {
            (*n)++;
        }
    }
    json_decref(reply);
    *out = all;
    return CT_OK;
}

static enum ct_err lxd_backend_image_info(void *h, const char *image, struct backend_image *out,
                                          struct ct_error *err)
{
    struct lxd_backend *b = h;
    return lxd_image_info(&b->lxd, image, out, err);
}

static enum ct_err lxd_backend_import_image(void *h, const char *image,
                                            const struct backend_image_source *src,
                                            struct backend_image *out, struct ct_error *err)
{
    struct lxd_backend *b = h;
    return lxd_image_import(&b->lxd, image, src, out, err);
}

const struct backend_ops backend_lxd = {
    .name = "lxd",
    .supports = BACKEND_CAN_LIMIT_DISK | BACKEND_CAN_IMPORT_IMAGE | BACKEND_CAN_STATIC_ADDRESS |
                BACKEND_CAN_POOL,
    .load_settings = lxd_config_load,
    .free_settings = lxd_config_free,
    .check_image = lxd_config_check_image,
    .probe = lxd_backend_probe,
    .open = lxd_backend_open,
    .close = lxd_backend_close,
    .create = lxd_backend_create,
    .adopt = lxd_backend_adopt,
    .set_state = lxd_backend_set_state,
    .wait_ipv4 = lxd_backend_wait_ipv4,
    .exec = lxd_backend_exec,
    .push_file = lxd_backend_push_file,
    .read_file = lxd_backend_read_file,
    .destroy = lxd_backend_destroy,
    .get = lxd_backend_get,
    .list = lxd_backend_list,
    .image_info = lxd_backend_image_info,
    .import_image = lxd_backend_import_image,
    .doctor = lxd_backend_doctor,
    .snapshot_create = lxd_backend_snapshot_create,
    .snapshot_list = lxd_backend_snapshot_list,
    .snapshot_restore = lxd_backend_snapshot_restore,
    .snapshot_delete = lxd_backend_snapshot_delete,
    .export_backup = lxd_backend_export,
};
