/*
 * lxd-client.h - LXD's REST API over its unix socket, with libcurl.
 *
 * One struct lxd per agent run (not thread-safe).  Every call has a timeout;
 * async operations are waited on until their own deadline.  Replies are
 * parsed into jansson objects the caller owns (json_decref).  The same code
 * speaks to Incus: only the socket and the X-<Product>-* header names differ.
 */
#ifndef CTGATE_LXD_CLIENT_H
#define CTGATE_LXD_CLIENT_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"

#define LXD_REPLY_MAX ((size_t)16 * 1024 * 1024)

struct lxd {
    CURL *curl;
    char socket[4096];
    const char *header_prefix; /* "X-LXD-" or "X-Incus-" */
    char project[64]; /* every call is in this LXD project ("": the default project) */
    int call_timeout_s;
    int operation_timeout_s;
};

enum ct_err lxd_open(struct lxd *lxd, const char *socket, bool incus, int call_timeout_s,
                     int operation_timeout_s, struct ct_error *err);
void lxd_close(struct lxd *lxd);

/*
 * A JSON request (body may be NULL).  *reply gets the parsed response
 * envelope, *status the HTTP status.  LXD "error" replies are returned as
 * CT_ERR_BACKEND with LXD's message as detail, except that *status is still
 * set so callers can treat 404 specially.
 */
enum ct_err lxd_call(struct lxd *lxd, const char *method, const char *path, json_t *body,
                     json_t **reply, long *status, struct ct_error *err);

/*
 * A GET whose answer may be larger than LXD_REPLY_MAX, up to reply_max
 * bytes: the instance list (recursion=1, a few KiB per instance, all of it
 * set through LXD's API, never by an instance).
 */
enum ct_err lxd_get_large(struct lxd *lxd, const char *path, size_t reply_max, json_t **reply,
                          struct ct_error *err);

/* A request with a raw body and extra headers (file push). */
enum ct_err lxd_call_raw(struct lxd *lxd, const char *method, const char *path,
                         struct curl_slist *headers, const void *body, size_t len, json_t **reply,
                         long *status, struct ct_error *err);

/*
 * POST the file at path (opened O_NOFOLLOW) as the body, with headers, and
 * wait for the operation LXD answers with, at most timeout_s seconds for
 * the upload and as long again for the operation.  *operation as lxd_wait.
 */
enum ct_err lxd_upload_wait(struct lxd *lxd, const char *path, struct curl_slist *headers,
                            const char *file, int timeout_s, json_t **operation,
                            struct ct_error *err);

/* GET a raw (non-JSON) resource into out; CT_ERR_NOT_FOUND on HTTP 404. */
enum ct_err lxd_get_raw(struct lxd *lxd, const char *path, struct buf *out, struct ct_error *err);

/* Where a streamed answer goes: each piece in order; false stops the transfer. */
struct lxd_sink {
    bool (*write)(void *ctx, const void *bytes, size_t len);
    void *ctx;
};

/*
 * GET path and hand its body to sink as it arrives (a backup's export), for
 * at most timeout_s seconds (and no more than a minute without a byte).  An
 * HTTP error fails before any byte reaches the sink (CT_ERR_BACKEND); a sink
 * that says stop makes it CT_ERR_BACKEND "stopped by its reader".
 */
enum ct_err lxd_get_stream(struct lxd *lxd, const char *path, int timeout_s,
                           const struct lxd_sink *sink, struct ct_error *err);

/*
 * Wait for the operation named by an "async" reply.  On success *operation
 * is the finished operation object (metadata of the wait reply; operation
 * may be NULL when it is not wanted).  A failed
 * operation gives CT_ERR_BACKEND with its "err" text; a deadline passed
 * gives CT_ERR_TIMEOUT.
 */
enum ct_err lxd_wait(struct lxd *lxd, json_t *async_reply, json_t **operation,
                     struct ct_error *err);

/* lxd_wait with its own deadline: at most timeout_s seconds (rounded up to whole seconds). */
enum ct_err lxd_wait_within(struct lxd *lxd, json_t *async_reply, int timeout_s, json_t **operation,
                            struct ct_error *err);

/*
 * Ask LXD to cancel the operation named by an "async" reply (DELETE on it).
 * LXD refuses for operations that cannot be cancelled, such as an exec
 * without websockets: CT_ERR_BACKEND with its message.
 */
enum ct_err lxd_cancel(struct lxd *lxd, json_t *async_reply, struct ct_error *err);

/*
 * Wait until no operation LXD is running touches instance name (a start
 * still in flight would make a stop find it stopped and a delete then find
 * it running).  An operation that ends in failure is fine: it has ended.
 * Commands running inside (exec) are not waited for: a stop ends them.
 */
enum ct_err lxd_wait_instance_idle(struct lxd *lxd, const char *name, struct ct_error *err);

/* lxd_call + lxd_wait for calls that answer with an operation. */
enum ct_err lxd_call_wait(struct lxd *lxd, const char *method, const char *path, json_t *body,
                          json_t **operation, long *status, struct ct_error *err);

#endif
