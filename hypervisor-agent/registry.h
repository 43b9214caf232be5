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

#include <stdbool.h>

#include "error.h"

#define REGISTRY_MAX ((size_t)16 * 1024 * 1024)

/* CT_ERR_HOSTNAME_TAKEN when the name is reserved already. */
enum ct_err registry_reserve(const char *state_dir, const char *hostname, const char *owner,
                             const char *request_id, const char *when, struct ct_error *err);
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
