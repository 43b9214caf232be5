/*
 * template-rootfs.h - make a freshly bootstrapped Debian root filesystem
 * into a template every container can start from.
 *
 * template_rootfs_prepare() removes what must be unique per container (SSH
 * host keys, /etc/machine-id: each container makes its own at first boot,
 * the keys through ctgate-ssh-keygen.service), configures eth0 by DHCP,
 * masks units that fail in containers, installs the recipe's extra CA
 * certificates (update-ca-certificates run by chroot(8), argv only) and
 * disables the units of the template's services (`chroot ROOTFS systemctl
 * disable UNIT`: a create that asks for a service enables it).  It writes
 * only below rootfs and never follows a symlink at the last step.
 */
#ifndef CTGATE_TEMPLATE_ROOTFS_H
#define CTGATE_TEMPLATE_ROOTFS_H

#include <jansson.h>

#include "error.h"
#include "template-recipe.h"

enum ct_err template_rootfs_prepare(const char *rootfs, const struct template_recipe *r,
                                    int timeout_s, struct ct_error *err);
/* The rootfs's installed packages and versions (template_dpkg_versions); NULL on error. */
json_t *template_rootfs_packages(const char *rootfs, struct ct_error *err);

#endif
