/*
 * pve-client.h - the Proxmox VE REST API over HTTPS with an API token, with
 * libcurl and jansson.
 *
 * One struct pve per agent run (not thread-safe).  TLS is always verified
 * against the one CA file configured (the cluster's own CA, pinned); every
 * call has a connect timeout and a total timeout; a reply larger than
 * PVE_REPLY_MAX is an error.  Parameters go urlencoded with every key and
 * value percent-encoded: in the body for POST and PUT, in the query string
 * for GET and DELETE (Proxmox refuses a body there).
 *
 * Errors: Proxmox puts its message in the HTTP reason phrase (libcurl does
 * not expose it: a header callback keeps it) and, since PVE 8.4, in the
 * body's `message`; parameter errors add `errors`.  pve_error_text() picks
 * message, then errors, then the reason phrase.  The detail of a failed
 * call is "Proxmox: TEXT"; p->message keeps TEXT alone for callers that
 * react to it ("already exists", "CT is locked").  HTTP 401 is
 * CT_ERR_BACKEND "Authentication failed!" (exit 6): Proxmox answers a bad
 * token after 3 s, never a hang.
 *
 * Tasks: calls that start work answer a UPID; pve_task_wait() polls the
 * task's status on the node the UPID names until it stops.  "OK" and
 * "WARNINGS: N" are success; anything else is the task's error text.
 */
#ifndef CTGATE_PVE_CLIENT_H
#define CTGATE_PVE_CLIENT_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "pve-token.h"

#define PVE_REPLY_MAX ((size_t)32 * 1024 * 1024)
#define PVE_MESSAGE_MAX 200

struct pve {
    CURL *curl;
    char base[320];            /* URL + "/api2/json" */
    char ca_file[4096];
    struct curl_slist *auth;      /* Authorization (the token), Accept: wiped at pve_close() */
    struct curl_slist *auth_form; /* the same and the urlencoded Content-Type */
    char token_id[PVE_TOKEN_ID_MAX + 1];
    int call_timeout_s;
    char reason[PVE_MESSAGE_MAX + 1];  /* the last reply's reason phrase */
    char message[PVE_MESSAGE_MAX + 1]; /* the last failed call's error text, "" after success */
    /*
     * The token was refused (401): every later call of this run fails at once
     * with the same words, not after Proxmox's 3 s anti-brute-force delay again.
     */
    bool refused;
    char refused_message[PVE_MESSAGE_MAX + 1];
};

/* One urlencoded parameter; a NULL value ends nothing, it is simply skipped. */
struct pve_param {
    const char *key;
    const char *value;
};

/* A decoded UPID: UPID:NODE:PID:PSTART:STARTTIME:TYPE:ID:USER: */
struct pve_upid {
    char node[64];
    char type[32];
    char id[64];
};

/* tok is copied into the Authorization header (curl's copy is wiped at pve_close). */
enum ct_err pve_open(struct pve *p, const char *url, const char *ca_file,
                     const struct pve_token *tok, int call_timeout_s, struct ct_error *err);
void pve_close(struct pve *p);

/*
 * method path (below /api2/json, e.g. "/nodes") with params.  On success
 * *data (may be NULL) gets the reply's `data` (a new reference, json null
 * when Proxmox said null).  *status (may be NULL) gets the HTTP status, 0
 * when there was no answer.
 */
enum ct_err pve_call(struct pve *p, const char *method, const char *path,
                     const struct pve_param *params, size_t nparams, json_t **data, long *status,
                     struct ct_error *err);
/*
 * pve_call for a call that starts a task, then pve_task_wait for it (at
 * most timeout_s).  A call answering null started no task: success.
 */
enum ct_err pve_call_task(struct pve *p, const char *method, const char *path,
                          const struct pve_param *params, size_t nparams, int timeout_s,
                          long *status, struct ct_error *err);
/* Wait for the task upid to stop, at most timeout_s; CT_ERR_TIMEOUT past it. */
enum ct_err pve_task_wait(struct pve *p, const char *upid, int timeout_s, struct ct_error *err);

/* Pure helpers (unit-tested). */
/*
 * The error text of a reply: body's `message` (first line), else the first
 * of `errors` as "KEY: TEXT", else the reason phrase, else "HTTP STATUS".
 * Printable ASCII only, cut to len.
 */
void pve_error_text(const char *body, size_t body_len, const char *reason, long status, char *out,
                    size_t len);
/* The reason phrase of a status line "HTTP/1.1 500 CT is locked (disk)\r\n", or false. */
bool pve_status_reason(const char *line, size_t len, char *out, size_t outlen);
/* Decode a UPID as Proxmox's own regex does; false when it is not one. */
bool pve_upid_parse(const char *upid, struct pve_upid *out);
/* Whether a stopped task's exitstatus is success: "OK" or "WARNINGS: N". */
bool pve_task_succeeded(const char *exitstatus);
/* /cluster/nextid's answer (a string in practice, a number in places): the id, or 0. */
long long pve_vmid_value(json_t *v);

#endif
