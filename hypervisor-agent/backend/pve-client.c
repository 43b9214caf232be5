/* pve-client.c - see pve-client.h. */
#include "pve-client.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "log.h"
#include "strcopy.h"

/* Task status polls: this often, and a fresh UPID's 400 ("no such task") this many times. */
#define TASK_POLL_MS 300L
#define TASK_EARLY_400_MAX 10

enum ct_err pve_open(struct pve *p, const char *url, const char *ca_file,
                     const struct pve_token *tok, int call_timeout_s, struct ct_error *err)
{
    char header[64 + PVE_TOKEN_ID_MAX + PVE_TOKEN_SECRET_MAX];
    memset(p, 0, sizeof(*p));
    if ((size_t)snprintf(p->base, sizeof(p->base), "%s/api2/json", url) >= sizeof(p->base) ||
        !str_copy(p->ca_file, sizeof(p->ca_file), ca_file) ||
        !str_copy(p->token_id, sizeof(p->token_id), tok->id)) {
        return ct_error_set(err, CT_ERR_CONFIG, "proxmox.url or proxmox.ca_file too long");
    }
    p->call_timeout_s = call_timeout_s;
    snprintf(header, sizeof(header), "Authorization: PVEAPIToken=%s=%s", tok->id, tok->secret);
    /* Two lists, each with its own copy of the secret, both wiped at pve_close(). */
    const char *common[] = {header, "Accept: application/json", "Expect:"};
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
        p->auth = p->auth != NULL || i == 0 ? curl_slist_append(p->auth, common[i]) : NULL;
        p->auth_form =
            p->auth_form != NULL || i == 0 ? curl_slist_append(p->auth_form, common[i]) : NULL;
    }
    if (p->auth_form != NULL) {
        p->auth_form =
            curl_slist_append(p->auth_form, "Content-Type: application/x-www-form-urlencoded");
    }
    sodium_memzero(header, sizeof(header));
    p->curl = curl_easy_init();
    if (p->auth == NULL || p->auth_form == NULL || p->curl == NULL) {
        pve_close(p);
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    return CT_OK;
}

static void wipe_list(struct curl_slist **list)
{
    for (struct curl_slist *h = *list; h != NULL; h = h->next) {
        sodium_memzero(h->data, strlen(h->data));
    }
    curl_slist_free_all(*list);
    *list = NULL;
}

void pve_close(struct pve *p)
{
    wipe_list(&p->auth);
    wipe_list(&p->auth_form);
    if (p->curl != NULL) {
        curl_easy_cleanup(p->curl);
        p->curl = NULL;
    }
}

/* Copy text (n bytes) to out as printable ASCII, stopping at the first line break. */
static void printable(const char *text, size_t n, char *out, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < n && text[i] != '\n' && text[i] != '\r' && o + 1 < len; i++) {
        char c = text[i];
        if (c < ' ' || c > '~') {
            c = '?';
        }
        out[o++] = c;
    }
    while (o > 0 && out[o - 1] == ' ') {
        o--;
    }
    if (len > 0) {
        out[o] = '\0';
    }
}

bool pve_status_reason(const char *line, size_t len, char *out, size_t outlen)
{
    if (len < 12 || strncmp(line, "HTTP/", 5) != 0) {
        return false;
    }
    const char *sp = memchr(line, ' ', len);
    if (sp == NULL) {
        return false;
    }
    size_t rest = len - (size_t)(sp + 1 - line);
    const char *code = sp + 1;
    if (rest < 3 || !isdigit((unsigned char)code[0]) || !isdigit((unsigned char)code[1]) ||
        !isdigit((unsigned char)code[2])) {
        return false;
    }
    const char *reason = code + 3;
    rest -= 3;
    if (rest > 0 && *reason == ' ') {
        reason++;
        rest--;
    }
    printable(reason, rest, out, outlen);
    return true;
}

