/*
 * registry.h - hostname reservations, shared by every agent process.
 *
 * The registry is one file in the state directory, changed only under an
 * exclusive flock() of a sibling lock file and replaced through
 * atomicfile.h (write temp, fsync, rename, fsync dir), so concurrent creates
 * never share a hostname and a crash leaves either the old or the new file.
 * docs/internals/registry.md describes the format; it is private to
 * registry.c: everybody else reads entries through the structs below.
 *
 * Every function takes the lock for as long as it runs (at most 15 s of
 * waiting, then CT_ERR_TIMEOUT) and none keeps it.  A struct registry_entry
 * is a copy that owns no memory; a struct registry_snapshot owns its array
 * (registry_snapshot_free).  Not thread-safe (one agent process is one
 * thread); any number of processes may call at once.
 */
#ifndef CTGATE_REGISTRY_H
#define CTGATE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "procid.h"
#include "protocols.h"
#include "validate.h"

#define REGISTRY_MAX ((size_t)16 * 1024 * 1024)
/* The most addresses a claim's range may hold (a /16): reserve marks them in a bitmap. */
#define REGISTRY_ADDRESSES_MAX 65536u

/* An inclusive port range; min == 0 means "no ports to allocate". */
struct port_range {
    int min;
    int max;
};

#define REGISTRY_PROTOCOLS_MAX PROTOCOLS_PER_CREATE_MAX

/*
 * What one create claims: its CTID, its external ports (and, out, what it
 * got) and memory under a quota.
 */
struct reserve_claim {
    /*
     * The CTID range (min == 0: none).  The next number after the last one
     * given that no entry holds, wrapping once: a freed CTID comes back only
     * after the whole range has been used.
     */
    long long ctid_min;
    long long ctid_max;
    long long ctid; /* out, 0 when none */
    /*
     * The IPv4 range the container's static address comes from, as host-order
     * numbers (addr_min == 0: none, the backend's DHCP gives it one).  Chosen
     * like the CTID: the next after the last given that no entry holds as its
     * address or publishes, wrapping once.
     */
    uint32_t addr_min;
    uint32_t addr_max;
    char address[16]; /* out, "" when none */
    struct port_range ssh;   /* ssh.min == 0: no SSH port */
    struct port_range proto; /* range for the protocols below */
    size_t nproto;
    const struct protocol *proto_list[REGISTRY_PROTOCOLS_MAX];
    int ssh_port;                               /* out, 0 when none */
    int proto_external[REGISTRY_PROTOCOLS_MAX]; /* out */
    long long memory_bytes;       /* recorded with the entry, counted by quotas (0: none) */
    int quota_containers;       /* the owner's quota, 0: unlimited */
    long long quota_memory_bytes; /* 0: unlimited */
    const struct procid *worker; /* recorded as the entry's "pending" create; may be NULL */
    /* A name or port whose delivered entry was freed less than this long ago stays its last
       owner's: another owner's reserve is refused the name (CT_ERR_HOSTNAME_TAKEN) and skips
       the port.  0: off. */
    long long reuse_cooldown_s;
    time_t now; /* the cool-down's clock (tests); 0: time(NULL) */
    /*
     * A warm pool (pool.h).  pool_of: this entry is a pooled container of
     * that template, owned by no one (owner ""; it counts against nobody's
     * quota).  claim_from: take, in the same locked write, one settled pooled
     * container of that template: the new entry gets its instance (out:
     * instance, "" when the pool had none; then a CTID and address are
     * chosen as usual), CTID and static address, and its pool entry is
     * gone.  NULL: neither.
     */
    const char *pool_of;
    const char *claim_from;
    char instance[CT_HOSTNAME_MAX + 1];
    /* out, with CT_ERR_HOSTNAME_TAKEN: the holder is an operation whose process died */
    bool abandoned;
    char abandoned_rid[65];
    /* out, with CT_ERR_HOSTNAME_TAKEN: the holder is this owner's very request_id, alive or
       settled (request ids are scoped to their owner: another owner's equal id is not it) */
    bool same_request;
};

/* The operation an entry is marked with while it runs (see recover.h). */
enum registry_pending {
    REGISTRY_SETTLED = 0,   /* none: the create finished */
    REGISTRY_CREATING,      /* a create holds it between reserve and its last step */
    REGISTRY_DELETING,      /* a delete marked it before destroying */
    REGISTRY_PENDING_OTHER, /* marked, but with an operation this version does not know */
};

/* One extra protocol of an entry: its port inside and the port it got outside. */
struct registry_protocol {
    char name[PROTOCOL_NAME_MAX + 1];
    int port;     /* inside the container */
    int external; /* on the gateway's listen address */
    bool udp;     /* else tcp */
};

/*
 * One reservation, as read.  Values are copied from the file unchecked
 * beyond their type and size (publish.c validates what it renders): a
 * string that is missing or does not fit reads as "", a number as 0 (an
 * integer outside int's range as -1).
 */
struct registry_entry {
    char hostname[CT_HOSTNAME_MAX + 1];
    char owner[CT_UID_MAX + 1];
    char request_id[CT_REQUEST_ID_MAX + 1];
    char reserved[32];    /* RFC 3339 time of the reservation */
    long long memory_bytes; /* counted by quotas; 0: none */
    int ssh_port;         /* external SSH port; 0: none */
    long long ctid;       /* the container's number on the site; 0: none (made before CTIDs) */
    char address[16];     /* its static IPv4 address, reserved with the name; "": DHCP's */
    char ipv4[48];        /* where it answers; "" until published */
    char pool[CT_TEMPLATE_MAX + 1];     /* a pooled container of this template; "": not pooled */
    char instance[CT_HOSTNAME_MAX + 1]; /* the backend's name for it, when not hostname (a
                                           container claimed from the pool); "": hostname */
    int http_port;        /* the app's port inside, with ipv4 */
    size_t nprotocols;
    struct registry_protocol protocols[REGISTRY_PROTOCOLS_MAX];
    enum registry_pending pending;
    struct procid worker; /* the process running `pending`; boot "" when unreadable */
};

