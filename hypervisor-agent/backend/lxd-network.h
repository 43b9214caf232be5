/*
 * lxd-network.h - where an LXD instance's address comes from: the DHCP lease
 * LXD's own managed network handed to the instance's NIC, checked by
 * addr-policy.h against that network's subnet, the other leases and what the
 * NIC holds now.  Never the instance's word alone: its owner is root in it.
 *
 * Reads the instance's own state (GET /1.0/instances/NAME/state), the
 * network (GET /1.0/networks/NET, its ipv4.address) and its leases
 * (GET /1.0/networks/NET/leases); never another instance's state.
 */
#ifndef CTGATE_LXD_NETWORK_H
#define CTGATE_LXD_NETWORK_H

#include <jansson.h>

#include "addr-policy.h"
#include "lxd-client.h"

/*
 * The NIC among devices (an instance's expanded_devices, or a profile's
 * devices; borrowed) ctgate publishes: eth0 when it is a nic, else the only
 * nic.  NULL when there is none or several (*count says how many); *device
 * is its key.
 */
json_t *lxd_nic_device(json_t *devices, const char **device, size_t *count);
/*
 * Can LXD filter what nic (a profile's device; borrowed) sends
 * (security.ipv4_filtering, security.mac_filtering)?  *yes on a native
 * Linux bridge: nictype bridged, or a managed network of type bridge that
 * is not on Open vSwitch.
 */
enum ct_err lxd_nic_filterable(struct lxd *lxd, json_t *nic, bool *yes, struct ct_error *err);

/*
 * inst is the instance object (the metadata of GET /1.0/instances/NAME, or
 * one element of recursion=1; borrowed).  CT_OK with *verdict saying whether
 * the address in out (len >= 16) may be published: ADDR_OK, ADDR_NOT_YET
 * (out ""), or a refusal with the refused address in out.  An error when
 * LXD cannot be asked, or its configuration cannot give an address LXD
 * handed out (no single NIC, an unmanaged network, no IPv4 subnet).
 */
enum ct_err lxd_network_address(struct lxd *lxd, json_t *inst, enum addr_verdict *verdict,
                                char *out, size_t len, struct ct_error *err);

#endif
