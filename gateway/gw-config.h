/*
 * gw-config.h - the gateway's configuration (conf/gateway.conf, libconfig).
 *
 * gwconf_load() fills a struct gw_config that holds no heap memory; every
 * value is checked at load time.  The path comes from the admin's
 * ForceCommand line (`ctgate --config FILE`), never from the user.
 */
#ifndef CTGATE_GW_CONFIG_H
#define CTGATE_GW_CONFIG_H

#include <limits.h>
#include <stdbool.h>

#include "error.h"
#include "repo-policy.h"
#include "throttle.h"
#include "validate.h"

#define GW_CONFIG_DEFAULT "/etc/ctgate/gateway.conf"
#define GW_KEY_TYPES_MAX 8
#define GW_KEY_TYPE_MAX 47

/* keys.admit: which keys ctgate-keys gives sshd (gateway/keys/). */
enum gw_admit {
    GW_ADMIT_LDAP_KEYS, /* only a key an LDAP user of the users group lists */
    GW_ADMIT_ANY_KEY    /* any well-formed key of an allowed type; the gateway asks a password */
};

/* repo: where --repo may point and how the gateway checks it (gateway/repo-check.h). */
struct gw_repo {
    bool enabled; /* there is a repo section: without one, --repo is refused */
    struct repo_policy policy;
    char ca_file[PATH_MAX]; /* the CAs the check trusts; "": libcurl's default */
    int timeout_s;          /* the whole check request */
    int connect_timeout_s;
};

struct gw_config {
    /* ldap */
    char ldap_uri[256];         /* ldaps://… (TLS) or ldap://… (StartTLS, always) */
    char ldap_base[256];        /* where users are searched (subtree) */
    char ldap_group_base[256];  /* where groups are searched; default ldap_base */
    char ldap_user_filter[256]; /* ANDed with (uid=…) */
    char ldap_users_group[CT_GROUP_MAX + 1]; /* membership required to use ctgate */
    char ldap_ca_file[PATH_MAX];
    char ldap_bind_dn[256];              /* optional service account for searches */
    char ldap_bind_password_file[PATH_MAX];
    bool ldap_tls_verify;   /* false only with a logged warning */
    int ldap_timeout_s;     /* every LDAP call */
    int ldap_key_search_limit; /* 0: the login key is found only by an equality search */
    /* agent */
    char agent_host[256];
    int agent_port;
    char agent_user[64];
    char agent_key[PATH_MAX];
    char agent_known_hosts[PATH_MAX];
    int agent_connect_timeout_s;
    int agent_idle_timeout_s; /* longest silence from the agent during an operation */
    /* user interaction */
    char default_template[CT_TEMPLATE_MAX + 1];
    char ssh_host_hint[256]; /* how users reach containers, shown in the summary; may be "" */
    int prompt_timeout_s;
    /* keys: ctgate-keys, sshd's AuthorizedKeysCommand */
    enum gw_admit keys_admit;
    char keys_account[64]; /* the one account (sshd's %u) answered; default create-container */
    char keys_types[GW_KEY_TYPES_MAX][GW_KEY_TYPE_MAX + 1]; /* sshd's %t must be one of them */
    size_t keys_ntypes;
    int keys_timeout_s; /* the whole answer, LDAP included; LDAP calls get at most this */
    /* throttle: wrong passwords per user and per client address (throttle.h) */
    struct throttle_policy throttle;
    struct gw_repo repo;
};

enum ct_err gwconf_load(const char *path, struct gw_config *cfg, struct ct_error *err);

#endif
