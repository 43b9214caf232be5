/* lxd-client.c - see lxd-client.h. */
#include "lxd-client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json-secure.h"
#include "clock.h"
#include "strcopy.h"

enum ct_err lxd_open(struct lxd *lxd, const char *socket, bool incus, int call_timeout_s,
                     int operation_timeout_s, struct ct_error *err)
{
    memset(lxd, 0, sizeof(*lxd));
    if (!str_copy(lxd->socket, sizeof(lxd->socket), socket)) {
        return ct_error_set(err, CT_ERR_CONFIG, "LXD socket path too long");
    }
    lxd->header_prefix = incus ? "X-Incus-" : "X-LXD-";
    lxd->call_timeout_s = call_timeout_s;
    lxd->operation_timeout_s = operation_timeout_s;
    lxd->curl = curl_easy_init();
    if (lxd->curl == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "curl_easy_init failed");
    }
    return CT_OK;
}

void lxd_close(struct lxd *lxd)
{
    if (lxd->curl != NULL) {
        curl_easy_cleanup(lxd->curl);
        lxd->curl = NULL;
    }
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct buf *b = userdata;
    return buf_append(b, data, size * nmemb) == 0 ? size * nmemb : 0;
}

/* A request's body: bytes in memory, or a file to stream. */
struct body {
    const void *data;
    size_t len;
    FILE *file; /* when not NULL: streamed, len bytes */
    /* When not NULL: a successful answer's body goes here, not to reply (an HTTP error fails). */
    const struct lxd_sink *sink;
};

static size_t on_sink(char *data, size_t size, size_t nmemb, void *userdata)
{
    const struct lxd_sink *sink = userdata;
    return sink->write(sink->ctx, data, size * nmemb) ? size * nmemb : 0;
}

static enum ct_err perform_body(struct lxd *lxd, const char *method, const char *path,
                                struct curl_slist *headers, const struct body *body, long timeout_s,
                                struct buf *reply, long *status, struct ct_error *err)
{
    char url[2048];
    const char *sep = strchr(path, '?') != NULL ? "&" : "?";
    if ((size_t)snprintf(url, sizeof(url), "http://lxd%s%s%s%s", path,
                         lxd->project[0] != '\0' ? sep : "", lxd->project[0] != '\0' ? "project=" : "",
                         lxd->project) >= sizeof(url)) {
        return ct_error_set(err, CT_ERR_INTERNAL, "LXD path too long");
    }
    CURL *c = lxd->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, lxd->socket);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    if (body->sink != NULL) {
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sink);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, body->sink);
        curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
        /* A stream that stalls for a minute is dead, whatever the overall timeout. */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    } else {
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
    }
    if (body->file != NULL) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_READDATA, body->file);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    } else if (body->data != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    }
    CURLcode cc = curl_easy_perform(c);
    /* Drop curl's pointer to a body that may be a secret the caller wipes next. */
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        return ct_error_set(err, CT_ERR_TIMEOUT, "LXD did not answer %s %s within %lds", method,
                            path, timeout_s);
    }
    if (cc == CURLE_WRITE_ERROR && body->sink != NULL) {
        return ct_error_set(err, CT_ERR_BACKEND, "LXD %s %s: stopped by its reader", method, path);
    }
    if (cc != CURLE_OK) {
        return ct_error_set(err, CT_ERR_BACKEND, "LXD %s %s: %s", method, path,
                            curl_easy_strerror(cc));
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    return CT_OK;
}

static enum ct_err perform(struct lxd *lxd, const char *method, const char *path,
                           struct curl_slist *headers, const void *body, size_t len, long timeout_s,
                           struct buf *reply, long *status, struct ct_error *err)
{
    struct body b = {body, len, NULL, NULL};
    return perform_body(lxd, method, path, headers, &b, timeout_s, reply, status, err);
}

static enum ct_err parse_reply(const char *method, const char *path, struct buf *raw, long status,
                               json_t **reply, struct ct_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(raw->data != NULL ? raw->data : "", raw->len, 0, &jerr);
    if (root == NULL || !json_is_object(root)) {
        json_decref(root);
        return ct_error_set(err, CT_ERR_BACKEND, "LXD %s %s: HTTP %ld with no JSON reply", method,
                            path, status);
    }
    const char *type = json_string_value(json_object_get(root, "type"));
    if (status >= 400 || (type != NULL && strcmp(type, "error") == 0)) {
        const char *msg = json_string_value(json_object_get(root, "error"));
        ct_error_set(err, CT_ERR_BACKEND, "LXD %s %s: %s", method, path,
                     msg != NULL ? msg : "error");
        json_decref(root);
        return CT_ERR_BACKEND;
    }
    *reply = root;
    return CT_OK;
}

static enum ct_err call_capped(struct lxd *lxd, const char *method, const char *path,
                               struct curl_slist *headers, const void *body, size_t len,
                               size_t reply_max, json_t **reply, long *status,
                               struct ct_error *err)
{
    struct buf raw;
    long http = 0;
    json_t *parsed = NULL;
    buf_init(&raw, reply_max);
    enum ct_err rc =
        perform(lxd, method, path, headers, body, len, lxd->call_timeout_s, &raw, &http, err);
    if (rc == CT_OK) {
        rc = parse_reply(method, path, &raw, http, &parsed, err);
    }
    buf_free(&raw);
    if (status != NULL) {
        *status = http;
    }
    if (reply != NULL) {
        *reply = parsed;
    } else {
        json_decref(parsed);
    }
    return rc;
}

