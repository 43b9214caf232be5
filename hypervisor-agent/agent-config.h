/*
 * agent-config.h - the agent's configuration (conf/agent.conf, libconfig syntax).
 *
 * agent_config_load() fills a struct agent_config that owns all its memory;
 * release it with agent_config_free().  Every value is validated at load
 * time, so the rest of the agent can trust it.
 */
#ifndef CTGATE_AGENT_CONFIG_H
#define CTGATE_AGENT_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define AGENT_CONFIG_DEFAULT "/etc/ctgate/agent.conf"

struct template_def {
    char name[33];
    char image[128];
    char description[256];
    char shell[64];
    char cpu[16];    /* limits.cpu, "" for none */
    char memory[16]; /* limits.memory, "" for none */
};

struct agent_config {
    char backend[16];
    char lxd_socket[PATH_MAX];
    char lxd_pool[64];
    char lxd_profile[64];
    char lxd_target[64];
    char lxd_product[16];    /* "lxd" or "incus": header spelling */
    int call_timeout_s;      /* one REST call */
    int operation_timeout_s; /* one async operation */
    int ipv4_timeout_s;
    int request_read_timeout_s;
    char state_dir[PATH_MAX];
    char admin_group[64];
    bool root_password_random; /* false: root stays locked */
    char **reserved;
    size_t nreserved;
    struct template_def *templates;
    size_t ntemplates;
};

enum ct_err agent_config_load(const char *path, struct agent_config *cfg, struct ct_error *err);
void agent_config_free(struct agent_config *cfg);
const struct template_def *agent_config_template(const struct agent_config *cfg, const char *name);
bool agent_config_is_reserved(const struct agent_config *cfg, const char *hostname);

#endif