void pve_error_text(const char *body, size_t body_len, const char *reason, long status, char *out,
                    size_t len)
{
    json_error_t jerr;
    json_t *root = body != NULL && body_len > 0 ? json_loadb(body, body_len, 0, &jerr) : NULL;
    const char *message = json_string_value(json_object_get(root, "message"));
    json_t *errors = json_object_get(root, "errors");
    out[0] = '\0';
    if (message != NULL && message[strspn(message, " \n")] != '\0') {
        printable(message, strlen(message), out, len);
    } else if (json_is_object(errors) && json_object_size(errors) > 0) {
        /* The first key in order: jansson keeps insertion order. */
        void *it = json_object_iter(errors);
        const char *key = json_object_iter_key(it);
        const char *text = json_string_value(json_object_iter_value(it));
        char line[2 * PVE_MESSAGE_MAX];
        snprintf(line, sizeof(line), "%s: %s", key, text != NULL ? text : "invalid");
        printable(line, strlen(line), out, len);
    } else if (reason != NULL && reason[0] != '\0') {
        printable(reason, strlen(reason), out, len);
    }
    if (out[0] == '\0') {
        snprintf(out, len, "HTTP %ld", status);
    }
    json_decref(root);
}

static bool hex_field(const char *s, size_t n, size_t min, size_t max)
{
    return n >= min && n <= max && strspn(s, "0123456789abcdefABCDEF") >= n;
}

bool pve_upid_parse(const char *upid, struct pve_upid *out)
{
    /* ^UPID:NODE:PID{8}:PSTART{8,9}:STARTTIME{8}:TYPE:ID:USER:$ */
    const char *f[7];
    size_t n[7];
    const char *p = upid;
    memset(out, 0, sizeof(*out));
    if (strncmp(upid, "UPID:", 5) != 0 || strlen(upid) > 512) {
        return false;
    }
    p += 5;
    for (int i = 0; i < 7; i++) {
        const char *colon = strchr(p, ':');
        if (colon == NULL) {
            return false;
        }
        f[i] = p;
        n[i] = (size_t)(colon - p);
        p = colon + 1;
    }
    if (*p != '\0') {
        return false;
    }
    /* node: [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])? */
    const char *alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    if (n[0] == 0 || n[0] >= sizeof(out->node) ||
        strspn(f[0], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") < n[0] ||
        strchr(alnum, f[0][0]) == NULL || strchr(alnum, f[0][n[0] - 1]) == NULL) {
        return false;
    }
    if (!hex_field(f[1], n[1], 8, 8) || !hex_field(f[2], n[2], 8, 9) ||
        !hex_field(f[3], n[3], 8, 8)) {
        return false;
    }
    /* type [^:\s/]+, id [^:\s/]*, user [^:\s/]+ */
    for (int i = 4; i < 7; i++) {
        for (size_t j = 0; j < n[i]; j++) {
            unsigned char c = (unsigned char)f[i][j];
            if (c <= ' ' || c == '/' || c > '~') {
                return false;
            }
        }
    }
    if (n[4] == 0 || n[6] == 0 || n[4] >= sizeof(out->type) || n[5] >= sizeof(out->id)) {
        return false;
    }
    memcpy(out->node, f[0], n[0]);
    memcpy(out->type, f[4], n[4]);
    memcpy(out->id, f[5], n[5]);
    return true;
}

bool pve_task_succeeded(const char *exitstatus)
{
    if (exitstatus == NULL) {
        return false;
    }
    if (strcmp(exitstatus, "OK") == 0) {
        return true;
    }
    const char *w = "WARNINGS: ";
    size_t n = strlen(w);
    return strncmp(exitstatus, w, n) == 0 && exitstatus[n] != '\0' &&
           strspn(exitstatus + n, "0123456789") == strlen(exitstatus + n);
}

long long pve_vmid_value(json_t *v)
{
    long long id = 0;
    if (json_is_integer(v)) {
        id = (long long)json_integer_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = strlen(s);
        if (n == 0 || n > 9 || strspn(s, "0123456789") != n) {
            return 0;
        }
        id = strtoll(s, NULL, 10);
    }
    return id >= 100 && id <= 999999999 ? id : 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct buf *b = userdata;
    return buf_append(b, data, size * nmemb) == 0 ? size * nmemb : 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct pve *p = userdata;
    char reason[PVE_MESSAGE_MAX + 1];
    if (pve_status_reason(data, size * nmemb, reason, sizeof(reason))) {
        memcpy(p->reason, reason, sizeof(reason)); /* the last status line (after a 100) */
    }
    return size * nmemb;
}

/* "k=v&k=v", every key and value percent-encoded; NULL values skipped. */
static enum ct_err encode_params(struct pve *p, const struct pve_param *params, size_t n,
                                 struct buf *out, struct ct_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (params[i].value == NULL) {
            continue;
        }
        char *k = curl_easy_escape(p->curl, params[i].key, 0);
        char *v = curl_easy_escape(p->curl, params[i].value, 0);
        int bad = k == NULL || v == NULL ||
                  (out->len > 0 && buf_append(out, "&", 1) != 0) ||
                  buf_append(out, k, strlen(k)) != 0 || buf_append(out, "=", 1) != 0 ||
                  buf_append(out, v, strlen(v)) != 0;
        curl_free(k);
        curl_free(v);
        if (bad) {
            return ct_error_set(err, CT_ERR_INTERNAL, "Proxmox request parameters too long");
        }
    }
    if (buf_append(out, "", 0) != 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    return CT_OK;
}

/* Not a host path in it: the user may see it (Proxmox's words, as the issue asks). */
static bool text_public(const char *text)
{
    static const char *const roots[] = {"/etc", "/var", "/run", "/usr", "/dev", "/tmp",
                                        "/root", "/home", "/mnt", "/srv", "/opt", "/proc"};
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
        if (strstr(text, roots[i]) != NULL) {
            return false;
        }
    }
    return true;
}

