/*
 * template-recipe.h - a template's build recipe (its `build` entry in
 * agent.conf) and the hash of a build's inputs.
 *
 *   build = { suite = "bookworm"; mirror = "http://deb.debian.org/debian";
 *             packages = [ "nodejs", "redis-server" ];
 *             ca_certificates = [ "/etc/ctgate/ca/corp.crt" ]; };
 *
 * template_recipe_load() reads and validates one such group into a
 * malloc'd struct template_recipe (released with template_recipe_free());
 * its package list is the template's own packages plus the ones every
 * template gets (TEMPLATE_BASE_PACKAGES), sorted and without duplicates.
 * The CA files are named at load time and read only when a build hashes or
 * installs them (the agent's account may not be able to read them).
 * template_recipe_add_service() adds a service's packages (services.h) for
 * a template that offers it, and its unit to the units the build disables
 * in the image (a container runs it only when its create asked for it).
 *
 * template_recipe_hash() is what "same inputs" means: suite, mirror (or
 * the host's apt sources file's bytes when there is none),
 * architecture, the package set (its order is irrelevant), the units
 * disabled, the bytes of every CA certificate and TEMPLATE_RECIPE_FORMAT
 * (bumped whenever the way a rootfs is made changes).  template_dpkg_versions() reads a rootfs's
 * /var/lib/dpkg/status for the build record.  No function here keeps state.
 */
#ifndef CTGATE_TEMPLATE_RECIPE_H
#define CTGATE_TEMPLATE_RECIPE_H

#include <jansson.h>
#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "services.h"

#define TEMPLATE_SUITE_MAX 32
#define TEMPLATE_MIRROR_MAX 255
#define TEMPLATE_PACKAGE_MAX 64   /* length of one package name */
#define TEMPLATE_PACKAGES_MAX 128 /* packages a recipe may name */
#define TEMPLATE_CAS_MAX 8
#define TEMPLATE_INPUTS_HEX 65 /* BLAKE2b-256 in hex, with its NUL */
/* Bumped whenever the rootfs a build makes changes for the same recipe. */
#define TEMPLATE_RECIPE_FORMAT "ctgate-template-build 3"

/* What every built template has: init, sshd, sudo, git, TLS roots, the LDAP client, DHCP. */
extern const char *const template_base_packages[];

struct template_recipe {
    char suite[TEMPLATE_SUITE_MAX + 1];
    char mirror[TEMPLATE_MIRROR_MAX + 1]; /* "" = the host's own apt sources */
    char **packages;                      /* base + own, sorted, unique; owned */
    size_t npackages;
    char **ca_certificates; /* absolute paths, as given; owned */
    size_t nca;
    char **disabled_units; /* the offered services' units, sorted, unique; owned */
    size_t nunits;
};

/* Syntax checks, also used by the unit tests. */
bool template_package_valid(const char *name); /* [a-z0-9][a-z0-9+.-]*, 1..64 */
bool template_suite_valid(const char *suite);  /* [a-z][a-z0-9-]*, 1..32 */
bool template_mirror_valid(const char *url);   /* http(s)://, URL characters, 1..255 */

/*
 * Parse the group s (a template's `build`) into *out (NULL on error);
 * CT_ERR_CONFIG names the bad value and the line.
 */
enum ct_err template_recipe_load(const config_setting_t *s, struct template_recipe **out,
                                 struct ct_error *err);
void template_recipe_free(struct template_recipe *r);
/* Add s's packages to r's (kept sorted, unique) and its unit to r's disabled_units. */
enum ct_err template_recipe_add_service(struct template_recipe *r, const struct service_def *s,
                                        struct ct_error *err);

/*
 * The inputs hash of r on architecture arch ("x86_64") into hex; reads
 * every CA file and, when r has no mirror, host_sources (the host's apt
 * sources file the build uses instead); CT_ERR_CONFIG when one cannot be
 * read.
 */
enum ct_err template_recipe_hash(const struct template_recipe *r, const char *arch,
                                 const char *host_sources, char hex[TEMPLATE_INPUTS_HEX],
                                 struct ct_error *err);
/*
 * The host's apt sources file a recipe without a mirror uses (deb822
 * debian.sources, else sources.list) into path; CT_ERR_CONFIG when there is
 * none or it does not name suite.
 */
enum ct_err template_host_sources(const char *suite, char *path, size_t len, struct ct_error *err);

/*
 * The installed packages of a dpkg status file's text: a new JSON object
 * {"name": "version", ...} ("name:arch" for Multi-Arch: same packages).
 */
json_t *template_dpkg_versions(const char *text, size_t len);

#endif
