/*
 * ratelimit.h - how many creates (or exports) one user may start per hour
 * (SPEC §9, quota.creates_per_hour and export.per_hour in the agent's
 * configuration).
 *
 * STATE_DIR/rate/<uid> holds the start times (Unix seconds, one per line)
 * of the user's creates in the last hour, STATE_DIR/rate/<what>.<uid> those
 * of another kind (a uid has no '.'), changed under a flock() of the file
 * itself.  Every create that passed the request checks counts, whether
 * it then succeeds or fails; a repeat of a known request id does not (it
 * makes nothing).  Losing the file (a crash mid-write) only forgets.
 */
#ifndef CTGATE_RATELIMIT_H
#define CTGATE_RATELIMIT_H

#include <time.h>

#include "error.h"

#define RATELIMIT_PER_HOUR_MAX 10000
#define RATELIMIT_WINDOW_S 3600

/*
 * Count one create of uid at now, unless per_hour were counted in the hour
 * before now: then CT_ERR_RATE_LIMITED saying when the next one is possible.
 * per_hour 0: no limit, nothing recorded.
 */
enum ct_err ratelimit_take(const char *state_dir, const char *uid, int per_hour, time_t now,
                           struct ct_error *err);
/* The same for what ("export": its own count, its own words), STATE_DIR/rate/what.uid. */
enum ct_err ratelimit_take_what(const char *state_dir, const char *what, const char *uid,
                                int per_hour, time_t now, struct ct_error *err);

#endif
