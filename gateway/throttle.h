/*
 * throttle.h - how many wrong passwords the gateway takes, per LDAP user
 * and per client address, before it stops asking the directory.
 *
 * Each key ("user:NAME" or "addr:IP") has one file in policy->dir, named by
 * the hex BLAKE2b (crypto_generichash) of the key, so neither a user name
 * nor an address ever becomes a path.  The file holds the Unix times of the
 * key's recent failures, one per line, and is changed under a flock() of
 * the file itself (lockfile.h), as the agent's ratelimit.c does.  Lines
 * that are not a time, lie in the future or are older than the window are
 * ignored and dropped at the next write; a lost file only forgets.
 *
 * The caller (session.c) asks throttle_blocked() before any bind, records a
 * wrong password with throttle_failed() and clears the user's count after a
 * good one with throttle_succeeded(); an address is never cleared by a
 * success, or one valid account would reset the limit for guesses at all
 * others.  Nothing is allocated that outlives a call; not thread-safe.
 */
#ifndef CTGATE_THROTTLE_H
#define CTGATE_THROTTLE_H

#include <limits.h>
#include <stdbool.h>
#include <time.h>

#include "error.h"

#define THROTTLE_FAILURES_MAX 10000
#define THROTTLE_HASH_HEX 64 /* crypto_generichash_BYTES (32) in hex */

struct throttle_policy {
    char dir[PATH_MAX];  /* "" turns the throttle off */
    int user_failures;   /* wrong passwords per user in window before refusing */
    int address_failures;
    long long window_s;
    long long delay_s;   /* every failure waits this long before answering */
};

/* The file name (hex hash, NUL-terminated) of "kind:name", e.g. "user", "alice". */
void throttle_file_name(const char *kind, const char *name, char out[THROTTLE_HASH_HEX + 1]);
/*
 * *blocked = true when user (may be NULL: not known yet) or address (may be
 * "" or NULL: unknown) had their limit of failures in the window before now.
 * An error (the directory cannot be read) is returned as it is: the caller
 * refuses the login, it does not skip the check.
 */
enum ct_err throttle_blocked(const struct throttle_policy *p, const char *user,
                             const char *address, time_t now, bool *blocked, struct ct_error *err);
/* Count one failure at now for user and for address (either may be NULL/""). */
enum ct_err throttle_failed(const struct throttle_policy *p, const char *user, const char *address,
                            time_t now, struct ct_error *err);
/* Forget user's failures (a good password); the address keeps its count. */
enum ct_err throttle_succeeded(const struct throttle_policy *p, const char *user,
                               struct ct_error *err);
/* Sleep p->delay_s (every failure, so a guess costs the guesser time). */
void throttle_delay(const struct throttle_policy *p);

#endif
