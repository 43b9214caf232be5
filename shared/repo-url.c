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

/* One range: family, 16 address bytes (IPv4 in the first 4), prefix length. */
struct range {
    int family;
    unsigned char addr[16];
    unsigned prefix;
};

static bool parse_range(const char *text, struct range *r)
{
    char buf[64];
    const char *slash = strchr(text, '/');
    if (slash == NULL || (size_t)(slash - text) >= sizeof(buf)) {
        return false;
    }
    memcpy(buf, text, (size_t)(slash - text));
    buf[slash - text] = '\0';
    char *end = NULL;
    unsigned long prefix = strtoul(slash + 1, &end, 10);
    if (end == slash + 1 || *end != '\0') {
        return false;
    }
    memset(r, 0, sizeof(*r));
    if (inet_pton(AF_INET, buf, r->addr) == 1 && prefix <= 32) {
        r->family = AF_INET;
    } else if (inet_pton(AF_INET6, buf, r->addr) == 1 && prefix <= 128) {
        r->family = AF_INET6;
    } else {
        return false;
    }
    r->prefix = (unsigned)prefix;
    return true;
}

bool repo_range_valid(const char *cidr)
{
    struct range r;
    return cidr != NULL && parse_range(cidr, &r);
}

static bool in_range(int family, const unsigned char *addr, const struct range *r)
{
    if (family != r->family) {
        return false;
    }
    unsigned full = r->prefix / 8;
    unsigned rest = r->prefix % 8;
    if (memcmp(addr, r->addr, full) != 0) {
        return false;
    }
    if (rest == 0) {
        return true;
    }
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (addr[full] & mask) == (r->addr[full] & mask);
}

static const char *const always_refused[] = {
    "0.0.0.0/8",      /* "this network", 0.0.0.0 reaches the local host */
    "127.0.0.0/8",    /* loopback */
    "169.254.0.0/16", /* link-local, cloud metadata at 169.254.169.254 */
    "224.0.0.0/4",    /* multicast */
    "255.255.255.255/32",
    "::/128",         /* unspecified */
    "::1/128",        /* loopback */
    "fe80::/10",      /* link-local */
    "ff00::/8",       /* multicast */
};

static bool refused_by(int family, const unsigned char *addr, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct range r;
        if (!parse_range(list[i], &r) || in_range(family, addr, &r)) {
            return true; /* an unreadable range refuses everything: fail closed */
        }
    }
    return false;
}

bool repo_address_refused(const struct sockaddr *addr, const struct repo_policy *policy)
{
    unsigned char bytes[16] = {0};
    int family = addr->sa_family;
    if (family == AF_INET) {
        memcpy(bytes, &((const struct sockaddr_in *)(const void *)addr)->sin_addr, 4);
    } else if (family == AF_INET6) {
        memcpy(bytes, &((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr, 16);
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(bytes, mapped, sizeof(mapped)) == 0) {
            /* ::ffff:a.b.c.d is a.b.c.d */
            family = AF_INET;
            memmove(bytes, bytes + 12, 4);
            memset(bytes + 4, 0, 12);
        }
    } else {
        return true;
    }
    return refused_by(family, bytes, always_refused,
                      sizeof(always_refused) / sizeof(always_refused[0])) ||
           refused_by(family, bytes, policy->denied_ranges, policy->ndenied);
}

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

static enum ct_err check_parts(CURLU *u, const struct repo_policy *policy, char *host,
                               size_t hostlen, struct ct_error *err)
{
    char *scheme = NULL;
    char *name = NULL;
    char *user = NULL;
    char *port = NULL;
    enum ct_err rc = CT_OK;

    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        strcmp(scheme, "https") != 0) {
        rc = refuse(err, "only https:// is allowed");
    } else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
               curl_url_get(u, CURLUPART_PASSWORD, &user, 0) == CURLUE_OK) {
        rc = refuse(err, "no user name or password in the URL");
    } else if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
               strcmp(port, "443") != 0) {
        rc = refuse(err, "only the https port 443");
    } else if (curl_url_get(u, CURLUPART_HOST, &name, 0) != CURLUE_OK ||
               !str_copy(host, hostlen, name)) {
        rc = refuse(err, "no usable host");
    } else {
        for (char *p = host; *p != '\0'; p++) {
            *p = (char)tolower((unsigned char)*p);
        }
        if (!host_allowed(host, policy)) {
            rc = refuse(err, "the host is not on the gateway's list of allowed hosts");
        }
    }
    curl_free(scheme);
    curl_free(name);
    curl_free(user);
    curl_free(port);
    return rc;
}

enum ct_err repo_url_check(const char *url, const struct repo_policy *policy, char *host,
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
    if (rc != CT_OK) {
        return rc;
    }
    /* Every address the name has must be acceptable, not just the first. */
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    const char *lookup = host;
    char bare[256];
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']' && hl - 2 < sizeof(bare)) {
        memcpy(bare, host + 1, hl - 2); /* an IPv6 literal */
        bare[hl - 2] = '\0';
        lookup = bare;
    }
    if (getaddrinfo(lookup, "443", &hints, &res) != 0 || res == NULL) {
        return refuse(err, "the host does not resolve");
    }
    for (struct addrinfo *a = res; a != NULL; a = a->ai_next) {
        if (repo_address_refused(a->ai_addr, policy)) {
            rc = refuse(err, "the host resolves to an address the gateway may not reach");
            break;
        }
    }
    freeaddrinfo(res);
    return rc;
}
