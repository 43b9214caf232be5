/*
 * pve-network.h - the address a Proxmox CT may be published at.
 *
 * Proxmox keeps no DHCP leases (the bridge's DHCP server is the site's), so
 * the backend's own word about the NIC is its config: net0's name and
 * hwaddr (set by Proxmox, regenerated at every clone) and its ip (dhcp or a
 * static CIDR).  GET .../interfaces reports what the CT's network namespace
 * holds, which its owner (root inside) controls.  An address is published
 * only when: the interface net0 names holds exactly one IPv4 address; its
 * MAC is net0's hwaddr; a static ip= in net0 is that very address; and
 * addr-policy.h allows it in the containers' subnet (proxmox.subnet, else
 * publish.subnet): not the bridge's own address, network, broadcast,
 * loopback, link-local, multicast or reserved.  What is not checked (no
 * lease to compare with under ip=dhcp): that no other CT holds it; use
 * static addresses, or the publisher's own checks, where that matters.
 *
 * Pure functions: no I/O.
 */
#ifndef CTGATE_PVE_NETWORK_H
#define CTGATE_PVE_NETWORK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "addr-policy.h"

struct pve_net0 {
    char ifname[32]; /* name=, "eth0" by default */
    char hwaddr[32]; /* hwaddr= */
    char ip[48];     /* ip=: "dhcp", "manual", a CIDR, or "" */
};

/* Parse a netN property string "name=eth0,bridge=vmbr0,hwaddr=...,ip=dhcp". */
bool pve_net0_parse(const char *net0, struct pve_net0 *out);
/*
 * net0 (the CT's netN property string; NULL or "": "name=eth0,type=veth")
 * with a static address: its ip= and gw= (and, when bridge is not "", its
 * bridge=) replaced by ip=ADDRESS/PREFIX,gw=GATEWAY of net, every other
 * property (hwaddr, name, firewall, ...) kept as it was, into out.  False
 * when address is not IPv4 or out is too small.
 */
bool pve_net0_static(const char *net0, const char *bridge, const char *address,
                     const struct addr_subnet *net, char *out, size_t len);
/*
 * The verdict on ifaces (the /interfaces data: an array, or null while the
 * CT is stopped) for nic on net.  ADDR_OK: the address is in out; a refusal:
 * out holds the address refused; ADDR_NOT_YET: out is "".
 */
enum addr_verdict pve_network_pick(json_t *ifaces, const struct pve_net0 *nic,
                                   const struct addr_subnet *net, char *out, size_t len);

#endif