static enum ct_err fail(struct pve *p, enum ct_err code, struct ct_error *err)
{
    ct_error_set(err, code, "Proxmox: %s", p->message);
    err->detail_public = text_public(p->message);
    return code;
}

enum ct_err pve_call(struct pve *p, const char *method, const char *path,
                     const struct pve_param *params, size_t nparams, json_t **data, long *status,
                     struct ct_error *err)
{
    char url[2048];
    struct buf form, raw;
    const struct curl_slist *headers = NULL;
    long http = 0;
    enum ct_err rc = CT_OK;
    bool query = strcmp(method, "GET") == 0 || strcmp(method, "DELETE") == 0;

    if (data != NULL) {
        *data = NULL;
    }
    p->message[0] = '\0';
    p->reason[0] = '\0';
    buf_init(&form, (size_t)512 * 1024);
    buf_init(&raw, PVE_REPLY_MAX);
    if (p->refused) {
        snprintf(p->message, sizeof(p->message), "%s", p->refused_message);
        http = 401;
        rc = fail(p, CT_ERR_BACKEND, err);
        goto out;
    }
    if ((rc = encode_params(p, params, nparams, &form, err)) != CT_OK) {
        goto out;
    }
    if ((size_t)snprintf(url, sizeof(url), "%s%s%s%s", p->base, path,
                         query && form.len > 0 ? "?" : "", query ? form.data : "") >=
        sizeof(url)) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "Proxmox request too long");
        goto out;
    }
    headers = query ? p->auth : p->auth_form;
    CURL *c = p->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CAINFO, p->ca_file);
    curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)p->call_timeout_s);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &raw);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, p);
    if (!query) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form.data);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form.len);
    }
    CURLcode cc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        snprintf(p->message, sizeof(p->message), "no answer to %s %s within %ds", method, path,
                 p->call_timeout_s);
        rc = ct_error_set(err, CT_ERR_TIMEOUT, "Proxmox: %s", p->message);
        goto out;
    }
    if (cc != CURLE_OK) {
        snprintf(p->message, sizeof(p->message), "%s %s: %s", method, path,
                 cc == CURLE_WRITE_ERROR ? "reply too large" : curl_easy_strerror(cc));
        rc = ct_error_set(err, CT_ERR_BACKEND, "Proxmox: %s", p->message);
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
    if (http == 401) {
        /* "Authentication failed!" or "No ticket": the token is wrong, expired or disabled. */
        pve_error_text(NULL, 0, p->reason, http, p->message, sizeof(p->message));
        p->refused = true;
        snprintf(p->refused_message, sizeof(p->refused_message), "%s", p->message);
        rc = fail(p, CT_ERR_BACKEND, err);
        log_error("proxmox: %s %s: %s (API token %.100s)", method, path, p->message, p->token_id);
        goto out;
    }
    if (http < 200 || http >= 300) {
        pve_error_text(raw.data, raw.len, p->reason, http, p->message, sizeof(p->message));
        rc = fail(p, CT_ERR_BACKEND, err);
        goto out;
    }
    json_error_t jerr;
    json_t *root = json_loadb(raw.data != NULL ? raw.data : "", raw.len, 0, &jerr);
    if (!json_is_object(root) || json_object_get(root, "data") == NULL) {
        json_decref(root);
        snprintf(p->message, sizeof(p->message), "%s %s: HTTP %ld without a JSON data reply",
                 method, path, http);
        rc = ct_error_set(err, CT_ERR_BACKEND, "Proxmox: %s", p->message);
        goto out;
    }
    if (data != NULL) {
        *data = json_incref(json_object_get(root, "data"));
    }
    json_decref(root);
out:
    if (status != NULL) {
        *status = http;
    }
    buf_free(&form);
    buf_free(&raw);
    return rc;
}

