/*
 * agent-config.h - the agent's configuration (conf/agent.conf, libconfig syntax).
 *
 * agent_config_load() fills a struct agent_config that owns all its memory;
 * release it with agent_config_free().  Every value is validated at load
 * time, so the rest of the agent can trust it.  The backend's own section
 * (e.g. `lxd = {...}`) and each template's `image` are read and checked by
 * the backend `backend` names (backend.h); here they are opaque.
 */
#ifndef CTGATE_AGENT_CONFIG_H
#define CTGATE_AGENT_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "deploy-config.h"
#include "error.h"
#include "hooks.h"
#include "protocols.h"
#include "services.h"
#include "validate.h"

#define AGENT_CONFIG_DEFAULT "/etc/ctgate/agent.conf"

#define SIZE_NAME_MAX CT_SIZE_NAME_MAX
#define TEMPLATE_SIZES_MAX 8
#define TEMPLATE_RUNTIMES_MAX 8
#define RUNTIME_MAX 32
#define QUOTA_OVERRIDES_MAX 256
#define TEMPLATE_SERVICES_MAX 8

/* CPUs, memory and root disk of a container; 0 means "no limit" / "not given". */
struct size_spec {
    int cpu;
    long long memory_bytes;
    long long disk_bytes;
};

/* A named size users may pick with --size (the `sizes` list). */
struct size_def {
    char name[SIZE_NAME_MAX + 1];
    struct size_spec spec;
};

struct template_recipe;

/* `sudo = "none" | "nopasswd" | "password"` of a template (default none). */
enum template_sudo {
    TEMPLATE_SUDO_NONE,
    TEMPLATE_SUDO_NOPASSWD,
    TEMPLATE_SUDO_PASSWORD,
};

/* `ldap_client = "none" | "sssd"` of a template (default none): who logs in from LDAP. */
enum template_ldap_client {
    TEMPLATE_LDAP_NONE,
    TEMPLATE_LDAP_SSSD,
};

#define TEMPLATE_LOGIN_GROUPS_MAX 8

struct template_def {
    char name[33];
    char image[128]; /* the backend's business (check_image): an LXD alias, a Proxmox VMID */
    char description[256];
    char shell[64];
    char size[SIZE_NAME_MAX + 1]; /* default size, "" for no limits */
    char sizes[TEMPLATE_SIZES_MAX][SIZE_NAME_MAX + 1]; /* sizes offered; none listed: all */
    size_t nsizes;
    struct size_spec max; /* per-template ceiling of cpu, memory, disk (0: none) */
    char runtimes[TEMPLATE_RUNTIMES_MAX][RUNTIME_MAX + 1]; /* shown by `templates` */
    size_t nruntimes;
    enum template_sudo sudo; /* what the owner may do with sudo inside */
    bool sshd;               /* the image runs OpenSSH: the summary shows its host key */
    enum template_ldap_client ldap_client; /* configured by the identity step (identity.h) */
    /* LDAP groups whose members may log in besides the owner and admin_group */
    char login_groups[TEMPLATE_LOGIN_GROUPS_MAX][CT_GROUP_MAX + 1];
    size_t nlogin_groups;
    struct template_recipe *recipe; /* its `build` entry (template-recipe.h); NULL: none */
    /* services of the catalogue (services_file) --service may ask for with it */
    char services[TEMPLATE_SERVICES_MAX][CT_SERVICE_MAX + 1];
    size_t nservices;
    int pool; /* `pool`: started, unassigned containers of it kept ready (pool.h); 0: none */
};

#define POOL_SIZE_MAX 64

/* How much one user may hold at once (0: unlimited). */
struct quota {
    int containers;
    long long memory_bytes;
    int creates_per_hour; /* creates started in any hour (ratelimit.h); 0: unlimited */
    int snapshots;        /* snapshots across all the user's containers; 0: unlimited */
};

struct quota_override {
    char user[33];
    struct quota quota;
};

/* Sizes, quotas, expiry and how long request records are kept (policy.c loads them). */
struct policy_config {
    struct size_def *sizes;
    size_t nsizes;
    struct quota quota;
    struct quota_override *overrides;
    size_t noverrides;
    long long expiry_default_s; /* 0: containers do not expire unless asked */
    long long expiry_max_s;     /* 0: no ceiling, and "never" is allowed */
    long long expiry_grace_s;   /* stopped this long before the reaper deletes */
    long long requests_keep_s;  /* outcome records older than this are pruned; 0: kept */
};

#define PUBLISH_ARGV_MAX 16

