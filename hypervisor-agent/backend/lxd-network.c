/* lxd-network.c - see lxd-network.h. */
#include "lxd-network.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strcopy.h"

/* Addresses of the NIC looked at; more than this is refused as ADDR_SEVERAL anyway. */
#define HELD_MAX 8

/* The instance's NIC: the device eth0 when it is a nic, else its only nic. */
struct nic {
    char device[64];  /* the device's name in LXD's config */
    char ifname[64];  /* its interface name inside (the device's `name`) */
    char network[64]; /* the managed network it is on (`network`, or a bridge's `parent`) */
    char hwaddr[32];  /* the device's hwaddr, else volatile.DEVICE.hwaddr: never the instance's word */
};

/* A network name that is safe in a URL path: LXD's own names fit. */
static bool network_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] == '.' || s[0] == '-') {
        return false;
    }
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static bool is_nic(json_t *dev)
{
    const char *type = json_string_value(json_object_get(dev, "type"));
    return type != NULL && strcmp(type, "nic") == 0;
}

json_t *lxd_nic_device(json_t *devices, const char **device, size_t *count)
{
    json_t *dev = json_object_get(devices, "eth0");
    *device = "eth0";
    *count = 1;
    if (is_nic(dev)) {
        return dev;
    }
    const char *k;
    json_t *v;
    *count = 0;
    dev = NULL;
    json_object_foreach (devices, k, v) {
        if (is_nic(v)) {
            dev = v;
            *device = k;
            (*count)++;
        }
    }
    return *count == 1 ? dev : NULL;
}

enum ct_err lxd_nic_filterable(struct lxd *lxd, json_t *nic, bool *yes, struct ct_error *err)
{
    const char *nictype = json_string_value(json_object_get(nic, "nictype"));
    const char *network = json_string_value(json_object_get(nic, "network"));
    *yes = nictype != NULL && strcmp(nictype, "bridged") == 0;
    if (*yes || network == NULL || !network_name_ok(network)) {
        return CT_OK;
    }
    char path[128];
    json_t *reply = NULL;
    snprintf(path, sizeof(path), "/1.0/networks/%s", network);
    enum ct_err rc = lxd_call(lxd, "GET", path, NULL, &reply, NULL, err);
    json_t *meta = json_object_get(reply, "metadata");
    const char *type = json_string_value(json_object_get(meta, "type"));
    const char *driver =
        json_string_value(json_object_get(json_object_get(meta, "config"), "bridge.driver"));
    /* LXD filters on a native Linux bridge only (not Open vSwitch). */
    *yes = rc == CT_OK && type != NULL && strcmp(type, "bridge") == 0 &&
           (driver == NULL || strcmp(driver, "native") == 0);
    json_decref(reply);
    return rc;
}

static enum ct_err find_nic(json_t *inst, struct nic *nic, struct ct_error *err)
{
    const char *device;
    size_t count;
    char key[96];
    json_t *dev = lxd_nic_device(json_object_get(inst, "expanded_devices"), &device, &count);
    if (dev == NULL) {
        return ct_error_set(err, CT_ERR_BACKEND,
                            "the instance has %zu network devices: ctgate publishes one", count);
    }
    const char *network = json_string_value(json_object_get(dev, "network"));
    if (network == NULL) {
        network = json_string_value(json_object_get(dev, "parent"));
    }
    const char *ifname = json_string_value(json_object_get(dev, "name"));
    snprintf(key, sizeof(key), "volatile.%s.hwaddr", device);
    /* The device's own hwaddr when its config sets one (static addresses), else LXD's. */
    const char *hwaddr = json_string_value(json_object_get(dev, "hwaddr"));
    if (hwaddr == NULL) {
        hwaddr = json_string_value(json_object_get(json_object_get(inst, "config"), key));
    }
    if (hwaddr == NULL) {
        hwaddr = json_string_value(json_object_get(json_object_get(inst, "expanded_config"), key));
    }
    if (network == NULL || !network_name_ok(network) || !str_copy(nic->network, sizeof(nic->network), network) ||
        !str_copy(nic->device, sizeof(nic->device), device) ||
        !str_copy(nic->ifname, sizeof(nic->ifname), ifname != NULL ? ifname : device)) {
        return ct_error_set(err, CT_ERR_BACKEND, "network device %s names no managed network",
                            device);
    }
    if (hwaddr == NULL || !str_copy(nic->hwaddr, sizeof(nic->hwaddr), hwaddr)) {
        return ct_error_set(err, CT_ERR_BACKEND, "network device %s has no MAC address yet",
                            device);
    }
    return CT_OK;
}

