/*
 * repo-url.h - may the gateway fetch this repository URL?  (SPEC §9, SSRF)
 *
 * repo_url_check() accepts a URL only when: it is at most REPO_URL_MAX
 * bytes; libcurl's parser reads it; the scheme is https; it carries no user
 * name or password; its host is on the allowed list (an entry "example.org"
 * matches that name only, ".example.org" matches any name below it); and
 * every address the host resolves to is outside the ranges refused always
 * (loopback, link-local incl. 169.254.169.254, unspecified, multicast,
 * IPv4-mapped forms of those) and outside the admin's denied ranges (CIDR).
 * The deploy step (a later issue) fetches with the resolved address pinned,
 * so a second DNS answer cannot differ from the checked one.
 * No global state; getaddrinfo may block for the resolver's own timeout.
 */
#ifndef CTGATE_REPO_URL_H
#define CTGATE_REPO_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "error.h"

#define REPO_URL_MAX 2048

struct repo_policy {
    const char *const *allowed_hosts;
    size_t nallowed;
    const char *const *denied_ranges; /* "10.0.0.0/8", "fc00::/7", ... */
    size_t ndenied;
};

/* CT_ERR_BAD_REQUEST with a reason when refused; host (lower-cased) on success. */
enum ct_err repo_url_check(const char *url, const struct repo_policy *policy, char *host,
                           size_t hostlen, struct ct_error *err);
/* Whether one resolved address is refused (always-refused ranges or the policy's). */
bool repo_address_refused(const struct sockaddr *addr, const struct repo_policy *policy);
/* Whether text is a valid CIDR range ("a.b.c.d/n" or "ipv6/n"). */
bool repo_range_valid(const char *cidr);

#endif
