/* repo-policy.c - see repo-policy.h. */
#include "repo-policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "strcopy.h"

/* --- ranges ----------------------------------------------------------------- */

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
    if (!isdigit((unsigned char)slash[1])) {
        return false;
    }
    unsigned long prefix = strtoul(slash + 1, &end, 10);
    if (*end != '\0') {
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
    return cidr != NULL && strlen(cidr) <= REPO_RANGE_MAX && parse_range(cidr, &r);
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
    "::/128",    /* unspecified */
    "::1/128",   /* loopback */
    "fe80::/10", /* link-local */
    "ff00::/8",  /* multicast */
};

/* Whether addr is in one of n ranges, each `stride` bytes after the last. */
static bool refused_by(int family, const unsigned char *addr, const char *first, size_t stride,
                       size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct range r;
        const char *text = first + i * stride;
        if (!parse_range(text, &r) || in_range(family, addr, &r)) {
            return true; /* an unreadable range refuses everything: fail closed */
        }
    }
    return false;
}

static bool refused_always(int family, const unsigned char *addr)
{
    for (size_t i = 0; i < sizeof(always_refused) / sizeof(always_refused[0]); i++) {
        if (refused_by(family, addr, always_refused[i], 0, 1)) {
            return true;
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
    return refused_always(family, bytes) ||
           refused_by(family, bytes, policy->denied_ranges[0], sizeof(policy->denied_ranges[0]),
                      policy->ndenied);
}

bool repo_address_text_refused(const char *address, const struct repo_policy *policy)
{
    struct sockaddr_in a4 = {.sin_family = AF_INET};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
    if (address == NULL || strlen(address) >= REPO_ADDRESS_MAX) {
        return true;
    }
    if (inet_pton(AF_INET, address, &a4.sin_addr) == 1) {
        return repo_address_refused((const struct sockaddr *)&a4, policy);
    }
    if (inet_pton(AF_INET6, address, &a6.sin6_addr) == 1) {
        return repo_address_refused((const struct sockaddr *)&a6, policy);
    }
    return true;
}

/* --- filling a policy --------------------------------------------------------- */

/* A DNS name of labels [a-z0-9-] (1-63, no '-' at either end) joined by '.'; lower case. */
static bool host_name_valid(const char *s)
{
    size_t label = 0;
    size_t n = strlen(s);
    if (n == 0 || n > REPO_HOST_MAX) {
        return false;
    }
    for (size_t i = 0; i <= n; i++) {
        char c = s[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || s[i - 1] == '-') {
                return false;
            }
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
            if ((label == 0 && c == '-') || ++label > 63) {
                return false;
            }
        } else {
            return false;
        }
    }
    return true;
}

/* "[ipv6]" as libcurl gives the host of an IPv6 URL. */
static bool ipv6_literal_valid(const char *s)
{
    char bare[REPO_ADDRESS_MAX];
    unsigned char a[16];
    size_t n = strlen(s);
    if (n < 3 || s[0] != '[' || s[n - 1] != ']' || n - 2 >= sizeof(bare)) {
        return false;
    }
    memcpy(bare, s + 1, n - 2);
    bare[n - 2] = '\0';
    return inet_pton(AF_INET6, bare, a) == 1;
}

/* pattern lower-cased into out (REPO_HOST_MAX + 1 bytes) when it is a name or "[ipv6]". */
static bool host_take(const char *pattern, bool domain_ok, char *out)
{
    size_t n = strlen(pattern);
    if (n == 0 || n > REPO_HOST_MAX) {
        return false;
    }
    for (size_t i = 0; i <= n; i++) {
        out[i] = (char)tolower((unsigned char)pattern[i]);
    }
    if (out[0] == '[') {
        return ipv6_literal_valid(out);
    }
    return host_name_valid(domain_ok && out[0] == '.' ? out + 1 : out);
}

bool repo_policy_add_host(struct repo_policy *policy, const char *pattern)
{
    char host[REPO_HOST_MAX + 1] = {0};
    if (pattern == NULL || policy->nallowed >= REPO_HOSTS_MAX || !host_take(pattern, true, host)) {
        return false;
    }
    memcpy(policy->allowed_hosts[policy->nallowed++], host, sizeof(host));
    return true;
}

bool repo_policy_add_range(struct repo_policy *policy, const char *cidr)
{
    if (policy->ndenied >= REPO_RANGES_MAX || !repo_range_valid(cidr)) {
        return false;
    }
    return str_copy(policy->denied_ranges[policy->ndenied++], REPO_RANGE_MAX + 1, cidr);
}

bool repo_policy_add_pin(struct repo_policy *policy, const char *entry)
{
    struct repo_pin pin;
    char name[REPO_HOST_MAX + 1] = {0};
    unsigned char bytes[16];
    const char *eq = entry != NULL ? strchr(entry, '=') : NULL;
    memset(&pin, 0, sizeof(pin));
    if (eq == NULL || policy->npins >= REPO_PINS_MAX || (size_t)(eq - entry) > REPO_HOST_MAX) {
        return false;
    }
    memcpy(name, entry, (size_t)(eq - entry));
    name[eq - entry] = '\0';
    if (!host_take(name, false, pin.host) || !str_copy(pin.address, sizeof(pin.address), eq + 1)) {
        return false;
    }
    /* kept as inet_ntop writes it, so it reads back the same everywhere */
    int family = inet_pton(AF_INET, pin.address, bytes) == 1    ? AF_INET
                 : inet_pton(AF_INET6, pin.address, bytes) == 1 ? AF_INET6
                                                                : 0;
    if (family == 0 || inet_ntop(family, bytes, pin.address, sizeof(pin.address)) == NULL) {
        return false;
    }
    policy->pins[policy->npins++] = pin;
    return true;
}
