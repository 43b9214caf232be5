/*
 * lxd-config.h - the LXD backend's own section of agent.conf:
 *
 *   lxd = { socket = "..."; product = "lxd"; pool = "..."; profile = "..."; target = ""; };
 *
 * Every setting has a default, so the section may be left out.  Read only
 * through backend_lxd's load_settings/free_settings/check_image hooks
 * (backend.h); the rest of the agent sees an opaque pointer.
 */
#ifndef CTGATE_LXD_CONFIG_H
#define CTGATE_LXD_CONFIG_H

#include <libconfig.h>
#include <limits.h>
#include <stdbool.h>

#include "error.h"

struct lxd_config {
    char socket[PATH_MAX]; /* absolute path of the REST API's unix socket */
    char pool[64];         /* storage pool of every root disk */
    char profile[64];      /* the profile every instance gets */
    char target[64];       /* cluster member to create on, "" = LXD chooses */
    char project[64];      /* the LXD project ctgate's instances live in, "" = default */
    bool incus;            /* product = "incus": X-Incus-* header names */
};

/* Parse and validate the `lxd` section; *settings is a malloc'd struct lxd_config. */
enum ct_err lxd_config_load(const config_t *conf, void **settings, struct ct_error *err);
void lxd_config_free(void *settings);
/* A template's image is an LXD image alias. */
enum ct_err lxd_config_check_image(const void *settings, const char *image, struct ct_error *err);

#endif
