/* repo-url.c - see repo-url.h. */
#include "repo-url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strcopy.h"

static bool host_allowed(const char *host, const struct repo_policy *policy)
{
    size_t hl = strlen(host);
    for (size_t i = 0; i < policy->nallowed; i++) {
        const char *a = policy->allowed_hosts[i];
        size_t al = strlen(a);
        if (a[0] == '.') {
            if (hl > al && strcmp(host + hl - al, a) == 0) {
                return true;
            }
        } else if (strcmp(host, a) == 0) {
            return true;
        }
    }
    return false;
}

static enum ct_err refuse(struct ct_error *err, const char *why)
{
    return ct_error_set(err, CT_ERR_BAD_REQUEST, "repository URL refused: %s", why);
}

/* Whether part is absent from u (present: also when libcurl cannot say). */
static bool absent(CURLU *u, CURLUPart part)
{
    char *v = NULL;
    CURLUcode rc = curl_url_get(u, part, &v, 0);
    curl_free(v);
    return rc == CURLUE_NO_USER || rc == CURLUE_NO_PASSWORD || rc == CURLUE_NO_QUERY ||
           rc == CURLUE_NO_FRAGMENT || rc == CURLUE_NO_OPTIONS;
}

static enum ct_err check_parts(CURLU *u, const struct repo_policy *policy, char *host,
                               size_t hostlen, struct ct_error *err)
{
    char *scheme = NULL;
    char *name = NULL;
    char *port = NULL;
    enum ct_err rc = CT_OK;

    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        strcmp(scheme, "https") != 0) {
        rc = refuse(err, "only https:// is allowed");
    } else if (!absent(u, CURLUPART_USER) || !absent(u, CURLUPART_PASSWORD) ||
               !absent(u, CURLUPART_OPTIONS)) {
        rc = refuse(err, "no user name or password in the URL");
    } else if (!absent(u, CURLUPART_QUERY) || !absent(u, CURLUPART_FRAGMENT)) {
        rc = refuse(err, "no query (?...) or fragment (#...) in the URL");
    } else if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && strcmp(port, "443") != 0) {
        rc = refuse(err, "only the https port 443");
    } else if (curl_url_get(u, CURLUPART_HOST, &name, 0) != CURLUE_OK ||
               !str_copy(host, hostlen, name)) {
        rc = refuse(err, "no usable host");
    } else {
        for (char *p = host; *p != '\0'; p++) {
            *p = (char)tolower((unsigned char)*p);
        }
        if (!host_allowed(host, policy)) {
            rc = refuse(err, "the host is not on the list of allowed hosts");
        }
    }
    curl_free(scheme);
    curl_free(name);
    curl_free(port);
    return rc;
}

enum ct_err repo_url_check_syntax(const char *url, const struct repo_policy *policy, char *host,
                                  size_t hostlen, struct ct_error *err)
{
    if (url == NULL || strlen(url) > REPO_URL_MAX) {
        return refuse(err, "too long");
    }
    for (const char *p = url; *p != '\0'; p++) {
        if ((unsigned char)*p <= ' ' || (unsigned char)*p == 0x7f) {
            return refuse(err, "spaces or control characters");
        }
    }
    CURLU *u = curl_url();
    if (u == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    enum ct_err rc;
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
        rc = refuse(err, "not a URL");
    } else {
        rc = check_parts(u, policy, host, hostlen, err);
    }
    curl_url_cleanup(u);
    return rc;
}

static const char *pinned(const char *host, const struct repo_policy *policy)
{
    for (size_t i = 0; i < policy->npins; i++) {
        if (strcmp(policy->pins[i].host, host) == 0) {
            return policy->pins[i].address;
        }
    }
    return NULL;
}

static bool address_text(const struct sockaddr *sa, char *out, size_t len)
{
    const void *bytes =
        sa->sa_family == AF_INET6
            ? (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr
            : (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    return inet_ntop(sa->sa_family, bytes, out, (socklen_t)len) != NULL;
}

/* Every address of host (DNS) acceptable; the first into address. */
static enum ct_err resolve(const char *host, const struct repo_policy *policy, char *address,
                           size_t addrlen, struct ct_error *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    const char *lookup = host;
    char bare[REPO_ADDRESS_MAX];
    size_t hl = strlen(host);
    enum ct_err rc = CT_OK;
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']' && hl - 2 < sizeof(bare)) {
        memcpy(bare, host + 1, hl - 2); /* an IPv6 literal */
        bare[hl - 2] = '\0';
        lookup = bare;
    }
    if (getaddrinfo(lookup, "443", &hints, &res) != 0 || res == NULL) {
        return refuse(err, "the host does not resolve");
    }
    for (struct addrinfo *a = res; a != NULL; a = a->ai_next) {
        if (a->ai_addr == NULL || repo_address_refused(a->ai_addr, policy)) {
            rc = refuse(err, "the host resolves to an address the gateway may not reach");
            break;
        }
    }
    if (rc == CT_OK && (res->ai_addr == NULL || !address_text(res->ai_addr, address, addrlen))) {
        rc = refuse(err, "the host does not resolve");
    }
    freeaddrinfo(res);
    return rc;
}

enum ct_err repo_url_check(const char *url, const struct repo_policy *policy, char *host,
                           size_t hostlen, char *address, size_t addrlen, struct ct_error *err)
{
    enum ct_err rc = repo_url_check_syntax(url, policy, host, hostlen, err);
    if (rc != CT_OK) {
        return rc;
    }
    const char *pin = pinned(host, policy);
    if (pin == NULL) {
        return resolve(host, policy, address, addrlen, err);
    }
    /* the admin's pin replaces DNS, not the rules on where the gateway may go */
    if (repo_address_text_refused(pin, policy)) {
        return refuse(err, "the host resolves to an address the gateway may not reach");
    }
    if (!str_copy(address, addrlen, pin)) {
        return ct_error_set(err, CT_ERR_INTERNAL, "address buffer too small");
    }
    return CT_OK;
}
