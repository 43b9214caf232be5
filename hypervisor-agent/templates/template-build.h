/*
 * template-build.h - `ctgate-agent template build NAME [--force]`: build a
 * template's image from its recipe (template-recipe.h) and import it through
 * the backend under the template's image alias.
 *
 * Run as root on the hypervisor.  The inputs hash decides everything: an
 * image the alias names whose ctgate.inputs property equals it is reused
 * (nothing is built, unless --force); a package in the template cache
 * (template_cache/INPUTS.BACKEND.tar) is imported without bootstrapping;
 * otherwise mmdebstrap bootstraps a root filesystem in
 * template_cache/build-XXXXXX, template_rootfs_prepare() makes it a
 * template, and the backend packs and imports it.  A failed build leaves
 * the alias as it was and no work directory.  Every run appends one audit
 * record, op "template-build" (docs/audit.md), written as the owner of
 * state_dir so the agent's account can still read and extend the trail.
 */
#ifndef CTGATE_TEMPLATE_BUILD_H
#define CTGATE_TEMPLATE_BUILD_H

#include "error.h"

struct admin_ctx;

/* The subcommand's row functions (admin.h); each returns the exit code. */
int template_build_run(struct admin_ctx *ctx);
int template_build_failed(const char *step, const char *subject, const struct ct_error *err);

#endif
