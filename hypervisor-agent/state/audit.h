/*
 * audit.h - the agent's append-only, signed audit trail (SPEC §7).
 *
 * STATE_DIR/audit.log holds one JSON record per line and per operation:
 * seq (1, 2, ...), time, who (uid, key fingerprint, client address), op,
 * params (the request minus secrets: no password, no key material), result
 * (ok, code, step) and steps (name, state, ms).  Each record carries "prev",
 * the BLAKE2b-256 hash of the previous line's bytes (64 zeros for the
 * first), and "sig", an Ed25519 signature of the record's canonical JSON
 * (compact, keys sorted) without "sig".  Appends hold STATE_DIR/audit.lock.
 *
 * The signing key is STATE_DIR/audit.key (mode 0600, the agent's account
 * only), its public half STATE_DIR/audit.pub (hex), made by
 * `ctgate-agent audit keygen` at install, or by the first append when
 * missing.  After each append STATE_DIR/audit.head is replaced (rename) by
 * the signed sequence number and hash of the record just written, so that
 * records cut from the end show too.  audit_verify() checks every record
 * and the head, and names the first bad one.
 */
#ifndef CTGATE_AUDIT_H
#define CTGATE_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "agent-config.h"
#include "error.h"

#define AUDIT_LINE_MAX ((size_t)64 * 1024)

struct audit_who {
    const char *uid;
    const char *key_fingerprint; /* "" when none */
    const char *client;          /* "" when none */
};

/*
 * Append one record; params and steps are borrowed (steps may be NULL).
 * Failures are logged and returned; the operation itself already happened.
 */
enum ct_err audit_append(const char *state_dir, const struct audit_who *who, const char *op,
                         json_t *params, enum ct_err result, const struct ct_error *err,
                         json_t *steps, struct ct_error *out_err);
/* Make a signing key; CT_ERR_NOT_ALLOWED when one exists already. */
enum ct_err audit_keygen(const char *state_dir, struct ct_error *err);
/*
 * Check the whole log: valid JSON, seq 1..n without gaps, the hash chain,
 * every signature, and that it reaches the record audit.head names.
 * Prints a summary (or the first bad record) to out; returns 0 when
 * intact, else CT_EXIT_CONFLICT.
 */
int audit_verify(const char *state_dir, FILE *out);
/*
 * Records of uid (NULL: all), with time >= since (0: all) and, when
 * hostname is not NULL, about that container: the last `limit` of them,
 * oldest first.  *out is a new array.
 */
enum ct_err audit_select(const char *state_dir, const char *uid, time_t since,
                         const char *hostname, size_t limit, json_t **out, struct ct_error *err);

#endif
