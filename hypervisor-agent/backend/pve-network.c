/* pve-network.c - see pve-network.h. */
#include "pve-network.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "strcopy.h"

#define HELD_MAX 8

bool pve_net0_parse(const char *net0, struct pve_net0 *out)
{
    memset(out, 0, sizeof(*out));
    str_copy(out->ifname, sizeof(out->ifname), "eth0");
    const char *p = net0 != NULL ? net0 : "";
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        const char *eq = memchr(p, '=', n);
        if (eq != NULL) {
            size_t klen = (size_t)(eq - p);
            size_t vlen = n - klen - 1;
            char *dst = NULL;
            size_t dlen = 0;
            if (klen == 4 && strncmp(p, "name", 4) == 0) {
                dst = out->ifname;
                dlen = sizeof(out->ifname);
            } else if (klen == 6 && strncmp(p, "hwaddr", 6) == 0) {
                dst = out->hwaddr;
                dlen = sizeof(out->hwaddr);
            } else if (klen == 2 && strncmp(p, "ip", 2) == 0) {
                dst = out->ip;
                dlen = sizeof(out->ip);
            }
            if (dst != NULL) {
                if (vlen >= dlen) {
                    return false;
                }
                memcpy(dst, eq + 1, vlen);
                dst[vlen] = '\0';
            }
        }
        p += n;
        p += *p == ',';
    }
    return out->ifname[0] != '\0' && out->hwaddr[0] != '\0';
}

/* Does the property p (n bytes, "key=value") have key? */
static bool prop_is(const char *p, size_t n, const char *key)
{
    size_t k = strlen(key);
    return n > k && p[k] == '=' && strncmp(p, key, k) == 0;
}

bool pve_net0_static(const char *net0, const char *bridge, const char *address,
                     const struct addr_subnet *net, char *out, size_t len)
{
    struct in_addr a;
    struct in_addr gw = {htonl(net->gateway)};
    char gateway[16];
    size_t used = 0;
    if (inet_pton(AF_INET, address, &a) != 1 ||
        inet_ntop(AF_INET, &gw, gateway, sizeof(gateway)) == NULL || len == 0) {
        return false;
    }
    const char *p = net0 != NULL && net0[0] != '\0' ? net0 : "name=eth0,type=veth";
    out[0] = '\0';
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        if (n > 0 && !prop_is(p, n, "ip") && !prop_is(p, n, "gw") &&
            !(bridge[0] != '\0' && prop_is(p, n, "bridge"))) {
            int w = snprintf(out + used, len - used, "%s%.*s", used > 0 ? "," : "", (int)n, p);
            if (w < 0 || (size_t)w >= len - used) {
                return false;
            }
            used += (size_t)w;
        }
        p += n;
        p += *p == ',';
    }
    int w = bridge[0] != '\0'
                ? snprintf(out + used, len - used, "%sbridge=%s,ip=%s/%u,gw=%s", used > 0 ? "," : "",
                           bridge, address, net->prefix, gateway)
                : snprintf(out + used, len - used, "%sip=%s/%u,gw=%s", used > 0 ? "," : "", address,
                           net->prefix, gateway);
    return w >= 0 && (size_t)w < len - used;
}

/* The IPv4 addresses iface shows: ip-addresses (PVE 8.4+), else inet ("a.b.c.d/n"). */
static size_t held_addresses(json_t *iface, char held[HELD_MAX][48], bool *bad)
{
    size_t n = 0;
    json_t *list = json_object_get(iface, "ip-addresses");
    *bad = false;
    if (json_is_array(list)) {
        size_t i;
        json_t *a;
        json_array_foreach (list, i, a) {
            const char *type = json_string_value(json_object_get(a, "ip-address-type"));
            const char *ip = json_string_value(json_object_get(a, "ip-address"));
            if (type == NULL || strcmp(type, "inet") != 0) {
                continue;
            }
            struct in_addr parsed;
            if (ip == NULL || inet_pton(AF_INET, ip, &parsed) != 1 || n == HELD_MAX) {
                *bad = true; /* unreadable or too many: refused, never skipped */
                continue;
            }
            str_copy(held[n++], sizeof(held[0]), ip);
        }
        return n;
    }
    const char *inet = json_string_value(json_object_get(iface, "inet"));
    if (inet != NULL) {
        size_t len = strcspn(inet, "/");
        if (len >= sizeof(held[0])) {
            *bad = true;
            return 0;
        }
        memcpy(held[0], inet, len);
        held[0][len] = '\0';
        n = 1;
    }
    return n;
}

enum addr_verdict pve_network_pick(json_t *ifaces, const struct pve_net0 *nic,
                                   const struct addr_subnet *net, char *out, size_t len)
{
    char held[HELD_MAX][48];
    bool bad = false;
    json_t *iface = NULL;
    size_t i;
    json_t *item;

    out[0] = '\0';
    json_array_foreach (ifaces, i, item) {
        const char *name = json_string_value(json_object_get(item, "name"));
        if (name != NULL && strcmp(name, nic->ifname) == 0) {
            iface = item;
            break;
        }
    }
    if (iface == NULL) {
        return ADDR_NOT_YET;
    }
    size_t n = held_addresses(iface, held, &bad);
    if (n == 0 && !bad) {
        return ADDR_NOT_YET;
    }
    snprintf(out, len, "%s", n > 0 ? held[0] : "?");
    if (bad || n > 1) {
        return ADDR_SEVERAL;
    }
    const char *hw = json_string_value(json_object_get(iface, "hwaddr"));
    if (hw == NULL) {
        hw = json_string_value(json_object_get(iface, "hardware-address"));
    }
    if (hw == NULL || strcasecmp(hw, nic->hwaddr) != 0) {
        return ADDR_NOT_LEASED; /* not the NIC Proxmox made */
    }
    if (strchr(nic->ip, '/') != NULL) {
        size_t l = strcspn(nic->ip, "/");
        if (strlen(held[0]) != l || strncmp(held[0], nic->ip, l) != 0) {
            return ADDR_NOT_LEASED; /* not the static address Proxmox configured */
        }
    }
    return addr_policy_check(net, held[0]);
}