/* The last line of the task's log, for a failure whose exitstatus says nothing. */
static void task_log_tail(struct pve *p, const struct pve_upid *u, const char *escaped, char *out,
                          size_t len)
{
    char path[768];
    json_t *lines = NULL;
    struct ct_error ignored = {0};
    const struct pve_param q[] = {{"start", "0"}, {"limit", "500"}};
    if ((size_t)snprintf(path, sizeof(path), "/nodes/%s/tasks/%s/log", u->node, escaped) >=
        sizeof(path)) {
        return;
    }
    if (pve_call(p, "GET", path, q, 2, &lines, NULL, &ignored) == CT_OK) {
        size_t i;
        json_t *line;
        json_array_foreach (lines, i, line) {
            const char *t = json_string_value(json_object_get(line, "t"));
            if (t != NULL && t[0] != '\0') {
                printable(t, strlen(t), out, len);
            }
        }
    }
    json_decref(lines);
}

enum ct_err pve_task_wait(struct pve *p, const char *upid, int timeout_s, struct ct_error *err)
{
    struct pve_upid u;
    char path[768];
    int early = 0;
    enum ct_err rc = CT_OK;

    if (!pve_upid_parse(upid, &u)) {
        return ct_error_set(err, CT_ERR_BACKEND, "Proxmox answered no task id (UPID)");
    }
    char *escaped = curl_easy_escape(p->curl, upid, 0);
    if (escaped == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    if ((size_t)snprintf(path, sizeof(path), "/nodes/%s/tasks/%s/status", u.node, escaped) >=
        sizeof(path)) {
        curl_free(escaped);
        return ct_error_set(err, CT_ERR_BACKEND, "Proxmox answered a task id too long");
    }
    long deadline = clock_now_ms() + (long)timeout_s * 1000;
    for (;;) {
        json_t *data = NULL;
        long status = 0;
        rc = pve_call(p, "GET", path, NULL, 0, &data, &status, err);
        bool too_early = rc == CT_ERR_BACKEND && status == 400 && early++ < TASK_EARLY_400_MAX;
        if (rc != CT_OK && !too_early) { /* a task just started may not be known yet */
            break;
        } else {
            const char *s = json_string_value(json_object_get(data, "status"));
            const char *exit = json_string_value(json_object_get(data, "exitstatus"));
            if (s != NULL && strcmp(s, "stopped") == 0) {
                if (!pve_task_succeeded(exit)) {
                    printable(exit != NULL ? exit : "", exit != NULL ? strlen(exit) : 0,
                              p->message, sizeof(p->message));
                    if (p->message[0] == '\0' || strcmp(p->message, "unexpected status") == 0) {
                        task_log_tail(p, &u, escaped, p->message, sizeof(p->message));
                    }
                    if (p->message[0] == '\0') {
                        snprintf(p->message, sizeof(p->message), "task %s failed", u.type);
                    }
                    rc = fail(p, CT_ERR_BACKEND, err);
                }
                json_decref(data);
                break;
            }
        }
        json_decref(data);
        if (clock_now_ms() >= deadline) {
            snprintf(p->message, sizeof(p->message), "task %s still running after %ds", u.type,
                     timeout_s);
            rc = ct_error_set(err, CT_ERR_TIMEOUT, "Proxmox: %s", p->message);
            break;
        }
        struct timespec pause = {0, TASK_POLL_MS * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    curl_free(escaped);
    return rc;
}

enum ct_err pve_call_task(struct pve *p, const char *method, const char *path,
                          const struct pve_param *params, size_t nparams, int timeout_s,
                          long *status, struct ct_error *err)
{
    json_t *data = NULL;
    enum ct_err rc = pve_call(p, method, path, params, nparams, &data, status, err);
    if (rc == CT_OK && json_is_string(data)) {
        rc = pve_task_wait(p, json_string_value(data), timeout_s, err);
    }
    json_decref(data);
    return rc;
}
