/*
 * repo-url.h - may ctgate fetch this repository URL, and from which
 * address?  (SPEC §9, SSRF; the policy itself is repo-policy.h)
 *
 * repo_url_check_syntax() decides without DNS, so the agent can apply it
 * too: the URL is at most REPO_URL_MAX bytes without spaces or control
 * characters; libcurl's parser reads it; the scheme is https; it carries
 * no user name or password, no query and no fragment; the port, when
 * given, is 443; its host is on the allowed list (an entry "example.org"
 * matches that name only, ".example.org" any name below it).
 *
 * repo_url_check() adds the addresses: the host's pinned address (the
 * policy's pins replace DNS) or every address it resolves to must be
 * acceptable (repo_address_refused); the first is given back as text so
 * the fetch and the clone are pinned to it, and a second DNS answer
 * cannot differ from the checked one.  The agent re-checks that text with
 * repo_address_text_refused().
 *
 * No allocation the caller sees, no global state; getaddrinfo may block
 * for the resolver's own timeout.
 */
#ifndef CTGATE_REPO_URL_H
#define CTGATE_REPO_URL_H

#include <stddef.h>

#include "error.h"
#include "repo-policy.h"

#define REPO_URL_MAX 2048

/* Without DNS: CT_ERR_BAD_REQUEST with a reason when refused; host (lower-cased) on success. */
enum ct_err repo_url_check_syntax(const char *url, const struct repo_policy *policy, char *host,
                                  size_t hostlen, struct ct_error *err);
/*
 * repo_url_check_syntax(), then the addresses (the pin, or every address
 * DNS gives); the first into address (REPO_ADDRESS_MAX bytes).
 */
enum ct_err repo_url_check(const char *url, const struct repo_policy *policy, char *host,
                           size_t hostlen, char *address, size_t addrlen, struct ct_error *err);

#endif
