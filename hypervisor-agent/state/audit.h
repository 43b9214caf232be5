/*
 * audit.h - the agent's append-only, signed audit trail (SPEC §7).
 *
 * STATE_DIR/audit.log holds one JSON record per line: seq (1, 2, ...),
 * time, who (uid, key fingerprint, client address; an internal actor is
 * "@name", which no uid can spell), op, params (the request minus secrets:
 * no password, no key material).  An operation that changes something is
 * two records: the first, "phase":"begin", written and fsync'd before it
 * changes anything (when it cannot be, the operation is refused), the
 * second with result (ok, code, step), steps (name, state, ms) and "begin",
 * the seq of the first.  A read-only operation is one record, written before
 * its answer is sent.  Each record carries "prev", the BLAKE2b-256 hash of
 * the previous line's bytes (64 zeros for the first), and "sig", an Ed25519
 * signature of the record's canonical JSON (compact, keys sorted) without
 * "sig".  Appends hold STATE_DIR/audit.lock.
 *
 * The signing key is STATE_DIR/audit.key (mode 0600, the agent's account
 * only), its public half STATE_DIR/audit.pub (hex), made by
 * `ctgate-agent audit keygen` at install, never on the fly: without the key
 * every append fails (CT_ERR_CONFIG).  After each append STATE_DIR/audit.head
 * is replaced (rename) by the signed sequence number and hash of the record
 * just written, so that records cut from the end show too.  audit_verify()
 * checks every record and the head, and names the first bad one.
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
#define AUDIT_PHASE_BEGIN "begin"
/* Internal actors: '@' is no uid's first character (validate_uid). */
#define AUDIT_ACTOR_REAPER "@reaper"

struct audit_who {
    const char *uid;
    const char *key_fingerprint; /* "" when none */
    const char *client;          /* "" when none */
};

/*
 * The record that op is about to run (who, op, params; no result), written
 * and fsync'd; *seq its number (for audit_finish).  An error means nothing
 * was written: the caller must not run the operation.
 */
enum ct_err audit_begin(const char *state_dir, const struct audit_who *who, const char *op,
                        json_t *params, long long *seq, struct ct_error *err);
/*
 * The record of op's result; begin_seq is audit_begin's number (0: the
 * operation had no begin record).  params and steps are borrowed (steps may
 * be NULL).  Failures are logged and returned.
 */
enum ct_err audit_finish(const char *state_dir, long long begin_seq, const struct audit_who *who,
                         const char *op, json_t *params, enum ct_err result,
                         const struct ct_error *err, json_t *steps, struct ct_error *out_err);
/* audit_finish without a begin record. */
enum ct_err audit_append(const char *state_dir, const struct audit_who *who, const char *op,
                         json_t *params, enum ct_err result, const struct ct_error *err,
                         json_t *steps, struct ct_error *out_err);
/* Make a signing key; CT_ERR_NOT_ALLOWED when one exists already. */
enum ct_err audit_keygen(const char *state_dir, struct ct_error *err);
/*
 * Check the whole log: valid JSON, seq 1..n without gaps, the hash chain,
 * every signature, and that it reaches the record audit.head names, against
 * the public key in pubkey_path (hex; NULL: STATE_DIR/audit.pub).  Prints a
 * summary (or the first bad record) to out; returns 0 when intact, else
 * CT_EXIT_CONFLICT (CT_EXIT_BACKEND when the key or log cannot be read).
 */
int audit_verify(const char *state_dir, const char *pubkey_path, FILE *out);
/*
 * Records of uid (NULL: all), with time >= since (0: all) and, when
 * hostname is not NULL, about that container, begin records only when
 * begins: the last `limit` of them, oldest first.  *out is a new array.
 */
enum ct_err audit_select(const char *state_dir, const char *uid, time_t since, const char *hostname,
                         size_t limit, bool begins, json_t **out, struct ct_error *err);

#endif