enum ct_err lxd_call_raw(struct lxd *lxd, const char *method, const char *path,
                         struct curl_slist *headers, const void *body, size_t len, json_t **reply,
                         long *status, struct ct_error *err)
{
    return call_capped(lxd, method, path, headers, body, len, LXD_REPLY_MAX, reply, status, err);
}

enum ct_err lxd_get_large(struct lxd *lxd, const char *path, size_t reply_max, json_t **reply,
                          struct ct_error *err)
{
    struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
    if (headers == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    enum ct_err rc = call_capped(lxd, "GET", path, headers, NULL, 0, reply_max, reply, NULL, err);
    curl_slist_free_all(headers);
    return rc;
}

enum ct_err lxd_call(struct lxd *lxd, const char *method, const char *path, json_t *body,
                     json_t **reply, long *status, struct ct_error *err)
{
    char *text = NULL;
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    /* No "Expect: 100-continue" round trip for larger bodies. */
    headers = headers != NULL ? curl_slist_append(headers, "Expect:") : NULL;
    if (headers == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        if (text == NULL) {
            curl_slist_free_all(headers);
            return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        }
    }
    enum ct_err rc =
        lxd_call_raw(lxd, method, path, headers, text, text ? strlen(text) : 0, reply, status, err);
    curl_slist_free_all(headers);
    json_secure_free_text(text);
    return rc;
}

enum ct_err lxd_upload_wait(struct lxd *lxd, const char *path, struct curl_slist *headers,
                            const char *file, int timeout_s, json_t **operation,
                            struct ct_error *err)
{
    struct buf raw;
    long http = 0;
    json_t *reply = NULL;
    struct stat st;
    enum ct_err rc = CT_OK;

    *operation = NULL;
    int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (f == NULL || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "cannot read %s: %s", file, strerror(errno));
        if (f == NULL && fd >= 0) {
            close(fd);
        }
        goto out;
    }
    struct body b = {NULL, (size_t)st.st_size, f, NULL};
    buf_init(&raw, LXD_REPLY_MAX);
    rc = perform_body(lxd, "POST", path, headers, &b, timeout_s, &raw, &http, err);
    if (rc == CT_OK) {
        rc = parse_reply("POST", path, &raw, http, &reply, err);
    }
    buf_free(&raw);
    if (rc == CT_OK) {
        int saved = lxd->operation_timeout_s;
        lxd->operation_timeout_s = timeout_s;
        rc = lxd_wait(lxd, reply, operation, err);
        lxd->operation_timeout_s = saved;
    }
out:
    if (f != NULL) {
        fclose(f);
    }
    json_decref(reply);
    return rc;
}

enum ct_err lxd_get_raw(struct lxd *lxd, const char *path, struct buf *out, struct ct_error *err)
{
    long http = 0;
    enum ct_err rc = perform(lxd, "GET", path, NULL, NULL, 0, lxd->call_timeout_s, out, &http, err);
    if (rc == CT_OK && http == 404) {
        rc = ct_error_set(err, CT_ERR_NOT_FOUND, "LXD GET %s: not found", path);
    } else if (rc == CT_OK && http != 200) {
        rc = ct_error_set(err, CT_ERR_BACKEND, "LXD GET %s: HTTP %ld", path, http);
    }
    return rc;
}

enum ct_err lxd_get_stream(struct lxd *lxd, const char *path, int timeout_s,
                           const struct lxd_sink *sink, struct ct_error *err)
{
    struct body b = {NULL, 0, NULL, sink};
    long http = 0;
    return perform_body(lxd, "GET", path, NULL, &b, timeout_s, NULL, &http, err);
}

/* Whether the reply names an operation path we may poll ("/1.0/operations/ID"). */
static const char *operation_path(json_t *async_reply)
{
    const char *op = json_string_value(json_object_get(async_reply, "operation"));
    if (op == NULL || strncmp(op, "/1.0/operations/", 16) != 0 || strlen(op) > 200) {
        return NULL;
    }
    return op;
}

