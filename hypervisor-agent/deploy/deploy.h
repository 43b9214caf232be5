/*
 * deploy.h - a create's deploy (create --repo ...): the user's repository
 * cloned, configured, built and run inside the new container, as its owner.
 *
 * deploy_check() runs before anything is made: this agent deploys, the
 * repository's host is allowed, the address the gateway pinned is one the
 * agent may let a container fetch from, the template offers the runtime and
 * services asked for, the variables are a valid set.  deploy_plan() then
 * adds the create's steps "deploy:clone", "deploy:services",
 * "deploy:install", "deploy:build" and "deploy:start" (each only when there
 * is something to do), run after the identity step and before the hooks and
 * publish.  Their undo is the clone's: a failed deploy leaves no container.
 *
 * Inside the container (docs/internals/deploy.md): APP_DIR/releases/1 holds
 * the clone, APP_DIR/current points at it, .env sits in the app's directory
 * (--root), /etc/ctgate/app.env and app-start feed ctgate-app.service.  Every
 * user command runs as the owner (uid and gid from the container's account),
 * through the container's own /bin/sh, never the host's.
 */
#ifndef CTGATE_DEPLOY_H
#define CTGATE_DEPLOY_H

#include <stdbool.h>
#include <stddef.h>

#include "deploy-config.h"
#include "deploy-validate.h"
#include "error.h"
#include "services.h"

struct agent_ctx;
struct request;
struct template_def;

#define DEPLOY_STEPS_MAX 5

struct deploy_ctx {
    struct agent_ctx *agent;
    const char *name;  /* the container */
    const char *owner; /* its owner's account */
    const char *ipv4;  /* the published address, known once the network step ran */
    int http_port;
    bool wait_http; /* --http-port given: ready means it answers */
    long long uid, gid;
    const char *phase; /* "deploy" (create) or "redeploy": the progress steps' prefix */
    /* What to deploy: from the request (create) or the deploy record (redeploy). */
    const char *repo, *repo_address, *branch, *root; /* root NULL: the top */
    const char *install, *build, *start;             /* NULL: none */
    struct service_expanded svc[CT_SERVICES_MAX]; /* the services asked for, for this create */
    size_t nservices;
    char release_name[32]; /* "1", or a redeploy's timestamp */
    char release[192];     /* APP_DIR/releases/NAME */
    char workdir[448];     /* the release's app directory, then (create) APP_DIR/current/ROOT */
    char home[64];
    char step[48];
    char **env; /* "KEY=VALUE" for commands and the unit: the user's, services', PORT */
    size_t nenv;
    char *dotenv; /* redeploy: the bytes of the running release's .env, carried over; or NULL */
    size_t dotenv_len;
};

/* Before anything is made: may this create deploy what it asks?  No request: CT_OK. */
enum ct_err deploy_check(const struct agent_ctx *a, const struct request *req,
                         const struct template_def *tmpl, struct ct_error *err);
/*
 * The deploy's context for a create (nothing when it has no repository):
 * what to deploy, the services expanded with a new password each, and the
 * app's variables (the services', the user's, PORT).  deploy_ctx_free()
 * releases it, also after a failure here.
 */
enum ct_err deploy_setup(struct deploy_ctx *d, struct agent_ctx *a, const struct request *req,
                         const struct template_def *tmpl, const char *home, int http_port,
                         struct ct_error *err);

/* The repository's host is allowed and address (the pinned one) may be fetched from. */
enum ct_err deploy_check_source(const struct deploy_config *cfg, const char *repo,
                                const char *address, struct ct_error *err);

/* The parts a redeploy (op-redeploy.c) reuses; each reports as step PHASE:WHAT. */
/* Clone into releases/RELEASE_NAME and write .env there (d->dotenv, else d->env). */
enum ct_err deploy_fetch(struct deploy_ctx *d, struct ct_error *err);
/* A user's command (install, build) in d->workdir, its output streamed. */
enum ct_err deploy_command(struct deploy_ctx *d, const char *what, const char *command,
                           struct ct_error *err);
/* The app's unit is up, and with --http-port its port answers, within deploy.ready_timeout. */
enum ct_err deploy_wait_ready(struct deploy_ctx *d, struct ct_error *err);
enum ct_err deploy_exec_root(struct deploy_ctx *d, const char *const *argv, const char *what,
                             struct ct_error *err);
enum ct_err deploy_exec_user(struct deploy_ctx *d, const char *const *argv, int *status,
                             struct ct_error *err);

struct deploy_step {
    const char *name; /* "deploy:clone", ... */
    enum ct_err (*run)(struct deploy_ctx *d, struct ct_error *err);
};

/* The deploy's steps in order into out (at most DEPLOY_STEPS_MAX); 0 without a repository. */
size_t deploy_plan(const struct deploy_ctx *d, struct deploy_step *out);
void deploy_ctx_free(struct deploy_ctx *d);

#endif
