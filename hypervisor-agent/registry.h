/*
 * registry.h - hostname reservations, shared by every agent process.
 *
 * The registry is one JSON file in the state directory, changed only under
 * an exclusive flock() of a sibling lock file and replaced atomically
 * (write temp, fsync, rename, fsync dir), so concurrent creates never share
 * a hostname and a crash leaves either the old or the new file.
 * docs/internals/registry.md describes the format.
 */
#ifndef CTGATE_REGISTRY_H
#define CTGATE_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>

#include "error.h"
#include "procid.h"
#include "protocols.h"

#define REGISTRY_MAX ((size_t)16 * 1024 * 1024)

/* An inclusive port range; min == 0 means "no ports to allocate". */
struct port_range {
    int min;
    int max;
};

#define REGISTRY_PROTOCOLS_MAX PROTOCOLS_PER_CREATE_MAX

/* What one create claims: its external ports (and, out, what it got) and memory under a quota. */
struct reserve_claim {
    struct port_range ssh;   /* ssh.min == 0: no SSH port */
    struct port_range proto; /* range for the protocols below */
    size_t nproto;
    const struct protocol *proto_list[REGISTRY_PROTOCOLS_MAX];
    int ssh_port;                               /* out, 0 when none */
    int proto_external[REGISTRY_PROTOCOLS_MAX]; /* out */
    long long memory_mib;       /* recorded with the entry, counted by quotas (0: none) */
    int quota_containers;       /* the owner's quota, 0: unlimited */
    long long quota_memory_mib; /* 0: unlimited */
    const struct procid *worker; /* recorded as the entry's "pending" create; may be NULL */
    /* out, with CT_ERR_HOSTNAME_TAKEN: the holder is an operation whose process died */
    bool abandoned;
    char abandoned_rid[65];
    /* out, with CT_ERR_HOSTNAME_TAKEN: the holder is this very request_id, alive or settled */
    bool same_request;
};

/*
 * Reserve hostname and, when claim is not NULL, the lowest free port of each
 * range for SSH and for every protocol (a port is free when no entry holds
 * it as ssh_port or as a protocol's external port), all in one locked write.
 * CT_ERR_HOSTNAME_TAKEN when the name is reserved already, CT_ERR_QUOTA when
 * the owner's entries (counted in the same locked read) already reach the
 * claim's quota, CT_ERR_NOT_ALLOWED when a range has no free port; then
 * nothing is reserved.
 */
enum ct_err registry_reserve(const char *state_dir, const char *hostname, const char *owner,
                             const char *request_id, const char *when, struct reserve_claim *claim,
                             struct ct_error *err);
/*
 * Record where a reserved name's container answers (set once its address is
 * known; ipv4 NULL clears it, so the name is no longer published).  Only the
 * holder (request_id) may change it.
 */
enum ct_err registry_set_address(const char *state_dir, const char *hostname,
                                 const char *request_id, const char *ipv4, int http_port,
                                 struct ct_error *err);
/*
 * An entry whose "pending" operation (create or delete) is no longer running:
 * its process died between two steps (crash, SIGKILL).  recover.h puts it right.
 */
bool registry_entry_abandoned(json_t *entry);
/* Mark the entry of hostname as being deleted by worker (so a crash can be told apart). */
enum ct_err registry_mark_deleting(const char *state_dir, const char *hostname,
                                   const struct procid *worker, struct ct_error *err);
/* The create that holds hostname finished: its entry is no longer pending. */
enum ct_err registry_settle(const char *state_dir, const char *hostname, const char *request_id,
                            struct ct_error *err);
/* A copy of the whole registry ({"v":1,"hostnames":{...}}), read under the lock. */
enum ct_err registry_snapshot(const char *state_dir, json_t **out, struct ct_error *err);
/*
 * Frees a reservation.  With request_id not NULL only a reservation made by
 * that request is freed (an undo must never free somebody else's name).
 * A missing reservation is success.
 */
enum ct_err registry_release(const char *state_dir, const char *hostname, const char *request_id,
                             struct ct_error *err);
/* *taken = whether hostname is reserved now (a snapshot: reserve decides). */
enum ct_err registry_is_reserved(const char *state_dir, const char *hostname, bool *taken,
                                 struct ct_error *err);

#endif