/* Wait at most timeout_s for the operation at path op ("/1.0/operations/ID"). */
static enum ct_err wait_operation(struct lxd *lxd, const char *op, int timeout_s,
                                  json_t **operation, struct ct_error *err)
{
    if (op == NULL || strncmp(op, "/1.0/operations/", 16) != 0 || strlen(op) > 200) {
        return ct_error_set(err, CT_ERR_BACKEND, "LXD reply names no operation");
    }
    long deadline = clock_now_ms() + (long)timeout_s * 1000;
    for (;;) {
        long left_ms = deadline - clock_now_ms();
        if (left_ms <= 0) {
            return ct_error_set(err, CT_ERR_TIMEOUT, "LXD operation still running after %ds",
                                timeout_s);
        }
        /* Whole seconds, rounded up: never give up before the deadline. */
        long left_s = (left_ms + 999) / 1000;
        long wait_s = left_s < 10 ? left_s : 10;
        char path[256];
        /* LXD may name it with its project (?project=P): /wait goes before the query. */
        int id_len = (int)strcspn(op, "?");
        snprintf(path, sizeof(path), "%.*s/wait?timeout=%ld", id_len, op, wait_s);
        struct buf raw;
        long http = 0;
        json_t *reply = NULL;
        buf_init(&raw, LXD_REPLY_MAX);
        enum ct_err rc = perform(lxd, "GET", path, NULL, NULL, 0, wait_s + lxd->call_timeout_s,
                                 &raw, &http, err);
        if (rc == CT_OK) {
            rc = parse_reply("GET", op, &raw, http, &reply, err);
        }
        buf_free(&raw);
        if (rc != CT_OK) {
            return rc;
        }
        json_t *meta = json_object_get(reply, "metadata");
        json_int_t code = json_integer_value(json_object_get(meta, "status_code"));
        if (code == 200) {
            if (operation != NULL) {
                *operation = json_incref(meta);
            }
            json_decref(reply);
            return CT_OK;
        }
        if (code >= 400) {
            const char *msg = json_string_value(json_object_get(meta, "err"));
            ct_error_set(err, CT_ERR_BACKEND, "%s", msg != NULL && *msg ? msg : "operation failed");
            json_decref(reply);
            return CT_ERR_BACKEND;
        }
        /* 100..199: still running (a wait that timed out answers 200 over HTTP). */
        json_decref(reply);
    }
}

enum ct_err lxd_wait(struct lxd *lxd, json_t *async_reply, json_t **operation, struct ct_error *err)
{
    return wait_operation(lxd, json_string_value(json_object_get(async_reply, "operation")),
                          lxd->operation_timeout_s, operation, err);
}

enum ct_err lxd_wait_within(struct lxd *lxd, json_t *async_reply, int timeout_s, json_t **operation,
                            struct ct_error *err)
{
    return wait_operation(lxd, json_string_value(json_object_get(async_reply, "operation")),
                          timeout_s, operation, err);
}

enum ct_err lxd_cancel(struct lxd *lxd, json_t *async_reply, struct ct_error *err)
{
    const char *op = operation_path(async_reply);
    if (op == NULL) {
        return ct_error_set(err, CT_ERR_BACKEND, "LXD reply names no operation");
    }
    return lxd_call(lxd, "DELETE", op, NULL, NULL, NULL, err);
}

/* Whether the operation lists resource among the instances it works on. */
static bool operation_touches(json_t *operation, const char *resource)
{
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(json_object_get(operation, "resources"), "instances"), i,
                       item)
    {
        const char *s = json_string_value(item);
        /* In a project LXD names it /1.0/instances/NAME?project=P. */
        size_t len = s != NULL ? strcspn(s, "?") : 0;
        if (s != NULL && len == strlen(resource) && strncmp(s, resource, len) == 0) {
            return true;
        }
    }
    return false;
}

enum ct_err lxd_wait_instance_idle(struct lxd *lxd, const char *name, struct ct_error *err)
{
    char resource[256];
    json_t *reply = NULL;
    snprintf(resource, sizeof(resource), "/1.0/instances/%s", name);
    enum ct_err rc = lxd_call(lxd, "GET", "/1.0/operations?recursion=1", NULL, &reply, NULL, err);
    size_t i;
    json_t *operation;
    json_array_foreach(json_object_get(json_object_get(reply, "metadata"), "running"), i,
                       operation)
    {
        /*
         * A command still running inside (an after-create hook past its
         * timeout, which LXD cannot cancel) does not race a stop: the stop
         * ends it.  Waiting for it could take as long as it likes.
         */
        const char *what = json_string_value(json_object_get(operation, "description"));
        bool exec = what != NULL && strcmp(what, "Executing command") == 0;
        if (rc != CT_OK || exec || !operation_touches(operation, resource)) {
            continue;
        }
        char path[256];
        const char *id = json_string_value(json_object_get(operation, "id"));
        snprintf(path, sizeof(path), "/1.0/operations/%s", id != NULL ? id : "");
        json_t *done = NULL;
        rc = wait_operation(lxd, path, lxd->operation_timeout_s, &done, err);
        json_decref(done);
        if (rc == CT_ERR_BACKEND) {
            rc = CT_OK; /* it failed, but it is over: that is all we wait for */
        }
    }
    json_decref(reply);
    return rc;
}

enum ct_err lxd_call_wait(struct lxd *lxd, const char *method, const char *path, json_t *body,
                          json_t **operation, long *status, struct ct_error *err)
{
    json_t *reply = NULL;
    enum ct_err rc = lxd_call(lxd, method, path, body, &reply, status, err);
    if (rc != CT_OK) {
        return rc;
    }
    json_t *op = NULL;
    rc = lxd_wait(lxd, reply, &op, err);
    json_decref(reply);
    if (operation != NULL) {
        *operation = op;
    } else {
        json_decref(op);
    }
    return rc;
}
