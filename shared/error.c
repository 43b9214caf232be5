/* error.c - the table behind error.h. */
#include "error.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct err_entry {
    const char *code;
    const char *message;
    int exit_code;
    bool detail_public; /* the detail is about the request, never about the host */
};

static const struct err_entry table[CT_ERR__COUNT] = {
    [CT_OK] = {"ok", "success", CT_EXIT_OK, true},
    [CT_ERR_BAD_REQUEST] = {"bad_request", "invalid request", CT_EXIT_BAD_INPUT, true},
    [CT_ERR_BAD_HOSTNAME] =
        {"invalid_hostname",
         "invalid hostname (lower-case letters, digits and '-', 1-63 characters, "
         "not starting or ending with '-')",
         CT_EXIT_BAD_INPUT, true},
    [CT_ERR_BAD_TEMPLATE] = {"unknown_template", "unknown template", CT_EXIT_BAD_INPUT, true},
    [CT_ERR_BAD_PUBKEY] = {"invalid_pubkey", "invalid public key", CT_EXIT_BAD_INPUT, true},
    [CT_ERR_BAD_VALUE] = {"invalid_value", "value not allowed", CT_EXIT_BAD_INPUT, true},
    [CT_ERR_NOT_AUTHENTICATED] = {"not_authenticated", "authentication failed",
                                  CT_EXIT_NOT_AUTHENTICATED, true},
    [CT_ERR_NOT_FOUND] = {"not_found", "no such container", CT_EXIT_NOT_ALLOWED, true},
    [CT_ERR_NOT_ALLOWED] = {"not_allowed", "not allowed", CT_EXIT_NOT_ALLOWED, true},
    [CT_ERR_QUOTA] = {"quota_exceeded", "quota exceeded", CT_EXIT_NOT_ALLOWED, true},
    [CT_ERR_RATE_LIMITED] = {"rate_limited", "too many creates", CT_EXIT_NOT_ALLOWED, true},
    [CT_ERR_HOSTNAME_TAKEN] = {"hostname_taken", "hostname already taken", CT_EXIT_CONFLICT, true},
    [CT_ERR_REQUEST_REUSED] = {"request_id_reused", "request id already used for another request",
                               CT_EXIT_CONFLICT, true},
    [CT_ERR_BACKEND] = {"backend_error", "container backend failed", CT_EXIT_BACKEND, false},
    [CT_ERR_TIMEOUT] = {"timeout", "timed out", CT_EXIT_TIMEOUT, false},
    [CT_ERR_CONFIG] = {"config_error", "configuration error", CT_EXIT_BACKEND, false},
    [CT_ERR_INTERNAL] = {"internal_error", "internal error", CT_EXIT_BACKEND, false},
    [CT_ERR_INJECTED] = {"injected_failure", "injected failure (test build)", CT_EXIT_BACKEND,
                         true},
    [CT_ERR_HOOK] = {"hook_failed", "an after-create hook failed", CT_EXIT_BACKEND, true},
    [CT_ERR_DEPLOY] = {"deploy_failed", "deploying your repository failed", CT_EXIT_BACKEND, true},
    [CT_ERR_EXISTS] = {"already_exists", "already exists", CT_EXIT_CONFLICT, true},
};

static const struct err_entry *entry(enum ct_err code)
{
    if ((int)code < 0 || code >= CT_ERR__COUNT || table[code].code == NULL) {
        return &table[CT_ERR_INTERNAL];
    }
    return &table[code];
}

const char *ct_err_code(enum ct_err code)
{
    return entry(code)->code;
}

const char *ct_err_message(enum ct_err code)
{
    return entry(code)->message;
}

int ct_err_exit(enum ct_err code)
{
    return entry(code)->exit_code;
}

enum ct_err ct_err_from_code(const char *wire)
{
    for (int i = 0; i < CT_ERR__COUNT; i++) {
        if (wire != NULL && table[i].code != NULL && strcmp(table[i].code, wire) == 0) {
            return (enum ct_err)i;
        }
    }
    return CT_ERR_INTERNAL;
}

bool ct_err_detail_public(enum ct_err code)
{
    return entry(code)->detail_public;
}

enum ct_err ct_error_set(struct ct_error *err, enum ct_err code, const char *fmt, ...)
{
    if (err == NULL) {
        return code;
    }
    err->code = code;
    err->detail[0] = '\0';
    err->detail_public = false;
    err->note = NULL;
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
        va_end(ap);
    }
    return code;
}

void ct_error_format(const struct ct_error *err, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s%s%s", ct_err_message(err->code), err->detail[0] ? ": " : "",
             err->detail, err->note != NULL ? "; " : "", err->note != NULL ? err->note : "");
}

bool ct_error_is_public(const struct ct_error *err)
{
    return err->detail[0] == '\0' || err->detail_public || ct_err_detail_public(err->code);
}

void ct_error_format_public(const struct ct_error *err, const char *who, const char *ref,
                            char *buf, size_t len)
{
    if (ct_error_is_public(err)) {
        ct_error_format(err, buf, len);
        return;
    }
    bool has_ref = ref != NULL && ref[0] != '\0';
    snprintf(buf, len, "%s%s%s (see the %s's log%s%s)", ct_err_message(err->code),
             err->note != NULL ? "; " : "", err->note != NULL ? err->note : "", who,
             has_ref ? ", reference " : "", has_ref ? ref : "");
}

void ct_error_new_ref(char *buf, size_t len)
{
    unsigned char rnd[6];
    char hex[sizeof(rnd) * 2 + 1];
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    snprintf(buf, len, "ref-%s", hex);
}