/*
 * Every entry, sorted by hostname (strcmp), so the same registry always
 * reads the same.  An entry whose name is longer than CT_HOSTNAME_MAX
 * (never written by ctgate) is left out.
 */
struct registry_snapshot {
    struct registry_entry *entries; /* owned; NULL when n == 0 */
    size_t n;
};

/*
 * Reserve hostname and, when claim is not NULL, the lowest free port of each
 * range for SSH and for every protocol (a port is free when no entry holds
 * it as ssh_port or as a protocol's external port), all in one locked write.
 * CT_ERR_HOSTNAME_TAKEN when the name is reserved already (or, with a
 * claim, cooling down for its last owner: reuse_cooldown_s), CT_ERR_QUOTA when
 * the owner's entries (counted in the same locked read) already reach the
 * claim's quota, CT_ERR_NOT_ALLOWED when a range has no free port, CTID or
 * address; then nothing is reserved.
 */
enum ct_err registry_reserve(const char *state_dir, const char *hostname, const char *owner,
                             const char *request_id, const char *when, struct reserve_claim *claim,
                             struct ct_error *err);
/*
 * Record where a reserved name's container answers (set once its address is
 * known; ipv4 NULL clears it, so the name is no longer published, and keeps
 * http_port for when it is published again).  Only the
 * holder (request_id) may change it; an address another entry is published
 * at or holds as its static address, or (for an entry with a static
 * address) any other than its own, is CT_ERR_NOT_ALLOWED (a tenant claiming
 * a neighbour's address).
 */
enum ct_err registry_set_address(const char *state_dir, const char *hostname,
                                 const char *request_id, const char *ipv4, int http_port,
                                 struct ct_error *err);
/*
 * The backend gave the container another CTID than the one reserved (a
 * Proxmox id taken meanwhile by somebody else): record it.  Only the holder
 * (request_id) may; CT_ERR_INTERNAL when another entry holds ctid.
 */
enum ct_err registry_set_ctid(const char *state_dir, const char *hostname, const char *request_id,
                              long long ctid, struct ct_error *err);
/* Mark the entry of hostname as being deleted by worker (so a crash can be told apart). */
enum ct_err registry_mark_deleting(const char *state_dir, const char *hostname,
                                   const struct procid *worker, struct ct_error *err);
/*
 * Mark a settled pooled container as being deleted, so no create can claim
 * it; CT_ERR_NOT_FOUND when it is no longer one (claimed meanwhile).
 */
enum ct_err registry_pool_withdraw(const char *state_dir, const char *hostname,
                                   const struct procid *worker, struct ct_error *err);
/* The create that holds hostname finished: its entry is no longer pending. */
enum ct_err registry_settle(const char *state_dir, const char *hostname, const char *request_id,
                            struct ct_error *err);
/*
 * Frees a reservation.  With request_id not NULL only a reservation made by
 * that request is freed (an undo must never free somebody else's name).
 * A missing reservation is success.  Unless the entry was a create that
 * never finished, its name and ports are remembered with its owner and the
 * time, for the cool-down (struct reserve_claim).  Called only by the process
 * whose reserve made the entry, or by recover.h with the entry's own
 * request_id: the hostname names one entry, so the id need not be unique
 * across owners.
 */
enum ct_err registry_release(const char *state_dir, const char *hostname, const char *request_id,
                             struct ct_error *err);

/* --- reading (a snapshot: by the time it is used, reserve may have changed it) --- */

/* *count = the pooled containers of template (pending or settled) in the registry now. */
enum ct_err registry_pool_count(const char *state_dir, const char *template_name, int *count,
                                struct ct_error *err);

/* *taken = whether hostname is reserved now. */
enum ct_err registry_is_reserved(const char *state_dir, const char *hostname, bool *taken,
                                 struct ct_error *err);
/* The entry of hostname into *out and *found = true; *found = false when it is not reserved. */
enum ct_err registry_lookup(const char *state_dir, const char *hostname, struct registry_entry *out,
                            bool *found, struct ct_error *err);
/* Every entry into *out (to be released with registry_snapshot_free, also after a failure). */
enum ct_err registry_snapshot_load(const char *state_dir, struct registry_snapshot *out,
                                   struct ct_error *err);
/* The same from a registry file's text (tests); CT_ERR_INTERNAL "corrupt" when it is not one. */
enum ct_err registry_snapshot_parse(const char *text, size_t len, struct registry_snapshot *out,
                                    struct ct_error *err);
/* The entry of hostname in snap, or NULL. */
const struct registry_entry *registry_snapshot_find(const struct registry_snapshot *snap,
                                                    const char *hostname);
void registry_snapshot_free(struct registry_snapshot *snap);
/*
 * Whether the entry's pending operation (create or delete) is no longer
 * running: its process died between two steps (crash, SIGKILL).  recover.h
 * puts it right.
 */
bool registry_entry_abandoned(const struct registry_entry *entry);
/* "create", "delete", or NULL for REGISTRY_SETTLED and REGISTRY_PENDING_OTHER. */
const char *registry_pending_name(enum registry_pending pending);

#endif
