/*
 * addr-policy.h - which IPv4 address a container may be published at.
 *
 * The tenant is root in their container: whatever address it sets on its
 * interfaces is attacker-controlled.  An address is published only when
 * LXD's own DHCP server handed it to that instance's NIC (a lease matching
 * the instance's name and hwaddr), the NIC holds it now, it lies inside the
 * network's IPv4 subnet, it is not the bridge's own address, nor the
 * subnet's network or broadcast address, nor loopback, link-local,
 * multicast, "this network" or the reserved 240/4, and no other lease holds
 * it.  The publisher applies addr_policy_check() again to every address it
 * renders (defence in depth).
 *
 * Pure functions over strings: no I/O, no allocation, thread-safe.  Callers
 * own every string they pass; nothing is kept.
 */
#ifndef CTGATE_ADDR_POLICY_H
#define CTGATE_ADDR_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 subnet as LXD's ipv4.address gives it: the bridge's address and the prefix length. */
struct addr_subnet {
    uint32_t gateway; /* host byte order: the bridge's (hypervisor's) own address */
    uint32_t network; /* gateway & mask */
    uint32_t mask;
    unsigned prefix; /* 8..30 */
};

enum addr_verdict {
    ADDR_OK = 0,
    ADDR_NOT_YET,      /* the NIC holds no IPv4 address yet: worth waiting for */
    ADDR_INVALID,      /* not a dotted-quad IPv4 address */
    ADDR_SPECIAL,      /* 0/8, 240/4 or 255.255.255.255 */
    ADDR_LOOPBACK,     /* 127/8 */
    ADDR_LINK_LOCAL,   /* 169.254/16, e.g. 169.254.169.254 */
    ADDR_MULTICAST,    /* 224/4 */
    ADDR_OUTSIDE,      /* not inside the network's subnet */
    ADDR_NETWORK,      /* the subnet's network address */
    ADDR_BROADCAST,    /* the subnet's broadcast address */
    ADDR_GATEWAY,      /* the bridge's own address: the hypervisor itself */
    ADDR_NOT_LEASED,   /* held by the NIC, but LXD's DHCP did not hand it to this NIC */
    ADDR_SEVERAL,      /* the NIC holds more than one IPv4 address */
    ADDR_TAKEN,        /* another instance (or NIC) holds a lease of it */
};

/* A lease as LXD's GET /1.0/networks/NAME/leases reports it; NULL fields read as "". */
struct addr_lease {
    const char *hostname; /* the instance's name (LXD's), or what a DHCP client said */
    const char *hwaddr;   /* MAC address */
    const char *address;
    const char *type; /* "dynamic", "static", "gateway", "uplink" */
};

/* What is known of one instance's NIC. */
struct addr_claim {
    const char *name;        /* the instance's name */
    const char *hwaddr;      /* volatile.<nic>.hwaddr, set by LXD */
    const char *const *held; /* the IPv4 addresses the NIC shows now (the instance's state) */
    size_t nheld;
};

/* Parse "10.213.77.1/24"; false unless an address and a prefix of 8..30. */
bool addr_subnet_parse(const char *text, struct addr_subnet *out);
/* Whether ip may be published on net (ADDR_OK) or why not; ip is untrusted text. */
enum addr_verdict addr_policy_check(const struct addr_subnet *net, const char *ip);
/*
 * The address to publish for claim among leases: the single address the
 * NIC holds, which must be a dynamic or static lease of claim's name and
 * hwaddr, pass addr_policy_check and be leased to nobody else.  On ADDR_OK
 * it is copied to out (len >= 16); otherwise out holds the address refused
 * (cut to len), or "" when there is none (ADDR_NOT_YET).
 */
enum addr_verdict addr_policy_pick(const struct addr_subnet *net, const struct addr_lease *leases,
                                   size_t nleases, const struct addr_claim *claim, char *out,
                                   size_t len);
/* Why, for a message: "is the bridge's own address" (never NULL). */
const char *addr_policy_reason(enum addr_verdict v);

#endif
