/*
 * services.h - the service catalogue: what `--service NAME` may start in a
 * new container (a database, a cache), read from a libconfig file
 * (conf/services.conf, installed as /etc/ctgate/services.conf; the agent's
 * `services_file` names it).
 *
 *   services = (
 *     { name = "redis"; description = "Redis 7 on localhost:6379";
 *       packages = [ "redis-server" ]; unit = "redis-server.service";
 *       ready = [ "redis-cli", "ping" ]; ready_timeout = "30s";
 *       setup = ( [ "redis-cli", "CONFIG", "SET", "requirepass", "{password}" ] );
 *       env = [ "REDIS_URL=redis://:{password}@localhost:6379/0" ]; }
 *   );
 *
 * A template build installs `packages` and disables `unit` in the image; a
 * create that asks for the service enables and starts `unit`, runs `ready`
 * until it exits 0 (at most ready_timeout), runs each `setup` argv as root
 * inside the container, and gives the app `env`.  Words of setup, ready and
 * env values may hold the placeholders {password} (SERVICE_PASSWORD_LEN
 * random [A-Za-z0-9], made per create), {name} (the container's hostname)
 * and {user} (the owner's uid); no other '{' or '}' is allowed.
 *
 * services_load() checks everything (unknown keys, lengths, counts, argv[0]
 * an absolute path or a bare command name) and names the file and line of
 * what it refuses.  A struct service_catalog owns all its memory:
 * services_free().  services_expand() makes one service concrete for one
 * create into a struct service_expanded that owns its strings (they hold
 * the password: services_expanded_free() wipes them).  Nothing here keeps
 * state; every function is thread-safe.
 */
#ifndef CTGATE_SERVICES_H
#define CTGATE_SERVICES_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "deploy-validate.h"
#include "error.h"

#define SERVICES_DEFAULT_FILE "/etc/ctgate/services.conf"
#define SERVICES_MAX 16                  /* services in the catalogue */
#define SERVICE_DESCRIPTION_MAX 200      /* bytes of a description */
#define SERVICE_PACKAGE_MAX 64           /* bytes of a package name (as template-recipe.h) */
#define SERVICE_PACKAGES_MAX 16          /* packages of one service */
#define SERVICE_UNIT_MAX 64              /* bytes of a unit name */
#define SERVICE_SETUP_MAX 8              /* setup commands of one service */
#define SERVICE_ARGV_MAX 16              /* words of one setup or ready argv */
#define SERVICE_WORD_MAX 1024            /* bytes of one word, before expansion */
#define SERVICE_ENV_MAX 8                /* env variables of one service */
#define SERVICE_READY_TIMEOUT_DEFAULT 60 /* seconds */
#define SERVICE_READY_TIMEOUT_MAX 600
#define SERVICE_PASSWORD_LEN 24 /* characters of {password}, [A-Za-z0-9] */
#define SERVICE_VALUE_MAX 255   /* bytes of one placeholder's value */

struct service_def {
    char name[CT_SERVICE_MAX + 1];                 /* validate_service_name */
    char description[SERVICE_DESCRIPTION_MAX + 1]; /* "" when not given */
    char unit[SERVICE_UNIT_MAX + 1];               /* [A-Za-z0-9@._-]+.service */
    char **packages; /* npackages Debian package names, NULL-terminated; owned */
    size_t npackages;
    char ***setup; /* nsetup argvs (with placeholders), each NULL-terminated; owned */
    size_t nsetup;
    char **ready; /* NULL-terminated argv, or NULL: none; owned */
    int ready_timeout_s;
    char **env; /* nenv "KEY=template", NULL-terminated; owned */
    size_t nenv;
};

struct service_catalog {
    struct service_def *items; /* owned */
    size_t n;
};

/*
 * Read and check the catalogue at path into out.  CT_ERR_CONFIG names the
 * file and line ("PATH:LINE: services[I] (NAME): ..."); on error out is
 * left empty.
 */
enum ct_err services_load(const char *path, struct service_catalog *out, struct ct_error *err);
/*
 * The same from a parsed document; file names it in messages when the
 * settings carry no file name (config_read_string).
 */
enum ct_err services_parse(const config_t *conf, const char *file, struct service_catalog *out,
                           struct ct_error *err);
void services_free(struct service_catalog *c);
const struct service_def *services_find(const struct service_catalog *c, const char *name);

/*
 * The packages the n services called names need, each once, in the order
 * the services are named: a new NULL-terminated array *out of *nout
 * pointers into c (free() the array only).  CT_ERR_NOT_FOUND names a
 * service that is not in c.
 */
enum ct_err services_packages(const struct service_catalog *c, char *const *names, size_t n,
                              const char ***out, size_t *nout, struct ct_error *err);

/* The values of the placeholders for one create; checked by the caller. */
struct service_values {
    const char *password; /* {password}: services_password() */
    const char *name;     /* {name}: the container's hostname */
    const char *user;     /* {user}: the owner's uid */
};

/* One service made concrete for one create; every string owned and wiped when freed. */
struct service_expanded {
    const struct service_def *def; /* in the catalogue; not owned */
    char **ready;                  /* NULL-terminated, or NULL: no ready check */
    char ***setup;                 /* nsetup NULL-terminated argvs */
    size_t nsetup;
    char **env; /* nenv "KEY=VALUE" (each validate_env_item), NULL-terminated */
    size_t nenv;
};

/*
 * Replace the placeholders of s's ready, setup and env with v's values into
 * out.  An empty value, one with a character outside printable ASCII (a
 * space or newline included), a quote, a backslash, a brace or more than
 * SERVICE_VALUE_MAX bytes is refused (the caller
 * should have checked it; the value is not repeated in the message), as is
 * an env item that is no longer validate_env_item: CT_ERR_INTERNAL.  On
 * error out is left empty.
 */
enum ct_err services_expand(const struct service_def *s, const struct service_values *v,
                            struct service_expanded *out, struct ct_error *err);
void services_expanded_free(struct service_expanded *e);

/* A fresh {password}: SERVICE_PASSWORD_LEN random [A-Za-z0-9] (libsodium), NUL-terminated. */
void services_password(char out[SERVICE_PASSWORD_LEN + 1]);

#endif
