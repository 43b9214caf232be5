/* repo-check.c - the one request that checks a repository; see repo-check.h. */
#include "repo-check.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "repo-url.h"
#include "strcopy.h"

bool repo_check_refs_url(const char *url, char *out, size_t len)
{
    CURLU *u = curl_url();
    char *path = NULL;
    char *full = NULL;
    char next[REPO_URL_MAX + 32];
    bool ok = false;
    if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
        goto out;
    }
    size_t n = strlen(path);
    while (n > 0 && path[n - 1] == '/') {
        n--; /* gitprotocol-http: clients strip the trailing '/' */
    }
    if (n > REPO_URL_MAX) {
        goto out;
    }
    snprintf(next, sizeof(next), "%.*s/info/refs", (int)n, path);
    if (curl_url_set(u, CURLUPART_PATH, next, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_QUERY, "service=git-upload-pack", 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK) {
        goto out;
    }
    ok = str_copy(out, len, full);
out:
    curl_free(path);
    curl_free(full);
    curl_url_cleanup(u);
    return ok;
}

struct sink {
    struct buf body;
    bool too_large;
};

static size_t on_data(char *data, size_t size, size_t count, void *ctx)
{
    struct sink *sink = ctx;
    size_t n = size * count;
    if (sink->body.len + n > sink->body.max) {
        sink->too_large = true;
        return 0; /* libcurl stops the transfer */
    }
    return buf_append(&sink->body, data, n) == 0 ? n : 0;
}

/* "host:443:address" for CURLOPT_RESOLVE (an IPv6 address in brackets). */
static struct curl_slist *pin(const struct repo_answer *a)
{
    char entry[REPO_HOST_MAX + REPO_ADDRESS_MAX + 16];
    bool v6 = strchr(a->address, ':') != NULL;
    if (a->host[0] == '[' || strcmp(a->host, a->address) == 0) {
        return NULL; /* an address in the URL: nothing to resolve */
    }
    snprintf(entry, sizeof(entry), "%s:443:%s%s%s", a->host, v6 ? "[" : "", a->address,
             v6 ? "]" : "");
    return curl_slist_append(NULL, entry);
}

static bool set_options(CURL *curl, const struct gw_repo *cfg, const char *url,
                        struct curl_slist *resolve, struct sink *sink)
{
    bool ok =
        curl_easy_setopt(curl, CURLOPT_URL, url) == CURLE_OK &&
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85: the _STR forms */
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK &&
        curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https") == CURLE_OK &&
#else
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS) == CURLE_OK &&
        curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS) == CURLE_OK &&
#endif
        /* a redirect is reported as its status, never followed (its target is unchecked) */
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
        curl_easy_setopt(curl, CURLOPT_PROXY, "") == CURLE_OK && /* the pin is the peer */
        curl_easy_setopt(curl, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED) == CURLE_OK &&
        curl_easy_setopt(curl, CURLOPT_USERAGENT, REPO_USER_AGENT) == CURLE_OK &&
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)cfg->connect_timeout_s) == CURLE_OK &&
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)cfg->timeout_s) == CURLE_OK &&
        curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)REPO_ANSWER_MAX) ==
            CURLE_OK &&
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK &&
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, sink) == CURLE_OK;
    if (ok && resolve != NULL) {
        ok = curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve) == CURLE_OK;
    }
    if (ok && cfg->ca_file[0] != '\0') {
        ok = curl_easy_setopt(curl, CURLOPT_CAINFO, cfg->ca_file) == CURLE_OK;
    }
    return ok;
}

/* The GET itself: status, content type and body, or why there are none. */
static enum ct_err transfer(const struct gw_repo *cfg, const char *url, struct repo_answer *out,
                            struct ct_error *err)
{
    char refs_url[REPO_URL_MAX + 64];
    struct sink sink = {.too_large = false};
    struct curl_slist *resolve = NULL;
    long status = 0;
    const char *type = NULL;
    enum ct_err rc;
    buf_init(&sink.body, REPO_ANSWER_MAX);
    CURL *curl = curl_easy_init();
    if (!repo_check_refs_url(url, refs_url, sizeof(refs_url))) {
        rc = ct_error_set(err, CT_ERR_BAD_REQUEST, "repository URL refused: not a URL");
        goto out;
    }
    resolve = pin(out);
    if (curl == NULL || !set_options(curl, cfg, refs_url, resolve, &sink)) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "cannot set up the repository check");
        goto out;
    }
    CURLcode res = curl_easy_perform(curl);
    if (sink.too_large || res == CURLE_FILESIZE_EXCEEDED) {
        rc = ct_error_set(err, CT_ERR_BAD_REQUEST,
                          "the answer of %s is too large (more than %zu MiB)", out->host,
                          REPO_ANSWER_MAX / ((size_t)1024 * 1024));
        goto out;
    }
    if (res != CURLE_OK) {
        rc = ct_error_set(err, CT_ERR_BAD_REQUEST, "cannot reach %s: %s", out->host,
                          curl_easy_strerror(res));
        goto out;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
    if (buf_append(&sink.body, "", 0) != 0) { /* an empty answer still gets its NUL */
        rc = ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        goto out;
    }
    rc = repo_check_classify(status, type, sink.body.data, sink.body.len, &out->refs, err);
    if (rc == CT_OK) {
        out->body = sink.body.data; /* refs borrows it: it moves into out unchanged */
        out->len = sink.body.len;
        sink.body.data = NULL;
    }
out:
    buf_free(&sink.body);
    curl_slist_free_all(resolve);
    curl_easy_cleanup(curl);
    return rc;
}

enum ct_err repo_check_fetch(const struct gw_repo *cfg, const char *url, struct repo_answer *out,
                             struct ct_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!cfg->enabled) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "this gateway does not deploy repositories");
    }
    enum ct_err rc = repo_url_check(url, &cfg->policy, out->host, sizeof(out->host), out->address,
                                    sizeof(out->address), err);
    if (rc != CT_OK) {
        return rc;
    }
    return transfer(cfg, url, out, err);
}

void repo_answer_free(struct repo_answer *answer)
{
    free(answer->body);
    answer->body = NULL;
    answer->len = 0;
    memset(&answer->refs, 0, sizeof(answer->refs));
}