/* Publishing through nginx (absent section: nothing is published). */
struct publish_config {
    bool enabled;
    char domain[128];        /* URL host: NAME.domain */
    char url_scheme[8];      /* "http" or "https" (TLS ends at the admin's proxy) */
    char ssh_host[256];      /* the host users ssh to for the external port */
    char listen_address[64]; /* where nginx's stream servers listen, "" = all */
    char subnet[24];         /* the containers' network, "10.213.77.1/24" (addr-policy.h) */
    char http_listen[64];    /* the listen parameter of the HTTP vhosts, e.g. "80" */
    int http_port;           /* the app's port inside the container */
    int ssh_port_min;        /* external SSH ports, one per container */
    int ssh_port_max;
    int protocol_port_min;   /* external ports for extra protocols (0: none) */
    int protocol_port_max;
    char http_file[PATH_MAX];   /* generated; included in nginx's http {} */
    char stream_file[PATH_MAX]; /* generated; included in nginx's stream {} */
    char *test_argv[PUBLISH_ARGV_MAX + 1];   /* e.g. nginx -t; NULL-terminated */
    char *reload_argv[PUBLISH_ARGV_MAX + 1]; /* e.g. nginx -s reload */
    int command_timeout_s;
};

/*
 * The LDAP directory as containers reach it (`directory = {...}`), for the
 * templates whose ldap_client is not none.  Every value is checked at load to
 * be one line of printable text: it is written into the client's config file.
 */
struct directory_config {
    bool enabled;           /* the section is there */
    char uri[256];          /* ldaps://HOST[:PORT] or ldap://... (then StartTLS) */
    char base[256];         /* where users are */
    char group_base[256];   /* where groups are ("" : base) */
    char ca_file[PATH_MAX]; /* on the hypervisor: the CA that signed the directory's cert */
};

/*
 * `export = { max_size; timeout; }` and `backup = { keep; }`: a user's
 * export NAME and an admin's ctgate-agent backup --all (op-export.c,
 * admin/backup.c).
 */
struct export_config {
    long long max_bytes; /* the largest backup streamed or kept; 0: no limit */
    int timeout_s;       /* to pack one (streaming stops only when it stalls) */
    int per_hour;        /* exports one user may start an hour (admins: any); 0: no limit */
    int keep;            /* backup --all: the newest this many per container stay */
};

struct backend_ops;

struct agent_config {
    char backend[16];                      /* a name in backend.c's table */
    const struct backend_ops *backend_ops; /* the backend it names */
    void *backend_settings;                /* its section of agent.conf, owned by it */
    int call_timeout_s;                    /* one call to the backend */
    int operation_timeout_s;               /* one asynchronous backend operation */
    int ipv4_timeout_s;
    int request_read_timeout_s;
    char state_dir[PATH_MAX];
    char admin_group[64];
    bool root_password_random; /* false: root stays locked */
    char template_cache[PATH_MAX]; /* built template images, by inputs hash */
    int build_timeout_s;           /* one template build's bootstrap */
    char **reserved;
    size_t nreserved;
    struct template_def *templates;
    size_t ntemplates;
    struct publish_config publish;
    struct protocol_catalog protocols; /* from protocols_file; empty when none */
    char services_file[PATH_MAX];      /* "" : no services */
    struct service_catalog services;   /* from services_file (services.h); empty when none */
    struct policy_config policy;
    struct directory_config directory; /* identity.c loads it */
    long long reuse_cooldown_s; /* a freed name and its ports wait this long for others; 0: off */
    long long ctid_min; /* `ctids = [ MIN, MAX ]`: the numbers containers get (registry.h) */
    long long ctid_max;
    /* `addresses = [ "FIRST", "LAST" ]`: static IPv4 addresses, host order (0: none, DHCP) */
    uint32_t addr_min;
    uint32_t addr_max;
    struct hooks_config hooks; /* `hooks` (hooks.h): run inside each new container */
    struct deploy_config deploy; /* `deploy` (deploy-config.h): create --repo */
    struct export_config export; /* `export` and `backup` */
};

#define AGENT_REUSE_COOLDOWN_DEFAULT_S 3600
/* Proxmox VE's own next-id range is 100 ... 999999999; ctgate's default keeps clear of the low ids
   people give by hand. */
#define AGENT_CTID_MIN_DEFAULT 10000
#define AGENT_CTID_MAX_DEFAULT 999999

enum ct_err agent_config_load(const char *path, struct agent_config *cfg, struct ct_error *err);
void agent_config_free(struct agent_config *cfg);
const struct template_def *agent_config_template(const struct agent_config *cfg, const char *name);
bool agent_config_is_reserved(const struct agent_config *cfg, const char *hostname);
/* The service called name when template t offers it, else NULL. */
const struct service_def *agent_config_service(const struct agent_config *cfg,
                                               const struct template_def *t, const char *name);

#endif
