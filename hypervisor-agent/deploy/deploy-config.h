/*
 * deploy-config.h - `deploy = { ... }` in agent.conf: whether this agent
 * deploys users' repositories (create --repo) and within which limits.
 *
 *   deploy = {
 *     allowed_hosts = [ "github.com", ".example.org" ];  # as the gateway's repo.allowed_hosts
 *     denied_ranges = [ "10.0.0.0/8" ];   # the clone's pinned address must be outside
 *     command_timeout = 600;              # seconds for the clone, install and build, each
 *     ready_timeout = 60;                 # seconds for the app to answer once started
 *     app_dir = "/srv/app";               # where releases live inside the container
 *   };
 *
 * Without the section a create with a repository is refused.  The struct
 * owns its lists: deploy_config_free().
 */
#ifndef CTGATE_DEPLOY_CONFIG_H
#define CTGATE_DEPLOY_CONFIG_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define DEPLOY_HOSTS_MAX 64
#define DEPLOY_RANGES_MAX 64
#define DEPLOY_HOST_MAX 253

struct deploy_config {
    bool enabled;
    char **allowed_hosts; /* owned; "name" or ".suffix" */
    size_t nallowed;
    char **denied_ranges; /* owned; CIDR */
    size_t ndenied;
    int command_timeout_s;
    int ready_timeout_s;
    char app_dir[128];
};

enum ct_err deploy_config_load(const config_t *conf, struct deploy_config *out,
                               struct ct_error *err);
void deploy_config_free(struct deploy_config *d);

#endif
