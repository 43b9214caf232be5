/* registry.c - see registry.h. */
#include "registry.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"
#include "json-secure.h"
#include "lockfile.h"
#include "strcopy.h"
#include "timefmt.h"
#include "units.h"

#define LOCK_WAIT_MS 15000

static int lock_registry(const char *dir, struct ct_error *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/registry.lock", dir);
    return lockfile_acquire(path, LOCK_WAIT_MS, err);
}

/* The registry document in text, checked for its one required member. */
static enum ct_err parse_doc(const char *text, size_t len, const char *what, json_t **out,
                             struct ct_error *err)
{
    json_error_t jerr;
    *out = json_loadb(text != NULL ? text : "", len, 0, &jerr);
    if (*out == NULL || !json_is_object(json_object_get(*out, "hostnames"))) {
        json_decref(*out);
        *out = NULL;
        return ct_error_set(err, CT_ERR_INTERNAL, "%s is corrupt", what);
    }
    return CT_OK;
}

static enum ct_err load(const char *dir, json_t **out, struct ct_error *err)
{
    char path[PATH_MAX];
    struct buf text;
    enum ct_err rc = CT_OK;
    snprintf(path, sizeof(path), "%s/registry.json", dir);
    buf_init(&text, REGISTRY_MAX);
    int r = buf_read_file(&text, path);
    if (r == -ENOENT) {
        *out = json_pack("{s:i, s:{}}", "v", 1, "hostnames");
        rc = *out != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    } else if (r != 0) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "cannot read %s: %s", path, strerror(-r));
    } else {
        rc = parse_doc(text.data, text.len, path, out, err);
    }
    buf_free(&text);
    return rc;
}

