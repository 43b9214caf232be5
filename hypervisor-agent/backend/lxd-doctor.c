/* lxd-doctor.c - see lxd-doctor.h. */
#include "lxd-doctor.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* GET path into *metadata (new reference); the HTTP status in *status (0: no answer). */
static enum ct_err get_metadata(struct lxd *lxd, const char *path, json_t **metadata, long *status,
                                struct ct_error *err)
{
    json_t *reply = NULL;
    *metadata = NULL;
    *status = 0;
    enum ct_err rc = lxd_call(lxd, "GET", path, NULL, &reply, status, err);
    if (rc == CT_OK) {
        *metadata = json_incref(json_object_get(reply, "metadata"));
    }
    json_decref(reply);
    return rc;
}

static const char *member(json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v != NULL ? v : "";
}

/* The profile's NIC (eth0 first, else the first nic device): its network's name, or NULL. */
static const char *profile_network(json_t *profile)
{
    json_t *devices = json_object_get(profile, "devices");
    json_t *nic = json_object_get(devices, "eth0");
    if (strcmp(member(nic, "type"), "nic") != 0) {
        const char *key;
        json_t *dev;
        nic = NULL;
        json_object_foreach (devices, key, dev) {
            if (strcmp(member(dev, "type"), "nic") == 0) {
                nic = dev;
                break;
            }
        }
    }
    if (nic == NULL) {
        return NULL;
    }
    const char *net = member(nic, "network");
    return net[0] != '\0' ? net : member(nic, "parent");
}

static void check_network(struct lxd *lxd, const char *net, backend_say_fn say, void *ctx)
{
    char path[192], detail[CT_ERROR_DETAIL_MAX + 320];
    json_t *meta = NULL;
    long status = 0;
    struct ct_error err = {0};
    snprintf(path, sizeof(path), "/1.0/networks/%s", net);
    if (get_metadata(lxd, path, &meta, &status, &err) != CT_OK) {
        snprintf(detail, sizeof(detail), "the profile's NIC uses network %s: %s", net,
                 status == 404 ? "LXD has no such network" : err.detail);
        say(ctx, "network", false, detail,
            "create it (lxc network create NAME) or point the profile's NIC at a managed bridge");
        return;
    }
    const char *cidr = member(json_object_get(meta, "config"), "ipv4.address");
    bool managed = json_is_true(json_object_get(meta, "managed"));
    snprintf(detail, sizeof(detail), "%s: %s, IPv4 %s", net, managed ? "managed" : "NOT managed",
             cidr[0] != '\0' ? cidr : "none");
    say(ctx, "network", managed && cidr[0] != '\0' && strcmp(cidr, "none") != 0, detail,
        "ctgate publishes only the DHCP leases of a managed LXD network with IPv4: use one "
        "(lxc network create ctgate0) for the profile's NIC");
    json_decref(meta);
}

void lxd_doctor(struct lxd *lxd, const struct lxd_config *settings, backend_say_fn say, void *ctx)
{
    char path[192], detail[PATH_MAX + CT_ERROR_DETAIL_MAX + 64];
    json_t *meta = NULL;
    long status = 0;
    struct ct_error err = {0};

    if (get_metadata(lxd, "/1.0", &meta, &status, &err) != CT_OK) {
        snprintf(detail, sizeof(detail), "%s: %s", settings->socket, err.detail);
        say(ctx, "backend", false, detail,
            "start LXD, check lxd.socket in agent.conf, and that this account is in the group "
            "that owns the socket");
        return;
    }
    json_t *env = json_object_get(meta, "environment");
    bool trusted = strcmp(member(meta, "auth"), "trusted") == 0;
    snprintf(detail, sizeof(detail), "%s %s at %s (%s)", settings->incus ? "Incus" : "LXD",
             member(env, "server_version"), settings->socket,
             trusted ? "trusted" : member(meta, "auth"));
    say(ctx, "backend", trusted, detail,
        "the socket answered but does not trust this account: use LXD's unix socket itself");
    json_decref(meta);

    snprintf(path, sizeof(path), "/1.0/storage-pools/%s", settings->pool);
    if (get_metadata(lxd, path, &meta, &status, &err) != CT_OK) {
        snprintf(detail, sizeof(detail), "%s: %s", settings->pool,
                 status == 404 ? "LXD has no such storage pool" : err.detail);
        say(ctx, "storage pool", false, detail,
            "create it (lxc storage create NAME btrfs) or set lxd.pool in agent.conf");
    } else {
        snprintf(detail, sizeof(detail), "%s (driver %s%s)", settings->pool, member(meta, "driver"),
                 strcmp(member(meta, "driver"), "dir") == 0 ? ": no disk limits" : "");
        say(ctx, "storage pool", true, detail, NULL);
        json_decref(meta);
    }

    snprintf(path, sizeof(path), "/1.0/profiles/%s", settings->profile);
    if (get_metadata(lxd, path, &meta, &status, &err) != CT_OK) {
        snprintf(detail, sizeof(detail), "%s: %s", settings->profile,
                 status == 404 ? "LXD has no such profile" : err.detail);
        say(ctx, "profile", false, detail,
            "create it with a NIC on a managed bridge, or set lxd.profile in agent.conf");
        return;
    }
    const char *net = profile_network(meta);
    snprintf(detail, sizeof(detail), "%s%s", settings->profile,
             net != NULL ? " (with a NIC)" : ": it has no NIC device");
    say(ctx, "profile", net != NULL, detail,
        "add one: lxc profile device add PROFILE eth0 nic network=BRIDGE");
    if (net != NULL && net[0] != '\0') {
        check_network(lxd, net, say, ctx);
    }
    json_decref(meta);
}
