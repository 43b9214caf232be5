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
 * owns no heap memory; deploy_config_free() clears it.
 */
#ifndef CTGATE_DEPLOY_CONFIG_H
#define CTGATE_DEPLOY_CONFIG_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "repo-policy.h"

struct deploy_config {
    bool enabled;
    struct repo_policy policy; /* allowed_hosts and denied_ranges (no pins: the gateway's address) */
    int command_timeout_s;
    int ready_timeout_s;
    char app_dir[128];
};

enum ct_err deploy_config_load(const config_t *conf, struct deploy_config *out,
                               struct ct_error *err);
void deploy_config_free(struct deploy_config *d);

#endif
