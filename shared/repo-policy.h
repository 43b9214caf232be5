/*
 * repo-policy.h - where ctgate may fetch repositories from: the allowed
 * hosts, the admin's denied address ranges and the pinned host addresses
 * (gateway.conf's repo section), and the test of one address.
 *
 * An address is refused when it is in a range refused always (loopback,
 * link-local incl. 169.254.169.254, unspecified, multicast, "this
 * network", broadcast; IPv4-mapped IPv6 forms count as their IPv4
 * address) or in one of the admin's denied ranges (CIDR); a range that
 * cannot be read refuses every address (fail closed).
 *
 * struct repo_policy holds no heap memory and may be copied; fill it with
 * the repo_policy_add_*() functions, which check each entry.  No state;
 * thread-safe.
 */
#ifndef CTGATE_REPO_POLICY_H
#define CTGATE_REPO_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define REPO_HOSTS_MAX 32
#define REPO_HOST_MAX 253 /* a DNS name, or a bracketed IPv6 literal */
#define REPO_RANGES_MAX 32
#define REPO_RANGE_MAX 49 /* "ffff:...:ffff/128" */
#define REPO_PINS_MAX 16
#define REPO_ADDRESS_MAX 46 /* INET6_ADDRSTRLEN: an address as text, without brackets */

struct repo_pin {
    char host[REPO_HOST_MAX + 1];
    char address[REPO_ADDRESS_MAX];
};

struct repo_policy {
    char allowed_hosts[REPO_HOSTS_MAX][REPO_HOST_MAX + 1]; /* lower case */
    size_t nallowed;
    char denied_ranges[REPO_RANGES_MAX][REPO_RANGE_MAX + 1]; /* "10.0.0.0/8", "fc00::/7" */
    size_t ndenied;
    struct repo_pin pins[REPO_PINS_MAX]; /* host names answered without DNS */
    size_t npins;
};

/* Add "name", ".domain" or "[ipv6]" (lower-cased); false when not one or the list is full. */
bool repo_policy_add_host(struct repo_policy *policy, const char *pattern);
/* Add a CIDR range; false when it is not one or the list is full. */
bool repo_policy_add_range(struct repo_policy *policy, const char *cidr);
/* Add "host=address" (IPv4 or IPv6); false when it is not that or the list is full. */
bool repo_policy_add_pin(struct repo_policy *policy, const char *entry);

/* Whether one resolved address is refused (always-refused ranges or the policy's). */
bool repo_address_refused(const struct sockaddr *addr, const struct repo_policy *policy);
/* The same for an address as text ("192.0.2.1", "2001:db8::1"); text that is none is refused. */
bool repo_address_text_refused(const char *address, const struct repo_policy *policy);
/* Whether text is a valid CIDR range ("a.b.c.d/n" or "ipv6/n"). */
bool repo_range_valid(const char *cidr);

#endif