/* The subnet of the managed network: its ipv4.address, "10.213.77.1/24". */
static enum ct_err network_subnet(struct lxd *lxd, const char *network, struct addr_subnet *net,
                                  struct ct_error *err)
{
    char path[128];
    json_t *reply = NULL;
    snprintf(path, sizeof(path), "/1.0/networks/%s", network);
    enum ct_err rc = lxd_call(lxd, "GET", path, NULL, &reply, NULL, err);
    if (rc != CT_OK) {
        return rc;
    }
    json_t *meta = json_object_get(reply, "metadata");
    const char *cidr =
        json_string_value(json_object_get(json_object_get(meta, "config"), "ipv4.address"));
    if (!json_is_true(json_object_get(meta, "managed")) || cidr == NULL ||
        !addr_subnet_parse(cidr, net)) {
        rc = ct_error_set(err, CT_ERR_BACKEND,
                          "network %s is not a network LXD manages with an IPv4 subnet (its DHCP "
                          "leases are the only addresses ctgate publishes)",
                          network);
    }
    json_decref(reply);
    return rc;
}

/* The IPv4 addresses interface ifname shows in the instance's own state (every scope). */
static enum ct_err held_addresses(struct lxd *lxd, const char *name, const char *ifname,
                                  json_t **state, const char **held, size_t *nheld,
                                  bool *too_many, struct ct_error *err)
{
    char path[256];
    json_t *reply = NULL;
    *nheld = 0;
    *too_many = false;
    snprintf(path, sizeof(path), "/1.0/instances/%s/state", name);
    enum ct_err rc = lxd_call(lxd, "GET", path, NULL, &reply, NULL, err);
    if (rc != CT_OK) {
        return rc;
    }
    *state = reply;
    json_t *iface = json_object_get(json_object_get(json_object_get(reply, "metadata"), "network"),
                                    ifname);
    size_t i;
    json_t *addr;
    json_array_foreach (json_object_get(iface, "addresses"), i, addr) {
        const char *family = json_string_value(json_object_get(addr, "family"));
        const char *ip = json_string_value(json_object_get(addr, "address"));
        if (family == NULL || strcmp(family, "inet") != 0) {
            continue;
        }
        struct in_addr parsed;
        if (ip == NULL || inet_pton(AF_INET, ip, &parsed) != 1 || *nheld == HELD_MAX) {
            *too_many = true; /* unreadable or too many: refused, never skipped */
            continue;
        }
        held[(*nheld)++] = ip;
    }
    return CT_OK;
}

enum ct_err lxd_network_address(struct lxd *lxd, json_t *inst, enum addr_verdict *verdict,
                                char *out, size_t len, struct ct_error *err)
{
    struct nic nic;
    struct addr_subnet net;
    json_t *state = NULL;
    json_t *leases_reply = NULL;
    struct addr_lease *leases = NULL;
    const char *held[HELD_MAX];
    size_t nheld = 0;
    bool too_many = false;
    char path[128];
    enum ct_err rc;

    out[0] = '\0';
    *verdict = ADDR_NOT_YET;
    const char *name = json_string_value(json_object_get(inst, "name"));
    if (name == NULL) {
        return ct_error_set(err, CT_ERR_BACKEND, "an instance without a name");
    }
    /* The state before the leases: an address it holds was leased before it was read. */
    if ((rc = find_nic(inst, &nic, err)) != CT_OK ||
        (rc = held_addresses(lxd, name, nic.ifname, &state, held, &nheld, &too_many, err)) !=
            CT_OK ||
        (rc = network_subnet(lxd, nic.network, &net, err)) != CT_OK) {
        goto out;
    }
    snprintf(path, sizeof(path), "/1.0/networks/%s/leases", nic.network);
    if ((rc = lxd_call(lxd, "GET", path, NULL, &leases_reply, NULL, err)) != CT_OK) {
        goto out;
    }
    json_t *list = json_object_get(leases_reply, "metadata");
    size_t n = json_array_size(list);
    leases = calloc(n + 1, sizeof(*leases));
    if (leases == NULL) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        goto out;
    }
    size_t i;
    json_t *l;
    json_array_foreach (list, i, l) {
        leases[i] = (struct addr_lease){
            json_string_value(json_object_get(l, "hostname")),
            json_string_value(json_object_get(l, "hwaddr")),
            json_string_value(json_object_get(l, "address")),
            json_string_value(json_object_get(l, "type")),
        };
    }
    struct addr_claim claim = {name, nic.hwaddr, held, nheld};
    *verdict = addr_policy_pick(&net, leases, n, &claim, out, len);
    if (too_many && (*verdict == ADDR_OK || *verdict == ADDR_NOT_YET)) {
        *verdict = ADDR_SEVERAL;
    }
out:
    free(leases);
    json_decref(leases_reply);
    json_decref(state);
    return rc;
}
