/* addr-policy.c - see addr-policy.h. */
#include "addr-policy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Strict dotted quad (inet_pton's AF_INET form) into host byte order. */
static bool parse_ipv4(const char *text, uint32_t *out)
{
    struct in_addr a;
    if (text == NULL || inet_pton(AF_INET, text, &a) != 1) {
        return false;
    }
    *out = ntohl(a.s_addr);
    return true;
}

bool addr_subnet_parse(const char *text, struct addr_subnet *out)
{
    char ip[16];
    const char *slash = text != NULL ? strchr(text, '/') : NULL;
    if (slash == NULL || (size_t)(slash - text) >= sizeof(ip)) {
        return false;
    }
    memcpy(ip, text, (size_t)(slash - text));
    ip[slash - text] = '\0';
    const char *p = slash + 1;
    if (!(p[0] >= '0' && p[0] <= '9') || (p[1] != '\0' && !(p[1] >= '0' && p[1] <= '9')) ||
        (p[1] != '\0' && p[2] != '\0')) {
        return false;
    }
    unsigned prefix = (unsigned)strtoul(p, NULL, 10);
    uint32_t gateway = 0;
    if (prefix < 8 || prefix > 30 || !parse_ipv4(ip, &gateway)) {
        return false;
    }
    out->prefix = prefix;
    out->mask = 0xffffffffu << (32 - prefix);
    out->gateway = gateway;
    out->network = gateway & out->mask;
    return true;
}

enum addr_verdict addr_policy_check(const struct addr_subnet *net, const char *ip)
{
    uint32_t a = 0;
    if (!parse_ipv4(ip, &a)) {
        return ADDR_INVALID;
    }
    if ((a >> 24) == 0 || (a >> 28) == 0xf) {
        return ADDR_SPECIAL;
    }
    if ((a >> 24) == 127) {
        return ADDR_LOOPBACK;
    }
    if ((a >> 16) == 0xa9fe) {
        return ADDR_LINK_LOCAL;
    }
    if ((a >> 28) == 0xe) {
        return ADDR_MULTICAST;
    }
    if ((a & net->mask) != net->network) {
        return ADDR_OUTSIDE;
    }
    if (a == net->network) {
        return ADDR_NETWORK;
    }
    if (a == (net->network | ~net->mask)) {
        return ADDR_BROADCAST;
    }
    if (a == net->gateway) {
        return ADDR_GATEWAY;
    }
    return ADDR_OK;
}

static const char *or_empty(const char *s)
{
    return s != NULL ? s : "";
}

/* Whether lease l is one LXD's DHCP (or a static allocation) made for claim's NIC. */
static bool lease_is_claims(const struct addr_lease *l, const struct addr_claim *c)
{
    const char *type = or_empty(l->type);
    return (strcmp(type, "dynamic") == 0 || strcmp(type, "static") == 0) &&
           strcmp(or_empty(l->hostname), c->name) == 0 && c->hwaddr[0] != '\0' &&
           strcasecmp(or_empty(l->hwaddr), c->hwaddr) == 0;
}

static bool same_address(const char *x, const char *y)
{
    uint32_t a = 0;
    uint32_t b = 0;
    return parse_ipv4(x, &a) && parse_ipv4(y, &b) && a == b;
}

enum addr_verdict addr_policy_pick(const struct addr_subnet *net, const struct addr_lease *leases,
                                   size_t nleases, const struct addr_claim *claim, char *out,
                                   size_t len)
{
    out[0] = '\0';
    if (claim->nheld == 0) {
        return ADDR_NOT_YET;
    }
    /* Every address the NIC holds must be one LXD handed to it: the first that is not is named. */
    for (size_t i = 0; i < claim->nheld; i++) {
        bool leased = false;
        for (size_t k = 0; k < nleases && !leased; k++) {
            leased = lease_is_claims(&leases[k], claim) &&
                     same_address(leases[k].address, claim->held[i]);
        }
        if (!leased) {
            snprintf(out, len, "%s", claim->held[i]);
            return ADDR_NOT_LEASED;
        }
    }
    snprintf(out, len, "%s", claim->held[0]);
    if (claim->nheld > 1) {
        return ADDR_SEVERAL;
    }
    enum addr_verdict v = addr_policy_check(net, claim->held[0]);
    if (v != ADDR_OK) {
        return v;
    }
    for (size_t k = 0; k < nleases; k++) {
        if (!lease_is_claims(&leases[k], claim) && same_address(leases[k].address, out)) {
            return ADDR_TAKEN;
        }
    }
    return ADDR_OK;
}

const char *addr_policy_reason(enum addr_verdict v)
{
    switch (v) {
    case ADDR_OK:
        return "is allowed";
    case ADDR_NOT_YET:
        return "has no IPv4 address yet";
    case ADDR_INVALID:
        return "is not an IPv4 address";
    case ADDR_SPECIAL:
        return "is a reserved address";
    case ADDR_LOOPBACK:
        return "is a loopback address";
    case ADDR_LINK_LOCAL:
        return "is a link-local address";
    case ADDR_MULTICAST:
        return "is a multicast address";
    case ADDR_OUTSIDE:
        return "is outside the containers' network";
    case ADDR_NETWORK:
        return "is the network's own address";
    case ADDR_BROADCAST:
        return "is the network's broadcast address";
    case ADDR_GATEWAY:
        return "is the bridge's own address (the hypervisor)";
    case ADDR_NOT_LEASED:
        return "was not handed to this container by LXD's DHCP server";
    case ADDR_SEVERAL:
        return "is one of several addresses on the container's interface";
    case ADDR_TAKEN:
        return "is leased to another container";
    }
    return "is refused";
}
