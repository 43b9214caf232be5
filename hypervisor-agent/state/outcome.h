/*
 * outcome.h - what each create ended with, kept so that repeating a request
 * (same request_id) returns the first result instead of making a second
 * container.
 *
 * Request ids are scoped to their owner: STATE_DIR/requests/<owner>.<request_id>.json
 * holds the owner, a BLAKE2b digest of the request's parameters, and the
 * result: the data without the root password (shown once, never stored), or
 * the error.  Written once, atomically, when the create ends; never changed;
 * removed by the reaper after requests.keep (outcome_prune).  A request id
 * the same owner reuses with other parameters is refused (request_id_reused);
 * another owner's use of the same id is a different request, which neither
 * waits for, sees nor blocks the first.  (A record an older agent wrote as
 * <request_id>.json is still found, for its owner only.)
 */
#ifndef CTGATE_OUTCOME_H
#define CTGATE_OUTCOME_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"
#include "request.h"

#define OUTCOME_DIGEST_HEX 65

/* Hex BLAKE2b of everything a create asked for, including who asked. */
void outcome_digest(const struct request *req, char out[OUTCOME_DIGEST_HEX]);
/*
 * The recorded outcome of owner's request_id, if any: CT_ERR_NOT_FOUND when
 * none (another owner's use of the id is none); CT_ERR_REQUEST_REUSED when
 * it was another create of owner's (the digest differs);
 * CT_OK with *data (the first result's data plus "repeated": true, caller
 * releases) when it succeeded; the first error (code, message, step in err)
 * when it failed.
 */
enum ct_err outcome_find(const char *state_dir, const char *request_id, const char *owner,
                         const char *digest, json_t **data, struct ct_error *err);
/* Record the end of a create: data (root_password left out) or the error. */
void outcome_record(const char *state_dir, const char *request_id, const char *owner,
                    const char *digest, json_t *data, const struct ct_error *failure);

/*
 * Remove the records (and leftover temporary files) in STATE_DIR/requests
 * last written at least keep_s seconds before now (keep_s 0: none); a
 * repeat of such a request id is then a new create.  *count: how many were
 * removed (with dry_run: would be).
 */
enum ct_err outcome_prune(const char *state_dir, long long keep_s, time_t now, bool dry_run,
                          size_t *count, struct ct_error *err);

#endif
