/*
 * error.h - the one error vocabulary shared by ctgate and ctgate-agent.
 *
 * Every failure is an enum ct_err.  Its wire code (sent in protocol results),
 * its user-facing message and its process exit code live in one table in
 * error.c; call sites never invent messages, they only add a detail.
 *
 * struct ct_error carries a code plus an optional detail and the step that
 * failed.  It owns no heap memory and may be copied freely.
 *
 * Who sees the detail: the log always (ct_error_format).  The user who asked
 * (ct_error_format_public) sees it only when the code's detail is about what
 * they sent (bad input, not found, quota, ...) or the call site marked it
 * detail_public; a backend, configuration, timeout or internal detail may name
 * host paths or quote LXD or nginx, so the user gets the code's message and a
 * pointer to the log (the agent's or the gateway's) instead.
 */
#ifndef CTGATE_ERROR_H
#define CTGATE_ERROR_H

#include <stdbool.h>
#include <stddef.h>

enum ct_err {
    CT_OK = 0,
    CT_ERR_BAD_REQUEST,
    CT_ERR_BAD_HOSTNAME,
    CT_ERR_BAD_TEMPLATE,
    CT_ERR_BAD_PUBKEY,
    CT_ERR_BAD_VALUE,
    CT_ERR_NOT_AUTHENTICATED,
    CT_ERR_NOT_FOUND,
    CT_ERR_NOT_ALLOWED,
    CT_ERR_QUOTA,
    CT_ERR_RATE_LIMITED,
    CT_ERR_HOSTNAME_TAKEN,
    CT_ERR_REQUEST_REUSED,
    CT_ERR_BACKEND,
    CT_ERR_TIMEOUT,
    CT_ERR_CONFIG,
    CT_ERR_INTERNAL,
    CT_ERR_INJECTED,
    CT_ERR_HOOK,   /* an after-create hook (hooks.h) failed under policy "fail" */
    CT_ERR_DEPLOY, /* the user's repository could not be cloned, built or started (deploy.h) */
    CT_ERR_EXISTS, /* what the user names anew exists already (a snapshot) */
    CT_ERR__COUNT
};

/* Exit codes, stable and documented in docs/exit-codes.md. */
enum ct_exit {
    CT_EXIT_OK = 0,
    CT_EXIT_BAD_INPUT = 2,
    CT_EXIT_NOT_AUTHENTICATED = 3,
    CT_EXIT_NOT_ALLOWED = 4,
    CT_EXIT_CONFLICT = 5,
    CT_EXIT_BACKEND = 6,
    CT_EXIT_TIMEOUT = 7
};

#define CT_ERROR_DETAIL_MAX 256

struct ct_error {
    enum ct_err code;
    const char *step;                 /* static string or NULL */
    char detail[CT_ERROR_DETAIL_MAX]; /* never holds a secret */
    bool detail_public;               /* shown to users whatever the code (no host path in it) */
    const char *note;                 /* static text for everyone after the detail, or NULL */
};

/* Wire code, e.g. "hostname_taken".  Never NULL. */
const char *ct_err_code(enum ct_err code);
/* One-line message for people.  Never NULL. */
const char *ct_err_message(enum ct_err code);
/* Process exit code (enum ct_exit) for this error. */
int ct_err_exit(enum ct_err code);
/* Reverse of ct_err_code; CT_ERR_INTERNAL when unknown. */
enum ct_err ct_err_from_code(const char *wire);

/* Is this code's detail about the user's own request, so theirs to see? */
bool ct_err_detail_public(enum ct_err code);

/*
 * Record an error: sets code and a printf-formatted detail (may be NULL);
 * detail_public and note are reset.
 * Returns code so callers can write `return ct_error_set(err, ...);`.
 * A NULL err is allowed and ignored.
 */
enum ct_err ct_error_set(struct ct_error *err, enum ct_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "message: detail; note" (each part when present) into buf: the full text, for the log. */
void ct_error_format(const struct ct_error *err, char *buf, size_t len);

/*
 * What the user is told: as ct_error_format when the detail is theirs to see;
 * otherwise "message; note (see the WHO's log, reference REF)", WHO being
 * "agent" or "gateway" and REF the request id or the reference the log line
 * carries (NULL or "": no reference).  Never an absolute host path or a
 * backend's own words.
 */
void ct_error_format_public(const struct ct_error *err, const char *who, const char *ref,
                            char *buf, size_t len);

/* Is the detail of err the user's to see (the code's rule, or the call site said so)? */
bool ct_error_is_public(const struct ct_error *err);

/* A fresh random reference, "ref-" and 12 hex digits, into buf (at least 17 bytes). */
void ct_error_new_ref(char *buf, size_t len);

#endif