static enum ct_err save(const char *dir, json_t *reg, struct ct_error *err)
{
    char path[PATH_MAX];
    struct atomicfile af;
    snprintf(path, sizeof(path), "%s/registry.json", dir);
    char *text = json_dumps(reg, JSON_INDENT(1) | JSON_SORT_KEYS);
    if (text == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    enum ct_err rc = atomicfile_open(&af, path, 0600, err);
    if (rc == CT_OK) {
        atomicfile_append(&af, text, strlen(text));
        atomicfile_append(&af, "\n", 1);
        rc = atomicfile_commit(&af, err);
    }
    json_secure_free_text(text);
    return rc;
}

/*
 * Run change() on the whole document under the lock; save when it says the
 * registry changed.  Every mutation goes through here.
 */
typedef enum ct_err (*registry_doc_fn)(json_t *doc, const void *arg, bool *changed,
                                       struct ct_error *err);

static enum ct_err registry_update_doc(const char *dir, registry_doc_fn change, const void *arg,
                                       struct ct_error *err)
{
    json_t *reg = NULL;
    bool changed = false;
    int lock = lock_registry(dir, err);
    if (lock < 0) {
        return err->code;
    }
    enum ct_err rc = load(dir, &reg, err);
    if (rc == CT_OK) {
        rc = change(reg, arg, &changed, err);
    }
    if (rc == CT_OK && changed) {
        rc = save(dir, reg, err);
    }
    json_decref(reg);
    close(lock); /* releases the flock */
    return rc;
}

/* A change (or read) of the "hostnames" object alone. */
typedef enum ct_err (*registry_change_fn)(json_t *names, const void *arg, bool *changed,
                                          struct ct_error *err);

struct names_change {
    registry_change_fn change;
    const void *arg;
};

static enum ct_err on_names(json_t *doc, const void *arg, bool *changed, struct ct_error *err)
{
    const struct names_change *c = arg;
    return c->change(json_object_get(doc, "hostnames"), c->arg, changed, err);
}

static enum ct_err registry_update(const char *dir, registry_change_fn change, const void *arg,
                                   struct ct_error *err)
{
    struct names_change c = {change, arg};
    return registry_update_doc(dir, on_names, &c, err);
}

/* The arguments of one change or read; each function sets the fields it needs. */
struct reservation {
    const char *hostname;
    const char *owner;
    const char *request_id;
    const char *when;
    bool *found;                    /* is_reserved and lookup */
    struct registry_entry *entry;   /* lookup only */
    struct registry_snapshot *snap; /* snapshot_load only */
    struct reserve_claim *claim;    /* reserve only; may be NULL */
    const char *ipv4;               /* set_address only */
    int http_port;
    long long ctid; /* set_ctid only */
    const struct procid *worker; /* mark_deleting only */
};

static json_t *pending_json(const char *op, const struct procid *w)
{
    return json_pack("{s:s, s:I, s:I, s:s}", "op", op, "pid", (json_int_t)w->pid, "start",
                     (json_int_t)w->start, "boot", w->boot);
}

/* --- reading entries out of the document ---------------------------------- */

static void string_of(json_t *v, char *out, size_t size)
{
    if (!json_is_string(v) || !str_copy(out, size, json_string_value(v))) {
        out[0] = '\0';
    }
}

/* An integer member as an int: 0 when missing, -1 when out of range (never a valid port). */
static int int_of(json_t *v)
{
    json_int_t n = json_integer_value(v);
    return n < INT_MIN || n > INT_MAX ? -1 : (int)n;
}

static enum registry_pending pending_of(json_t *p)
{
    const char *op = json_string_value(json_object_get(p, "op"));
    if (p == NULL) {
        return REGISTRY_SETTLED;
    }
    if (op != NULL && strcmp(op, "create") == 0) {
        return REGISTRY_CREATING;
    }
    if (op != NULL && strcmp(op, "delete") == 0) {
        return REGISTRY_DELETING;
    }
    return REGISTRY_PENDING_OTHER;
}

static int compare_protocols(const void *a, const void *b)
{
    const struct registry_protocol *x = a;
    const struct registry_protocol *y = b;
    return strcmp(x->name, y->name);
}

/* The protocols in name order (as the file, written with sorted keys, has them). */
static void protocols_of(json_t *protos, struct registry_entry *out)
{
    const char *name;
    json_t *proto;
    json_object_foreach (protos, name, proto) {
        if (out->nprotocols == REGISTRY_PROTOCOLS_MAX) {
            break;
        }
        struct registry_protocol *p = &out->protocols[out->nprotocols];
        const char *transport = json_string_value(json_object_get(proto, "transport"));
        if (transport == NULL || !str_copy(p->name, sizeof(p->name), name)) {
            continue;
        }
        p->port = int_of(json_object_get(proto, "port"));
        p->external = int_of(json_object_get(proto, "external"));
        p->udp = strcmp(transport, "udp") == 0;
        out->nprotocols++;
    }
    qsort(out->protocols, out->nprotocols, sizeof(out->protocols[0]), compare_protocols);
}

/* An entry's memory in bytes; entries written before sizes were bytes say "memory_mib". */
static long long memory_of(json_t *e)
{
    json_t *bytes = json_object_get(e, "memory_bytes");
    if (bytes != NULL) {
        return json_integer_value(bytes);
    }
    return json_integer_value(json_object_get(e, "memory_mib")) * UNITS_MIB;
}

/* The entry named name; false (out undefined) when the name does not fit. */
static bool entry_of(const char *name, json_t *e, struct registry_entry *out)
{
    json_t *p = json_object_get(e, "pending");
    memset(out, 0, sizeof(*out));
    if (!str_copy(out->hostname, sizeof(out->hostname), name)) {
        return false;
    }
    string_of(json_object_get(e, "owner"), out->owner, sizeof(out->owner));
    string_of(json_object_get(e, "request_id"), out->request_id, sizeof(out->request_id));
    string_of(json_object_get(e, "reserved"), out->reserved, sizeof(out->reserved));
    out->memory_bytes = memory_of(e);
    out->ssh_port = int_of(json_object_get(e, "ssh_port"));
    out->ctid = json_integer_value(json_object_get(e, "ctid"));
    string_of(json_object_get(e, "address"), out->address, sizeof(out->address));
    string_of(json_object_get(e, "ipv4"), out->ipv4, sizeof(out->ipv4));
    string_of(json_object_get(e, "pool"), out->pool, sizeof(out->pool));
    string_of(json_object_get(e, "instance"), out->instance, sizeof(out->instance));
    out->http_port = int_of(json_object_get(e, "http_port"));
    protocols_of(json_object_get(e, "protocols"), out);
    out->pending = pending_of(p);
    if (p != NULL) {
        out->worker.pid = (long)json_integer_value(json_object_get(p, "pid"));
        out->worker.start = (unsigned long long)json_integer_value(json_object_get(p, "start"));
        /* unreadable: "", which no running process has (procid_alive) */
        string_of(json_object_get(p, "boot"), out->worker.boot, sizeof(out->worker.boot));
    }
    return true;
}

bool registry_entry_abandoned(const struct registry_entry *entry)
{
    return entry->pending != REGISTRY_SETTLED && !procid_alive(&entry->worker);
}

const char *registry_pending_name(enum registry_pending pending)
{
    switch (pending) {
    case REGISTRY_CREATING:
        return "create";
    case REGISTRY_DELETING:
        return "delete";
    default:
        return NULL;
    }
}

/* --- changes --------------------------------------------------------------- */

static bool port_held(json_t *names, int port, const int *extra, size_t nextra)
{
    const char *key;
    json_t *entry;
    for (size_t i = 0; i < nextra; i++) {
        if (extra[i] == port) {
            return true;
        }
    }
    json_object_foreach (names, key, entry) {
        if (json_integer_value(json_object_get(entry, "ssh_port")) == port) {
            return true;
        }
        const char *pname;
        json_t *proto;
        json_object_foreach (json_object_get(entry, "protocols"), pname, proto) {
            if (json_integer_value(json_object_get(proto, "external")) == port) {
                return true;
            }
        }
    }
    return false;
}

/* --- the cool-down of freed names and ports --------------------------------------- */

/*
 * The document's "released": {"hostnames": {NAME: {"owner", "at"}}, "ports":
 * {"PORT": {"owner", "at"}}}: what a delivered entry held when it was freed
 * (at: seconds since the epoch), kept from everybody but that owner for the
 * claim's reuse_cooldown_s.  part ("hostnames" or "ports") is made when
 * missing; NULL only when out of memory.
 */
static json_t *released_part(json_t *doc, const char *part)
{
    json_t *released = json_object_get(doc, "released");
    if (!json_is_object(released)) {
        released = json_object();
        if (released == NULL || json_object_set_new(doc, "released", released) != 0) {
            return NULL;
        }
    }
    json_t *p = json_object_get(released, part);
    if (!json_is_object(p)) {
        p = json_object();
        if (p == NULL || json_object_set_new(released, part, p) != 0) {
            return NULL;
        }
    }
    return p;
}

/* Drop the records of part whose cool-down (cooldown_s; 0: none) has passed by now. */
static void forget_released(json_t *part, long long cooldown_s, time_t now, bool *changed)
{
    const char *key;
    json_t *record;
    void *tmp;
    json_object_foreach_safe (part, tmp, key, record) {
        json_int_t at = json_integer_value(json_object_get(record, "at"));
        if (cooldown_s <= 0 || (long long)now - (long long)at >= cooldown_s) {
            json_object_del(part, key);
            *changed = true;
        }
    }
}

/* Whether key of part is cooling down for an owner other than owner. */
static bool cooling_for_other(json_t *part, const char *key, const char *owner)
{
    json_t *record = json_object_get(part, key);
    const char *previous = json_string_value(json_object_get(record, "owner"));
    return record != NULL && (previous == NULL || strcmp(previous, owner) != 0);
}

static void port_key(int port, char *out, size_t len)
{
    snprintf(out, len, "%d", port);
}

static bool port_cooling(json_t *cooling, int port, const char *owner)
{
    char key[16];
    port_key(port, key, sizeof(key));
    return cooling != NULL && cooling_for_other(cooling, key, owner);
}

/* Remember what a freed entry held (a create that never finished held nothing yet). */
static void remember_release(json_t *doc, const char *hostname, json_t *entry, time_t now)
{
    const char *owner = json_string_value(json_object_get(entry, "owner"));
    const char *op = json_string_value(json_object_get(json_object_get(entry, "pending"), "op"));
    json_t *names = released_part(doc, "hostnames");
    json_t *ports = released_part(doc, "ports");
    if (owner == NULL || names == NULL || ports == NULL ||
        (op != NULL && strcmp(op, "create") == 0)) {
        return;
    }
    char key[16];
    json_object_set_new(names, hostname,
                        json_pack("{s:s, s:I}", "owner", owner, "at", (json_int_t)now));
    int ssh = (int)json_integer_value(json_object_get(entry, "ssh_port"));
    if (ssh > 0) {
        port_key(ssh, key, sizeof(key));
        json_object_set_new(ports, key,
                            json_pack("{s:s, s:I}", "owner", owner, "at", (json_int_t)now));
    }
    const char *pname;
    json_t *proto;
    json_object_foreach (json_object_get(entry, "protocols"), pname, proto) {
        int external = (int)json_integer_value(json_object_get(proto, "external"));
        if (external > 0) {
            port_key(external, key, sizeof(key));
            json_object_set_new(ports, key,
                                json_pack("{s:s, s:I}", "owner", owner, "at", (json_int_t)now));
        }
    }
}

/*
 * Lowest port of range held by no entry, not in extra (ports of this
 * request) and not cooling down for another owner; 0 if none.
 */
static int free_port(json_t *names, json_t *cooling, const char *owner, struct port_range range,
                     const int *extra, size_t nextra)
{
    for (int port = range.min; port != 0 && port <= range.max; port++) {
        if (!port_held(names, port, extra, nextra) && !port_cooling(cooling, port, owner)) {
            return port;
        }
    }
    return 0;
}

/* Choose every port of the request before anything is written. */
static enum ct_err choose_ports(json_t *names, json_t *cooling, const char *owner,
                                struct reserve_claim *ports, struct ct_error *err)
{
    int taken[REGISTRY_PROTOCOLS_MAX + 1] = {0};
    size_t ntaken = 0;
    ports->ssh_port = 0;
    if (ports->ssh.min != 0) {
        if ((ports->ssh_port = free_port(names, cooling, owner, ports->ssh, taken, ntaken)) == 0) {
            return ct_error_set(err, CT_ERR_NOT_ALLOWED, "no free SSH port in %d-%d",
                                ports->ssh.min, ports->ssh.max);
        }
        taken[ntaken++] = ports->ssh_port;
    }
    for (size_t i = 0; i < ports->nproto && i < REGISTRY_PROTOCOLS_MAX; i++) {
        int port = free_port(names, cooling, owner, ports->proto, taken, ntaken);
        if (port == 0) {
            return ct_error_set(err, CT_ERR_NOT_ALLOWED, "no free protocol port in %d-%d",
                                ports->proto.min, ports->proto.max);
        }
        ports->proto_external[i] = port;
        taken[ntaken++] = port;
    }
    return CT_OK;
}

static bool ctid_held(json_t *names, long long ctid)
{
    const char *name;
    json_t *entry;
    json_object_foreach (names, name, entry) {
        if (json_integer_value(json_object_get(entry, "ctid")) == ctid) {
            return true;
        }
    }
    return false;
}

/*
 * The claim's CTID: from the document's next_ctid (kept in the file, so
 * numbers are not reused while the range lasts) up, then from the range's
 * start; the first no entry holds.
 */
static enum ct_err choose_ctid(json_t *doc, json_t *names, struct reserve_claim *c,
                               struct ct_error *err)
{
    c->ctid = 0;
    if (c->ctid_min <= 0 || c->ctid_max < c->ctid_min) {
        return CT_OK;
    }
    long long next = json_integer_value(json_object_get(doc, "next_ctid"));
    if (next < c->ctid_min || next > c->ctid_max) {
        next = c->ctid_min;
    }
    long long span = c->ctid_max - c->ctid_min + 1;
    for (long long i = 0; i < span; i++) {
        long long id = c->ctid_min + (next - c->ctid_min + i) % span;
        if (!ctid_held(names, id)) {
            c->ctid = id;
            return CT_OK;
        }
    }
    return ct_error_set(err, CT_ERR_NOT_ALLOWED, "no free CTID in %lld-%lld", c->ctid_min,
                        c->ctid_max);
}

/* host_order as dotted text ("" if it cannot be written). */
static void address_text(uint32_t host_order, char *out, size_t len)
{
    struct in_addr a = {htonl(host_order)};
    if (inet_ntop(AF_INET, &a, out, (socklen_t)len) == NULL) {
        out[0] = '\0';
    }
}

/* Mark in held (one bit per address of c's range) ip, when it is an IPv4 address in it. */
static void mark_held(const struct reserve_claim *c, const char *ip, unsigned char *held)
{
    struct in_addr a;
    if (ip != NULL && inet_pton(AF_INET, ip, &a) == 1 && ntohl(a.s_addr) >= c->addr_min &&
        ntohl(a.s_addr) <= c->addr_max) {
        uint32_t bit = ntohl(a.s_addr) - c->addr_min;
        held[bit / 8] |= (unsigned char)(1u << (bit % 8));
    }
}

/*
 * The claim's static address: as choose_ctid, from the document's
 * next_address; an address is held when an entry has it as its address or
 * publishes it (a DHCP lease).  One pass over the entries: the lock is held.
 */
static enum ct_err choose_address(json_t *doc, json_t *names, struct reserve_claim *c,
                                  struct ct_error *err)
{
    c->address[0] = '\0';
    if (c->addr_min == 0 || c->addr_max < c->addr_min) {
        return CT_OK;
    }
    uint64_t span = (uint64_t)c->addr_max - c->addr_min + 1;
    if (span > REGISTRY_ADDRESSES_MAX) {
        return ct_error_set(err, CT_ERR_INTERNAL, "an address range of %llu addresses",
                            (unsigned long long)span);
    }
    unsigned char held[REGISTRY_ADDRESSES_MAX / 8] = {0};
    const char *key;
    json_t *entry;
    json_object_foreach (names, key, entry) {
        mark_held(c, json_string_value(json_object_get(entry, "address")), held);
        mark_held(c, json_string_value(json_object_get(entry, "ipv4")), held);
    }
    struct in_addr parsed;
    const char *next_text = json_string_value(json_object_get(doc, "next_address"));
    uint32_t next = c->addr_min;
    if (next_text != NULL && inet_pton(AF_INET, next_text, &parsed) == 1 &&
        ntohl(parsed.s_addr) >= c->addr_min && ntohl(parsed.s_addr) <= c->addr_max) {
        next = ntohl(parsed.s_addr);
    }
    for (uint64_t i = 0; i < span; i++) {
        uint32_t bit = (uint32_t)(((uint64_t)next - c->addr_min + i) % span);
        if ((held[bit / 8] & (1u << (bit % 8))) == 0) {
            address_text(c->addr_min + bit, c->address, sizeof(c->address));
            return CT_OK;
        }
    }
    char lo[16];
    char hi[16];
    address_text(c->addr_min, lo, sizeof(lo));
    address_text(c->addr_max, hi, sizeof(hi));
    return ct_error_set(err, CT_ERR_NOT_ALLOWED, "no free address in %s-%s", lo, hi);
}

/* Would one more entry of owner with this memory stay within the claim's quota? */
static enum ct_err check_quota(json_t *names, const char *owner, const struct reserve_claim *c,
                               struct ct_error *err)
{
    const char *key;
    json_t *entry;
    int count = 0;
    long long memory = 0;
    json_object_foreach (names, key, entry) {
        const char *o = json_string_value(json_object_get(entry, "owner"));
        if (o != NULL && strcmp(o, owner) == 0) {
            count++;
            memory += memory_of(entry);
        }
    }
    if (c->quota_containers != 0 && count + 1 > c->quota_containers) {
        return ct_error_set(err, CT_ERR_QUOTA, "you have %d containers, the most allowed is %d",
                            count, c->quota_containers);
    }
    if (c->quota_memory_bytes != 0 && memory + c->memory_bytes > c->quota_memory_bytes) {
        char held[32];
        char asked[32];
        char allowed[32];
        units_format_size(memory, held, sizeof(held));
        units_format_size(c->memory_bytes, asked, sizeof(asked));
        units_format_size(c->quota_memory_bytes, allowed, sizeof(allowed));
        return ct_error_set(err, CT_ERR_QUOTA, "memory: %s held + %s asked > %s allowed", held,
                            asked, allowed);
    }
    return CT_OK;
}

/*
 * A settled pooled container of template in names (the first by name), or
 * NULL; *name its entry's key.
 */
static json_t *pooled_entry(json_t *names, const char *template_name, const char **name)
{
    const char *key;
    json_t *entry;
    json_object_foreach (names, key, entry) {
        const char *pool = json_string_value(json_object_get(entry, "pool"));
        if (pool != NULL && strcmp(pool, template_name) == 0 &&
            json_object_get(entry, "pending") == NULL) {
            *name = key;
            return entry;
        }
    }
    return NULL;
}

/*
 * The claim takes a pooled container (claim_from): its instance, CTID and
 * address go to the new entry (filled into the claim), its entry goes.
 * Nothing is taken when the pool is empty.
 */
static void take_pooled(json_t *names, struct reserve_claim *c)
{
    const char *key = NULL;
    c->instance[0] = '\0';
    json_t *pooled = c->claim_from != NULL ? pooled_entry(names, c->claim_from, &key) : NULL;
    if (pooled == NULL || !str_copy(c->instance, sizeof(c->instance), key)) {
        c->instance[0] = '\0';
        return;
    }
    c->ctid = json_integer_value(json_object_get(pooled, "ctid"));
    c->address[0] = '\0';
    string_of(json_object_get(pooled, "address"), c->address, sizeof(c->address));
    json_object_del(names, c->instance); /* key points into it: not used after */
}

static enum ct_err add_reservation(json_t *doc, const void *arg, bool *changed,
                                   struct ct_error *err)
{
    const struct reservation *r = arg;
    json_t *names = json_object_get(doc, "hostnames");
    json_t *held = json_object_get(names, r->hostname);
    json_t *cooling_names = NULL;
    json_t *cooling_ports = NULL;
    if (r->claim != NULL) { /* forget what has cooled down, then keep the rest from others */
        time_t now = r->claim->now != 0 ? r->claim->now : time(NULL);
        cooling_names = released_part(doc, "hostnames");
        cooling_ports = released_part(doc, "ports");
        if (cooling_names == NULL || cooling_ports == NULL) {
            return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        }
        forget_released(cooling_names, r->claim->reuse_cooldown_s, now, changed);
        forget_released(cooling_ports, r->claim->reuse_cooldown_s, now, changed);
    }
    if (held != NULL) {
        struct registry_entry e;
        if (r->claim != NULL && entry_of(r->hostname, held, &e)) {
            const char *rid = e.request_id; /* "" when unreadable */
            r->claim->abandoned =
                rid[0] != '\0' && registry_entry_abandoned(&e) &&
                str_copy(r->claim->abandoned_rid, sizeof(r->claim->abandoned_rid), rid);
            /* ids are scoped to their owner: another owner's equal id is another request */
            r->claim->same_request = !r->claim->abandoned && strcmp(rid, r->request_id) == 0 &&
                                     strcmp(e.owner, r->owner) == 0;
        }
        return ct_error_set(err, CT_ERR_HOSTNAME_TAKEN, "%s", r->hostname);
    }
    if (r->claim != NULL && cooling_for_other(cooling_names, r->hostname, r->owner)) {
        char until[32];
        time_t at = (time_t)json_integer_value(
            json_object_get(json_object_get(cooling_names, r->hostname), "at"));
        timefmt_rfc3339(at + (time_t)r->claim->reuse_cooldown_s, until, sizeof(until));
        return ct_error_set(err, CT_ERR_HOSTNAME_TAKEN,
                            "%s was freed recently; a new owner may take it from %s", r->hostname,
                            until);
    }
    if (r->claim != NULL &&
        (check_quota(names, r->owner, r->claim, err) != CT_OK ||
         choose_ports(names, cooling_ports, r->owner, r->claim, err) != CT_OK)) {
        return err->code;
    }
    if (r->claim != NULL) {
        take_pooled(names, r->claim);
    }
    bool pooled = r->claim != NULL && r->claim->instance[0] != '\0';
    if (r->claim != NULL && !pooled &&
        (choose_ctid(doc, names, r->claim, err) != CT_OK ||
         choose_address(doc, names, r->claim, err) != CT_OK)) {
        return err->code;
    }
    json_t *entry = json_pack("{s:s, s:s, s:s}", "owner", r->owner, "request_id", r->request_id,
                              "reserved", r->when);
    if (entry != NULL && r->claim != NULL) {
        if (r->claim->ssh_port != 0) {
            json_object_set_new(entry, "ssh_port", json_integer(r->claim->ssh_port));
        }
        if (r->claim->pool_of != NULL) {
            json_object_set_new(entry, "pool", json_string(r->claim->pool_of));
        }
        if (pooled) {
            json_object_set_new(entry, "instance", json_string(r->claim->instance));
        }
        if (r->claim->ctid != 0) {
            json_object_set_new(entry, "ctid", json_integer(r->claim->ctid));
            if (!pooled) {
                json_object_set_new(doc, "next_ctid", json_integer(r->claim->ctid + 1));
            }
        }
        if (r->claim->address[0] != '\0' && pooled) {
            json_object_set_new(entry, "address", json_string(r->claim->address));
        } else if (r->claim->address[0] != '\0') {
            struct in_addr a;
            char next[16] = "";
            if (inet_pton(AF_INET, r->claim->address, &a) == 1) {
                uint32_t n = ntohl(a.s_addr);
                address_text(n < r->claim->addr_max ? n + 1 : r->claim->addr_min, next,
                             sizeof(next));
            }
            json_object_set_new(entry, "address", json_string(r->claim->address));
            json_object_set_new(doc, "next_address", json_string(next));
        }
        if (r->claim->memory_bytes != 0) {
            json_object_set_new(entry, "memory_bytes", json_integer(r->claim->memory_bytes));
        }
        if (r->claim->worker != NULL) {
            json_object_set_new(entry, "pending", pending_json("create", r->claim->worker));
        }
        if (r->claim->nproto > 0) {
            json_t *protos = json_object();
            for (size_t i = 0; protos != NULL && i < r->claim->nproto; i++) {
                const struct protocol *p = r->claim->proto_list[i];
                json_object_set_new(protos, p->name,
                                    json_pack("{s:i, s:i, s:s}", "port", p->port, "external",
                                              r->claim->proto_external[i], "transport",
                                              p->udp ? "udp" : "tcp"));
            }
            json_object_set_new(entry, "protocols", protos);
        }
    }
    if (entry == NULL || json_object_set_new(names, r->hostname, entry) != 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    if (r->claim != NULL) { /* the owner's again: no longer cooling */
        char key[16];
        json_object_del(cooling_names, r->hostname);
        if (r->claim->ssh_port != 0) {
            port_key(r->claim->ssh_port, key, sizeof(key));
            json_object_del(cooling_ports, key);
        }
        for (size_t i = 0; i < r->claim->nproto && i < REGISTRY_PROTOCOLS_MAX; i++) {
            port_key(r->claim->proto_external[i], key, sizeof(key));
            json_object_del(cooling_ports, key);
        }
    }
    *changed = true;
    return CT_OK;
}

static enum ct_err drop_reservation(json_t *doc, const void *arg, bool *changed,
                                    struct ct_error *err)
{
    (void)err;
    const struct reservation *r = arg;
    json_t *names = json_object_get(doc, "hostnames");
    json_t *entry = json_object_get(names, r->hostname);
    if (entry == NULL) {
        return CT_OK;
    }
    const char *holder = json_string_value(json_object_get(entry, "request_id"));
    if (r->request_id != NULL && (holder == NULL || strcmp(holder, r->request_id) != 0)) {
        return CT_OK; /* somebody else's reservation */
    }
    remember_release(doc, r->hostname, entry, time(NULL));
    json_object_del(names, r->hostname);
    *changed = true;
    return CT_OK;
}

enum ct_err registry_reserve(const char *dir, const char *hostname, const char *owner,
                             const char *request_id, const char *when, struct reserve_claim *claim,
                             struct ct_error *err)
{
    struct reservation r = {.hostname = hostname,
                            .owner = owner,
                            .request_id = request_id,
                            .when = when,
                            .claim = claim};
    return registry_update_doc(dir, add_reservation, &r, err);
}

enum ct_err registry_release(const char *dir, const char *hostname, const char *request_id,
                             struct ct_error *err)
{
    struct reservation r = {.hostname = hostname, .request_id = request_id};
    return registry_update_doc(dir, drop_reservation, &r, err);
}

/* The entry of r->hostname when r->request_id holds it; else NULL and an error. */
static json_t *held_entry(json_t *names, const struct reservation *r, struct ct_error *err)
{
    json_t *entry = json_object_get(names, r->hostname);
    const char *holder = json_string_value(json_object_get(entry, "request_id"));
    if (entry == NULL || holder == NULL || strcmp(holder, r->request_id) != 0) {
        ct_error_set(err, CT_ERR_INTERNAL, "%s is not reserved by this request", r->hostname);
        return NULL;
    }
    return entry;
}

static enum ct_err set_address(json_t *names, const void *arg, bool *changed, struct ct_error *err)
{
    const struct reservation *r = arg;
    json_t *entry = held_entry(names, r, err);
    if (entry == NULL) {
        return err->code;
    }
    /* One address, one container: routes never move to whoever claims another's address. */
    const char *other_name;
    json_t *other;
    const char *given = json_string_value(json_object_get(entry, "address"));
    if (r->ipv4 != NULL && given != NULL && strcmp(given, r->ipv4) != 0) {
        ct_error_set(err, CT_ERR_NOT_ALLOWED,
                     "the container's address %s is not the one it was given (%s): it is not "
                     "published",
                     r->ipv4, given);
        err->detail_public = true;
        return CT_ERR_NOT_ALLOWED;
    }
    json_object_foreach (names, other_name, other) {
        const char *ip = json_string_value(json_object_get(other, "ipv4"));
        const char *held = json_string_value(json_object_get(other, "address"));
        if (r->ipv4 != NULL && other != entry &&
            ((ip != NULL && strcmp(ip, r->ipv4) == 0) ||
             (held != NULL && strcmp(held, r->ipv4) == 0))) {
            ct_error_set(err, CT_ERR_NOT_ALLOWED,
                         "the container's address %s is another container's: it is not "
                         "published",
                         r->ipv4);
            err->detail_public = true;
            return CT_ERR_NOT_ALLOWED;
        }
    }
    if (r->ipv4 == NULL) {
        json_object_del(entry, "ipv4"); /* http_port stays: a start publishes it again */
    } else {
        json_object_set_new(entry, "ipv4", json_string(r->ipv4));
        json_object_set_new(entry, "http_port", json_integer(r->http_port));
    }
    *changed = true;
    return CT_OK;
}

static enum ct_err set_ctid(json_t *names, const void *arg, bool *changed, struct ct_error *err)
{
    const struct reservation *r = arg;
    json_t *entry = held_entry(names, r, err);
    if (entry == NULL) {
        return err->code;
    }
    if (r->ctid <= 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "CTID %lld is not a CTID", r->ctid);
    }
    if (json_integer_value(json_object_get(entry, "ctid")) == r->ctid) {
        return CT_OK;
    }
    if (ctid_held(names, r->ctid)) {
        return ct_error_set(err, CT_ERR_INTERNAL, "CTID %lld is another container's", r->ctid);
    }
    json_object_set_new(entry, "ctid", json_integer(r->ctid));
    *changed = true;
    return CT_OK;
}

enum ct_err registry_set_ctid(const char *dir, const char *hostname, const char *request_id,
                              long long ctid, struct ct_error *err)
{
    struct reservation r = {.hostname = hostname, .request_id = request_id, .ctid = ctid};
    return registry_update(dir, set_ctid, &r, err);
}

enum ct_err registry_set_address(const char *dir, const char *hostname, const char *request_id,
                                 const char *ipv4, int http_port, struct ct_error *err)
{
    struct reservation r = {
        .hostname = hostname, .request_id = request_id, .ipv4 = ipv4, .http_port = http_port};
    return registry_update(dir, set_address, &r, err);
}

static enum ct_err mark_deleting(json_t *names, const void *arg, bool *changed,
                                 struct ct_error *err)
{
    const struct reservation *r = arg;
    json_t *entry = json_object_get(names, r->hostname);
    if (entry == NULL) {
        return CT_OK; /* nothing reserved: nothing a crash could leave */
    }
    json_t *p = pending_json("delete", r->worker);
    if (p == NULL || json_object_set_new(entry, "pending", p) != 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    *changed = true;
    return CT_OK;
}

/* mark_deleting, only for a settled pooled container (pool_withdraw). */
static enum ct_err withdraw_pooled(json_t *names, const void *arg, bool *changed,
                                   struct ct_error *err)
{
    const struct reservation *r = arg;
    json_t *entry = json_object_get(names, r->hostname);
    const char *owner = json_string_value(json_object_get(entry, "owner"));
    if (entry == NULL || json_object_get(entry, "pool") == NULL ||
        json_object_get(entry, "pending") != NULL || (owner != NULL && owner[0] != '\0')) {
        return ct_error_set(err, CT_ERR_NOT_FOUND, "%s is no longer pooled", r->hostname);
    }
    return mark_deleting(names, arg, changed, err);
}

enum ct_err registry_pool_withdraw(const char *dir, const char *hostname,
                                   const struct procid *worker, struct ct_error *err)
{
    struct reservation r = {.hostname = hostname, .worker = worker};
    return registry_update(dir, withdraw_pooled, &r, err);
}

enum ct_err registry_mark_deleting(const char *dir, const char *hostname,
                                   const struct procid *worker, struct ct_error *err)
{
    struct reservation r = {.hostname = hostname, .worker = worker};
    return registry_update(dir, mark_deleting, &r, err);
}

static enum ct_err settle(json_t *names, const void *arg, bool *changed, struct ct_error *err)
{
    json_t *entry = held_entry(names, arg, err);
    if (entry == NULL) {
        return err->code;
    }
    *changed = json_object_del(entry, "pending") == 0;
    return CT_OK;
}

enum ct_err registry_settle(const char *dir, const char *hostname, const char *request_id,
                            struct ct_error *err)
{
    struct reservation r = {.hostname = hostname, .request_id = request_id};
    return registry_update(dir, settle, &r, err);
}

/* --- reading --------------------------------------------------------------- */

static enum ct_err find_reservation(json_t *names, const void *arg, bool *changed,
                                    struct ct_error *err)
{
    (void)changed;
    (void)err;
    const struct reservation *r = arg;
    *r->found = json_object_get(names, r->hostname) != NULL;
    return CT_OK;
}

enum ct_err registry_is_reserved(const char *dir, const char *hostname, bool *taken,
                                 struct ct_error *err)
{
    struct reservation r = {.hostname = hostname, .found = taken};
    *taken = false;
    return registry_update(dir, find_reservation, &r, err);
}

static enum ct_err find_entry(json_t *names, const void *arg, bool *changed, struct ct_error *err)
{
    (void)changed;
    (void)err;
    const struct reservation *r = arg;
    json_t *entry = json_object_get(names, r->hostname);
    *r->found = entry != NULL && entry_of(r->hostname, entry, r->entry);
    return CT_OK;
}

struct pool_count {
    const char *template_name;
    int *count;
};

static enum ct_err count_pooled(json_t *names, const void *arg, bool *changed,
                                struct ct_error *err)
{
    (void)changed;
    (void)err;
    const struct pool_count *p = arg;
    const char *key;
    json_t *entry;
    json_object_foreach (names, key, entry) {
        const char *pool = json_string_value(json_object_get(entry, "pool"));
        if (pool != NULL && strcmp(pool, p->template_name) == 0) {
            (*p->count)++;
        }
    }
    return CT_OK;
}

enum ct_err registry_pool_count(const char *dir, const char *template_name, int *count,
                                struct ct_error *err)
{
    struct pool_count p = {template_name, count};
    *count = 0;
    return registry_update(dir, count_pooled, &p, err);
}

enum ct_err registry_lookup(const char *dir, const char *hostname, struct registry_entry *out,
                            bool *found, struct ct_error *err)
{
    struct reservation r = {.hostname = hostname, .found = found, .entry = out};
    *found = false;
    return registry_update(dir, find_entry, &r, err);
}

static int compare_entries(const void *a, const void *b)
{
    const struct registry_entry *x = a;
    const struct registry_entry *y = b;
    return strcmp(x->hostname, y->hostname);
}

static enum ct_err snapshot_of(json_t *names, struct registry_snapshot *out, struct ct_error *err)
{
    const char *name;
    json_t *entry;
    out->n = 0;
    out->entries = calloc(json_object_size(names) + 1, sizeof(*out->entries));
    if (out->entries == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    json_object_foreach (names, name, entry) {
        if (entry_of(name, entry, &out->entries[out->n])) {
            out->n++;
        }
    }
    qsort(out->entries, out->n, sizeof(*out->entries), compare_entries);
    return CT_OK;
}

static enum ct_err copy_all(json_t *names, const void *arg, bool *changed, struct ct_error *err)
{
    (void)changed;
    const struct reservation *r = arg;
    return snapshot_of(names, r->snap, err);
}

enum ct_err registry_snapshot_load(const char *dir, struct registry_snapshot *out,
                                   struct ct_error *err)
{
    struct reservation r = {.snap = out};
    out->entries = NULL;
    out->n = 0;
    return registry_update(dir, copy_all, &r, err);
}

enum ct_err registry_snapshot_parse(const char *text, size_t len, struct registry_snapshot *out,
                                    struct ct_error *err)
{
    json_t *doc = NULL;
    out->entries = NULL;
    out->n = 0;
    enum ct_err rc = parse_doc(text, len, "the registry", &doc, err);
    if (rc == CT_OK) {
        rc = snapshot_of(json_object_get(doc, "hostnames"), out, err);
    }
    json_decref(doc);
    return rc;
}

static int compare_name_to_entry(const void *name, const void *entry)
{
    return strcmp(name, ((const struct registry_entry *)entry)->hostname);
}

const struct registry_entry *registry_snapshot_find(const struct registry_snapshot *snap,
                                                    const char *hostname)
{
    if (snap->n == 0) {
        return NULL;
    }
    return bsearch(hostname, snap->entries, snap->n, sizeof(*snap->entries), compare_name_to_entry);
}

void registry_snapshot_free(struct registry_snapshot *snap)
{
    free(snap->entries);
    snap->entries = NULL;
    snap->n = 0;
}
