/*
 * op-create.c - the "create" operation as an ordered list of steps
 * (steps.h): each step's undo is armed before it runs, so a failure at any
 * point leaves no container and no reservation behind.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr-policy.h"
#include "by-hostname.h"
#include "deploy-record.h"
#include "deploy.h"
#include "identity.h"
#include "hooks.h"
#include "log.h"
#include "ops.h"
#include "policy.h"
#include "pool.h"
#include "outcome.h"
#include "proto.h"
#include "publish.h"
#include "pubkey.h"
#include "ratelimit.h"
#include "recover.h"
#include "registry.h"
#include "steps.h"
#include "clock.h"
#include "strcopy.h"
#include "timefmt.h"
#include "units.h"

#define ROOT_PASSWORD_LEN 20

struct create_ctx {
    struct agent_ctx *agent;
    const struct request *req;
    const struct template_def *tmpl;
    char request_id[CT_REQUEST_ID_MAX + 1];
    char created[32];
    char ipv4[48];
    char home[CT_UID_MAX + 16];
    char root_password[ROOT_PASSWORD_LEN + 1]; /* wiped in op_create */
    struct reserve_claim ports; /* external ports asked for and (after reserve) given */
    long long ctid;             /* the CTID the backend gave it (the reserved one, mostly) */
    bool clone_nothing_made;    /* the clone failed before the backend made anything */
    struct size_spec limits;    /* resolved by policy_resolve_size */
    char expires[32];           /* RFC 3339, "" for never */
    int http_port;              /* the app's port inside */
    bool reserved;              /* step_reserve got the name (its undo may free it) */
    bool claimed;               /* ... and a pooled container with it (ports.instance; pool.h) */
    bool undo_incomplete;       /* an undo could not reach the backend: keep the entry pending */
    const struct hook_def *hooks[HOOKS_MAX]; /* the after-create hooks of this template */
    size_t nhooks;
    size_t next_hook; /* the hook the next "hook:NAME" step runs (plan_steps) */
    json_t *warnings; /* what the user is told besides success (a hook under "warn"); or NULL */
    struct deploy_ctx deploy; /* create --repo: deploy.h */
    struct deploy_step deploy_steps[DEPLOY_STEPS_MAX];
    size_t next_deploy; /* the deploy step the next "deploy:*" step runs */
};

static void undo_claim(void *p);

static enum ct_err step_reserve(void *p, struct ct_error *err)
{
    struct create_ctx *c = p;
    const struct agent_ctx *a = c->agent;
    c->ports.claim_from = c->tmpl->pool > 0 && pool_fits(a, c->tmpl, &c->limits) ? c->tmpl->name
                                                                                  : NULL;
    enum ct_err rc = registry_reserve(a->cfg->state_dir, c->req->hostname, c->req->caller.uid,
                                      c->request_id, c->created, &c->ports, err);
    if (rc == CT_ERR_HOSTNAME_TAKEN && c->ports.abandoned) {
        /* The name's holder died mid-operation: finish it off, then try once more. */
        struct ct_error why = {0};
        if (recover_abandoned(a->cfg, a->backend, a->handle, c->req->hostname,
                              c->ports.abandoned_rid, &why) == CT_OK) {
            c->ports.abandoned = false;
            rc = registry_reserve(a->cfg->state_dir, c->req->hostname, c->req->caller.uid,
                                  c->request_id, c->created, &c->ports, err);
        }
    }
    c->reserved = rc == CT_OK;
    c->claimed = rc == CT_OK && c->ports.instance[0] != '\0';
    if (rc == CT_OK) {
        by_hostname_claimed(a->handle, c->req->hostname,
                            c->claimed ? c->ports.instance : c->req->hostname);
    }
    return rc;
}

static void undo_reserve(void *p)
{
    struct create_ctx *c = p;
    struct ct_error ignored = {0};
    /* A repeat of a running request must not free the first one's name; nor may a
       rollback that could not remove the instance (undo_clone). */
    if (c->reserved && c->claimed && !c->undo_incomplete) {
        undo_claim(c); /* armed with the reservation that took it (a no-op after claim's own) */
    }
    if (c->reserved && !c->undo_incomplete) {
        registry_release(c->agent->cfg->state_dir, c->req->hostname, c->request_id, &ignored);
    }
}

/*
 * A disk size needs a pool that can limit one: asked for by name, a pool
 * that cannot is refused; a template size's disk on such a pool is not
 * enforced (for the clone and the claim alike).
 */
static enum ct_err fit_disk(struct create_ctx *c, struct ct_error *err)
{
    const struct agent_ctx *a = c->agent;
    bool can_disk = true;
    if (c->limits.disk_bytes != 0) {
        enum ct_err rc = backend_can(a->backend, a->handle, BACKEND_CAN_LIMIT_DISK, &can_disk, err);
        if (rc != CT_OK) {
            return rc;
        }
    }
    if (!can_disk) {
        if (c->req->param[CT_P_DISK].set) {
            return ct_error_set(err, CT_ERR_BAD_VALUE,
                                "the storage pool cannot limit a root disk's size");
        }
        c->limits.disk_bytes = 0;
    }
    return CT_OK;
}

/* What the backend is told of this container, by create (clone) and adopt (claim) alike. */
static struct backend_create owner_args(struct create_ctx *c)
{
    c->ctid = c->ports.ctid;
    return (struct backend_create){
        .name = c->req->hostname,
        .tmpl = c->tmpl,
        .owner = c->req->caller.uid,
        .request_id = c->request_id,
        .created = c->created,
        .expires = c->expires[0] != '\0' ? c->expires : NULL,
        .description = c->req->param[CT_P_DESCRIPTION].text,
        .limits = &c->limits,
        .ctid = c->ports.ctid,
    };
}

/* The instance, with its limits in the same call. */
static enum ct_err step_clone(void *p, struct ct_error *err)
{
    struct create_ctx *c = p;
    const struct agent_ctx *a = c->agent;
    enum ct_err rc = fit_disk(c, err);
    if (rc != CT_OK) {
        return rc;
    }
    struct backend_create args = owner_args(c);
    args.ctid_out = &c->ctid;
    args.address = c->ports.address;
    args.nothing_made = &c->clone_nothing_made;
    rc = a->backend->create(a->handle, &args, err);
    if (rc == CT_OK && c->ctid != c->ports.ctid) {
        /* The backend had to give it another number (a Proxmox id taken meanwhile). */
        rc = registry_set_ctid(a->cfg->state_dir, c->req->hostname, c->request_id, c->ctid, err);
    }
    return rc;
}

static void undo_clone(void *p)
{
    struct create_ctx *c = p;
    struct backend_instance inst;
    struct ct_error why = {0};
    if (c->clone_nothing_made) {
        return; /* the backend said so: nothing to look for */
    }
    /* Destroy only what this request made: a same-named instance of another request stays. */
    enum ct_err rc = c->agent->backend->get(c->agent->handle, c->req->hostname, &inst, &why);
    if (rc == CT_OK && strcmp(inst.request_id, c->request_id) == 0 &&
        strcmp(inst.owner, c->req->caller.uid) == 0) { /* ids are scoped to their owner */
        rc = c->agent->backend->destroy(c->agent->handle, c->req->hostname, &why);
    }
    if (rc != CT_OK && rc != CT_ERR_NOT_FOUND) {
        /*
         * The backend does not answer (or refuses): the instance may still be
         * there.  The reservation stays, marked pending by this process, so
         * that once we are gone reconcile --fix or the next create of the name
         * finishes the rollback (recover.h).
         */
        c->undo_incomplete = true;
        log_error("create %s: rollback of the instance failed (%s); left to reconcile",
                  c->req->hostname, why.detail);
    }
}

static enum ct_err run_in_container(struct create_ctx *c, const char *const *argv,
                                    const void *input, size_t input_len, struct ct_error *err);

static bool claimed(void *p)
{
    const struct create_ctx *c = p;
    return c->claimed;
}

static bool not_claimed(void *p)
{
    return !claimed(p);
}

/*
 * The pooled container reserve claimed becomes this request's: its
 * metadata and limits (adopt), then the hostname its owner chose, inside
 * (/etc/hostname, and the running system's).  It was started long ago.
 */
static enum ct_err step_claim(void *p, struct ct_error *err)
{
    struct create_ctx *c = p;
    const struct agent_ctx *a = c->agent;
    enum ct_err rc = fit_disk(c, err);
    if (rc != CT_OK) {
        return rc;
    }
    struct backend_create args = owner_args(c);
    struct backend_instance inst;
    if (a->backend->adopt == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "the backend cannot adopt a pooled container");
    }
    if ((rc = a->backend->adopt(a->handle, &args, err)) != CT_OK ||
        (rc = a->backend->get(a->handle, c->req->hostname, &inst, err)) != CT_OK) {
        return rc;
    }
    /* An admin may have stopped it while it waited: it starts now, as a clone would. */
    if (strcmp(inst.state, "Running") != 0 &&
        (rc = a->backend->set_state(a->handle, c->req->hostname, "start", err)) != CT_OK) {
        return rc;
    }
    char line[CT_HOSTNAME_MAX + 2];
    int n = snprintf(line, sizeof(line), "%s\n", c->req->hostname);
    struct backend_file f = {"/etc/hostname", line, (size_t)n, 0644, 0, 0};
    const char *const argv[] = {"hostname", c->req->hostname, NULL};
    if ((rc = a->backend->push_file(a->handle, c->req->hostname, &f, err)) != CT_OK) {
        return rc;
    }
    return run_in_container(c, argv, NULL, 0, err);
}

/* A claimed container never goes back to the pool: whatever state it is in, it goes. */
static void undo_claim(void *p)
{
    struct create_ctx *c = p;
    struct ct_error why = {0};
    if (c->agent->backend->destroy(c->agent->handle, c->req->hostname, &why) != CT_OK) {
        c->undo_incomplete = true; /* recover.h: the entry's instance is destroyed later */
        log_error("create %s: rollback of the claimed %s failed (%s); left to reconcile",
                  c->req->hostname, c->ports.instance, why.detail);
    }
}

static enum ct_err step_start(void *p, struct ct_error *err)
{
    struct create_ctx *c = p;
    return c->agent->backend->set_state(c->agent->handle, c->req->hostname, "start", err);
}

static enum ct_err step_network(void *p, struct ct_error *err)
{
    struct create_ctx *c = p;
    return c->agent->backend->wait_ipv4(c->agent->handle, c->req->hostname,
                                        c->agent->cfg->ipv4_timeout_s, c->ipv4, sizeof(c->ipv4),
                                        err);
}

static enum ct_err run_in_container(struct create_ctx *c, const char *const *argv,
                                    const void *input, size_t input_len, struct ct_error *err)
{
    struct backend_exec ex = {.argv = argv, .stdin_file = input, .stdin_len = input_len};
    enum ct_err rc = c->agent->backend->exec(c->agent->handle, c->req->hostname, &ex, err);
    if (rc != CT_OK) {
        return rc;
    }
    if (ex.exit_status != 0) {
        /* The words of a program in the user's own container (useradd's): theirs to see. */
        ct_error_set(err, CT_ERR_BACKEND, "%s exited with %d%s%s", argv[0], ex.exit_status,
                     ex.stderr_excerpt[0] ? ": " : "", ex.stderr_excerpt);
        err->detail_public = true;
        return CT_ERR_BACKEND;
    }
    return CT_OK;
}

/*
 * The template's sudo rule for the owner, as a sudoers.d file of its own
 * (root's, 0440, written through the backend's files API: no shell, and the
 * name is a validated uid).  The account step's part: its undo is the clone's.
 */
static enum ct_err grant_sudo(const struct create_ctx *c, struct ct_error *err)
{
    char path[64 + CT_UID_MAX];
    char rule[2 * CT_UID_MAX + 64];
    const char *uid = c->req->caller.uid;
    snprintf(path, sizeof(path), "/etc/sudoers.d/ctgate-%s", uid);
    int n = snprintf(rule, sizeof(rule), "# made by ctgate for the owner\n%s ALL=(ALL:ALL) %sALL\n",
                     uid, c->tmpl->sudo == TEMPLATE_SUDO_NOPASSWD ? "NOPASSWD: " : "");
    struct backend_file f = {path, rule, (size_t)n, 0440, 0, 0};
    return c->agent->backend->push_file(c->agent->handle, c->req->hostname, &f, err);
}

static enum ct_err step_account(void *p, struct ct_error *err)
{
    struct create_ctx *c = p;
    char uid[24];
    snprintf(uid, sizeof(uid), "%lld", c->req->caller.uid_number);
    /* The name is validated and comes after "--": it can never be an option. */
    const char *const argv[] = {"useradd",          "-m", "-u", uid, "-s", c->tmpl->shell, "--",
                                c->req->caller.uid, NULL};
    enum ct_err rc = run_in_container(c, argv, NULL, 0, err);
    if (rc == CT_OK && c->tmpl->sudo != TEMPLATE_SUDO_NONE) {
        rc = grant_sudo(c, err);
    }
    return rc;
}

static enum ct_err step_keys(void *p, struct ct_error *err)
{
    struct create_ctx *c = p;
    char dir[sizeof(c->home) + 8];
    char path[sizeof(c->home) + 32];
    char line[PUBKEY_LINE_MAX + 2];
    long long id = c->req->caller.uid_number;
    const char *key = ct_param_text(&c->req->param[CT_P_PUBKEY]); /* canonical: request.h */

    snprintf(dir, sizeof(dir), "%s/.ssh", c->home);
    snprintf(path, sizeof(path), "%s/.ssh/authorized_keys", c->home);
    if (!str_copy(line, sizeof(line) - 1, key)) {
        return ct_error_set(err, CT_ERR_BAD_PUBKEY, "key too long");
    }
    size_t n = strlen(line);
    line[n] = '\n'; /* room was kept for it: sizeof(line) - 1 above */
    line[n + 1] = '\0';
    struct backend_file d = {dir, NULL, 0, 0700, id, id};
    struct backend_file f = {path, line, strlen(line), 0600, id, id};
    enum ct_err rc = c->agent->backend->push_file(c->agent->handle, c->req->hostname, &d, err);
    if (rc == CT_OK) {
        rc = c->agent->backend->push_file(c->agent->handle, c->req->hostname, &f, err);
    }
    return rc;
}

/* SPEC §4 step 6: the template's LDAP client, so the directory's people can log in. */
static enum ct_err step_identity(void *p, struct ct_error *err)
{
    struct create_ctx *c = p;
    return identity_configure(c->agent, c->req->hostname, c->req->caller.uid, c->tmpl, err);
}

static void random_password(char *out, size_t len)
{
    static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (size_t i = 0; i < len; i++) {
        out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
    }
    out[len] = '\0';
}

static enum ct_err step_password(void *p, struct ct_error *err)
{
    struct create_ctx *c = p;
    if (!c->agent->cfg->root_password_random) {
        const char *const argv[] = {"passwd", "-l", "root", NULL};
        return run_in_container(c, argv, NULL, 0, err);
    }
    char input[ROOT_PASSWORD_LEN + 8];
    random_password(c->root_password, ROOT_PASSWORD_LEN);
    int n = snprintf(input, sizeof(input), "root:%s\n", c->root_password);
    const char *const argv[] = {"chpasswd", NULL};
    enum ct_err rc = run_in_container(c, argv, input, (size_t)n, err);
    sodium_memzero(input, sizeof(input));
    return rc;
}

/*
 * One after-create hook (hooks.h), inside the finished container.  The hook
 * steps run in order, once each, so the n-th runs c->hooks[n].  A failure
 * under policy "warn" becomes a warning in the result, and a "warn" line in
 * the audit's steps; its undo is the clone's.
 */
static enum ct_err step_hook(void *p, struct ct_error *err)
{
    struct create_ctx *c = p;
    const struct hook_def *hook = c->hooks[c->next_hook++];
    const struct hook_target target = {c->req->hostname, c->req->caller.uid, c->ipv4,
                                       c->request_id};
    char warning[HOOK_WARNING_MAX];
    long start = clock_now_ms();
    enum ct_err rc = hooks_run(hook, c->agent->backend, c->agent->handle, &target, warning,
                               sizeof(warning), err);
    if (rc == CT_OK && warning[0] != '\0') {
        if (c->warnings == NULL) {
            c->warnings = json_array();
        }
        json_array_append_new(c->warnings, json_string(warning));
        if (c->agent->steps != NULL) {
            json_array_append_new(c->agent->steps,
                                  json_pack("{s:s, s:s, s:I}", "step", hook->step, "state", "warn",
                                            "ms", (json_int_t)(clock_now_ms() - start)));
        }
    }
    return rc;
}

/* One step of the deploy (deploy.h); they run in order, once each, like the hooks. */
static enum ct_err step_deploy(void *p, struct ct_error *err)
{
    struct create_ctx *c = p;
    c->deploy.ipv4 = c->ipv4;
    return c->deploy_steps[c->next_deploy++].run(&c->deploy, err);
}

#ifdef CTGATE_FAULT_INJECTION
/* Test builds: the "nginx-broken" fault publishes a file nginx rejects (fault.h). */
static enum ct_err publish_files(const struct create_ctx *c, struct ct_error *err)
{
    const char *fault = c->agent->fail_after;
    if (fault != NULL && strcmp(fault, "nginx-broken") == 0) {
        return publish_apply_broken(c->agent->cfg, err);
    }
    return publish_apply(c->agent->cfg, err);
}
#else
static enum ct_err publish_files(const struct create_ctx *c, struct ct_error *err)
{
    return publish_apply(c->agent->cfg, err);
}
#endif

/*
 * Record the address in the registry and regenerate nginx's files from it;
 * then the create is settled: from here on a crash leaves a finished container.
 */
static enum ct_err step_publish(void *p, struct ct_error *err)
{
    struct create_ctx *c = p;
    const struct agent_config *cfg = c->agent->cfg;
    enum ct_err rc = CT_OK;
    struct addr_subnet net;
    if (cfg->publish.enabled) {
        /* The backend's address came from LXD's lease; it must lie in publish.subnet too. */
        enum addr_verdict v = addr_subnet_parse(cfg->publish.subnet, &net)
                                  ? addr_policy_check(&net, c->ipv4)
                                  : ADDR_OUTSIDE;
        if (v != ADDR_OK) {
            return ct_error_set(err, CT_ERR_NOT_ALLOWED,
                                "the container's address %s %s (publish.subnet %s): it is not "
                                "published",
                                c->ipv4, addr_policy_reason(v), cfg->publish.subnet);
        }
        rc = registry_set_address(cfg->state_dir, c->req->hostname, c->request_id, c->ipv4,
                                  c->http_port, err);
        if (rc == CT_OK) {
            rc = publish_files(c, err);
        }
    }
    if (rc == CT_OK) {
        rc = registry_settle(cfg->state_dir, c->req->hostname, c->request_id, err);
    }
    return rc;
}

static void undo_publish(void *p)
{
    struct create_ctx *c = p;
    const struct agent_config *cfg = c->agent->cfg;
    struct ct_error ignored = {0};
    if (cfg->publish.enabled &&
        registry_set_address(cfg->state_dir, c->req->hostname, c->request_id, NULL, 0,
                             &ignored) == CT_OK) {
        publish_apply(cfg, &ignored);
    }
}

/*
 * The account, key and password steps need the container running but not its
 * network: they run while its DHCP client is still getting its lease, and
 * "network" then mostly finds the lease there (issue 17: ~0.17 s of a busybox
 * create was spent waiting for it before they started).  The identity step
 * (sssd asks the directory), the deploy and the hooks need the network.
 */
static const struct step create_steps[] = {
    {"reserve", step_reserve, undo_reserve, NULL},
    {"claim", step_claim, undo_claim, not_claimed}, /* planned only with a pool (pool.h) */
    {"clone", step_clone, undo_clone, claimed},
    {"start", step_start, NULL, claimed},
    {"account", step_account, NULL, NULL},
    {"keys", step_keys, NULL, NULL},
    {"password", step_password, NULL, NULL},
    {"network", step_network, NULL, NULL},
    {"identity", step_identity, NULL, NULL},
    {"publish", step_publish, undo_publish, NULL},
};

/* create_steps plus the deploy's and one "hook:NAME" step per hook: what a create runs. */
#define CREATE_STEPS_MAX \
    (sizeof(create_steps) / sizeof(create_steps[0]) + DEPLOY_STEPS_MAX + HOOKS_MAX)

/*
 * This create's steps: create_steps[] with a "hook:NAME" step for each
 * after-create hook of its template spliced in right before "publish", so a
 * hook sees a finished container (account, keys, password) and a hook that
 * fails leaves nginx untouched.  Returns how many steps out holds.
 */
static size_t plan_steps(struct create_ctx *c, struct step out[CREATE_STEPS_MAX])
{
    const struct hooks_config *hooks = &c->agent->cfg->hooks;
    size_t n = 0;
    c->nhooks = 0;
    c->next_hook = 0;
    for (size_t i = 0; i < hooks->nafter_create && c->nhooks < HOOKS_MAX; i++) {
        if (hooks_applies(&hooks->after_create[i], c->tmpl->name)) {
            c->hooks[c->nhooks++] = &hooks->after_create[i];
        }
    }
    size_t ndeploy = deploy_plan(&c->deploy, c->deploy_steps);
    c->next_deploy = 0;
    for (size_t i = 0; i < sizeof(create_steps) / sizeof(create_steps[0]); i++) {
        if (strcmp(create_steps[i].name, "claim") == 0 && c->tmpl->pool == 0) {
            continue;
        }
        if (strcmp(create_steps[i].name, "publish") == 0) {
            for (size_t d = 0; d < ndeploy; d++) {
                out[n++] = (struct step){c->deploy_steps[d].name, step_deploy, NULL, NULL};
            }
            for (size_t h = 0; h < c->nhooks; h++) {
                out[n++] = (struct step){c->hooks[h]->step, step_hook, NULL, NULL};
            }
        }
        out[n++] = create_steps[i];
    }
    return n;
}

/*
 * The fingerprint of the SSH host key the container made at its first boot,
 * so its owner can check the first login.  Read once the steps are done
 * (the key is made early in the boot, before sshd starts); waits up to 10 s
 * for it, then gives up with "" (the create has succeeded all the same).
 * The file is parsed as a public key before it is believed: nothing else the
 * container wrote there reaches the summary.
 */
static void read_host_key(const struct create_ctx *c, char out[PUBKEY_FINGERPRINT_LEN])
{
    const struct agent_ctx *a = c->agent;
    long deadline = clock_now_ms() + 10L * 1000;
    out[0] = '\0';
    for (;;) {
        struct buf text;
        struct ct_error why = {0};
        buf_init(&text, PUBKEY_LINE_MAX + 2);
        enum ct_err rc = a->backend->read_file(a->handle, c->req->hostname,
                                               "/etc/ssh/ssh_host_ed25519_key.pub", &text, &why);
        if (rc == CT_OK && text.data != NULL) {
            struct pubkey key;
            size_t len = strcspn(text.data, "\n");
            text.data[len] = '\0';
            const char *bad = NULL;
            if (pubkey_parse(text.data, len, &key, &bad)) {
                pubkey_fingerprint(&key, out);
                pubkey_free(&key);
            }
        }
        buf_free(&text);
        if (rc != CT_ERR_NOT_FOUND || clock_now_ms() > deadline) {
            return;
        }
        struct timespec pause = {0, 200L * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

/* What the container was given: limits (as applied), expiry, the app's port. */
static void add_limits(json_t *data, const struct create_ctx *c)
{
    char cpu[16] = "";
    char memory[32] = "";
    char disk[32] = "";
    if (c->limits.cpu != 0) {
        snprintf(cpu, sizeof(cpu), "%d", c->limits.cpu);
    }
    if (c->limits.memory_bytes != 0) {
        units_format_size(c->limits.memory_bytes, memory, sizeof(memory));
    }
    if (c->limits.disk_bytes != 0) {
        units_format_size(c->limits.disk_bytes, disk, sizeof(disk));
    }
    json_object_set_new(data, "limits",
                        json_pack("{s:s?, s:s?, s:s?}", "cpu", cpu[0] ? cpu : NULL, "memory",
                                  memory[0] ? memory : NULL, "disk", disk[0] ? disk : NULL));
    if (c->expires[0] != '\0') {
        json_object_set_new(data, "expires", json_string(c->expires));
    }
}

/*
 * This request id holds the name already: wait for the first attempt's
 * outcome (or, if it finished but died before recording one, describe the
 * container it made).  CT_ERR_NOT_FOUND when it holds nothing.
 */
static enum ct_err await_first(struct agent_ctx *ctx, const struct request *req,
                               const char *digest, json_t **data, struct ct_error *err)
{
    const struct agent_config *cfg = ctx->cfg;
    long deadline = clock_now_ms() + (long)cfg->operation_timeout_s * 1000;
    bool said = false;
    for (;;) {
        enum ct_err rc = outcome_find(cfg->state_dir, req->request_id, req->caller.uid, digest,
                                      data, err);
        if (rc != CT_ERR_NOT_FOUND) {
            return rc;
        }
        struct registry_entry entry;
        bool found = false;
        if (registry_lookup(cfg->state_dir, req->hostname, &entry, &found, err) != CT_OK) {
            return err->code;
        }
        bool ours = found && strcmp(entry.request_id, req->request_id) == 0 &&
                    strcmp(entry.owner, req->caller.uid) == 0; /* ids are scoped to owners */
        bool running = ours && entry.pending != REGISTRY_SETTLED &&
                       !registry_entry_abandoned(&entry);
        bool settled = ours && entry.pending == REGISTRY_SETTLED;
        if (settled) { /* finished, then died before recording: describe what it made */
            struct backend_instance inst;
            if ((rc = ops_get_own(ctx, req, &inst, err)) != CT_OK) {
                return rc;
            }
            *data = ops_instance_json(&inst);
            json_object_set_new(*data, "repeated", json_true());
            return CT_OK;
        }
        if (!running) {
            return CT_ERR_NOT_FOUND;
        }
        if (!said && ctx->out != NULL) {
            proto_progress(ctx->out, "wait", "begin", 0, NULL);
            said = true;
        }
        if (clock_now_ms() > deadline) {
            ct_error_set(err, CT_ERR_TIMEOUT, "request %s is still running", req->request_id);
            err->detail_public = true; /* the user's own request id */
            return CT_ERR_TIMEOUT;
        }
        struct timespec pause = {0, 200L * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

static void new_request_id(char *out, size_t len)
{
    unsigned char rnd[16];
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(out, len, rnd, sizeof(rnd));
}

enum ct_err op_create(struct agent_ctx *ctx, const struct request *req, json_t **data,
                      struct ct_error *err)
{
    struct create_ctx c = {.agent = ctx, .req = req};
    char digest[OUTCOME_DIGEST_HEX];

    outcome_digest(req, digest);
    if (req->request_id[0] != '\0') { /* a repeat returns the first result */
        enum ct_err first = await_first(ctx, req, digest, data, err);
        if (first != CT_ERR_NOT_FOUND) {
            return first;
        }
    }
    c.tmpl = agent_config_template(ctx->cfg, req->template_name);
    if (c.tmpl == NULL) {
        return ct_error_set(err, CT_ERR_BAD_TEMPLATE, "%s", req->template_name);
    }
    if (agent_config_is_reserved(ctx->cfg, req->hostname) || pool_name(req->hostname)) {
        return ct_error_set(err, CT_ERR_NOT_ALLOWED, "hostname %s is reserved", req->hostname);
    }
    enum ct_err rc;
    if ((rc = deploy_check(ctx, req, c.tmpl, err)) != CT_OK) {
        return rc;
    }
    const struct publish_config *pub = &ctx->cfg->publish;
    const struct policy_config *policy = &ctx->cfg->policy;
    bool admin = request_caller_in_group(req, ctx->cfg->admin_group);
    struct quota quota = policy_quota(policy, req->caller.uid, admin);
    long long expires_in = 0;
    const struct ct_param_value *expiry = &req->param[CT_P_EXPIRES];
    struct size_spec asked = request_limits(req);
    if ((rc = policy_resolve_size(policy, c.tmpl, ct_param_text(&req->param[CT_P_SIZE]), &asked,
                                  &c.limits, err)) != CT_OK ||
        (rc = policy_resolve_expiry(policy, expiry->set, ct_param_number(expiry), &expires_in,
                                    err)) != CT_OK) {
        return rc;
    }
    if (quota.memory_bytes != 0 && c.limits.memory_bytes == 0) {
        return ct_error_set(err, CT_ERR_BAD_VALUE,
                            "a memory limit is needed under your memory quota: give --memory or "
                            "--size");
    }
    c.ports.memory_bytes = c.limits.memory_bytes;
    c.ports.quota_containers = quota.containers;
    c.ports.quota_memory_bytes = quota.memory_bytes;
    c.ports.reuse_cooldown_s = ctx->cfg->reuse_cooldown_s;
    c.ports.ctid_min = ctx->cfg->ctid_min;
    c.ports.ctid_max = ctx->cfg->ctid_max;
    c.ports.addr_min = ctx->cfg->addr_min;
    c.ports.addr_max = ctx->cfg->addr_max;
    struct procid self;
    c.ports.worker = procid_self(&self) ? &self : NULL;
    const struct ct_param_value *http_port = &req->param[CT_P_HTTP_PORT];
    c.http_port = http_port->set ? (int)http_port->number : pub->http_port;
    if (expires_in != 0) {
        timefmt_rfc3339(time(NULL) + (time_t)expires_in, c.expires, sizeof(c.expires));
    }
    if (pub->enabled) {
        c.ports.ssh = (struct port_range){pub->ssh_port_min, pub->ssh_port_max};
        c.ports.proto = (struct port_range){pub->protocol_port_min, pub->protocol_port_max};
    }
    const struct ct_param_value *protocols = &req->param[CT_P_PROTOCOLS];
    for (size_t i = 0; i < protocols->nitems; i++) {
        const struct protocol *p = protocols_find(&ctx->cfg->protocols, protocols->items[i]);
        if (p == NULL || !pub->enabled) {
            return ct_error_set(err, CT_ERR_BAD_REQUEST, "unknown protocol %s",
                                protocols->items[i]);
        }
        c.ports.proto_list[c.ports.nproto++] = p;
    }
    if (req->request_id[0] != '\0') {
        str_copy(c.request_id, sizeof(c.request_id), req->request_id);
    } else {
        new_request_id(c.request_id, sizeof(c.request_id));
    }
    timefmt_rfc3339(time(NULL), c.created, sizeof(c.created));
    snprintf(c.home, sizeof(c.home), "/home/%s", req->caller.uid);
    if ((rc = deploy_setup(&c.deploy, ctx, req, c.tmpl, c.home, c.http_port, err)) != CT_OK) {
        deploy_ctx_free(&c.deploy);
        return rc;
    }
    /* Counted only now: a request refused by the checks above cost nothing. */
    if ((rc = ratelimit_take(ctx->cfg->state_dir, req->caller.uid, quota.creates_per_hour,
                             time(NULL), err)) != CT_OK) {
        deploy_ctx_free(&c.deploy); /* wipes the services' passwords */
        return rc;
    }

    struct step steps[CREATE_STEPS_MAX];
    size_t nsteps = plan_steps(&c, steps);
    rc = ops_run_steps(ctx, steps, nsteps, &c, err);
    if (c.tmpl->pool > 0) {
        pool_fill_later(ctx); /* what this create took (or found missing) is made again */
    }
    if (rc != CT_OK && c.undo_incomplete) {
        /* Told to everyone, the detail (LXD's words) only to the log. */
        err->note = "the rollback could not reach the backend and finishes once it answers "
                    "(reconcile --fix, or the next create of the same name)";
    }
    if (rc == CT_ERR_HOSTNAME_TAKEN && c.ports.same_request) {
        /* The same request, sent twice at once: this one lost the race to reserve. */
        sodium_memzero(c.root_password, sizeof(c.root_password));
        json_decref(c.warnings); /* none: reserve was the first step */
        deploy_ctx_free(&c.deploy);
        enum ct_err first = await_first(ctx, req, digest, data, err);
        return first == CT_ERR_NOT_FOUND
                   ? ct_error_set(err, CT_ERR_HOSTNAME_TAKEN, "%s", req->hostname)
                   : first;
    }
    if (rc == CT_OK) {
        *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", req->hostname, "ipv4",
                          c.ipv4, "template", c.tmpl->name, "owner", req->caller.uid, "user",
                          req->caller.uid, "created", c.created, "request_id", c.request_id);
        if (*data == NULL) {
            rc = ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        } else {
            add_limits(*data, &c);
            if (c.ctid != 0) {
                json_object_set_new(*data, "ctid", json_integer(c.ctid));
            }
            if (req->param[CT_P_DESCRIPTION].set) {
                json_object_set_new(*data, "description",
                                    json_string(req->param[CT_P_DESCRIPTION].text));
            }
            if (ctx->cfg->root_password_random) {
                json_object_set_new(*data, "root_password", json_string(c.root_password));
            }
            if (c.warnings != NULL) {
                json_object_set_new(*data, "warnings", json_incref(c.warnings));
            }
            if (c.tmpl->sshd && ctx->backend->read_file != NULL) {
                char host_key[PUBKEY_FINGERPRINT_LEN] = "";
                read_host_key(&c, host_key);
                json_object_set_new(*data, "ssh_host_key",
                                    host_key[0] ? json_string(host_key) : json_null());
            }
            struct registry_entry entry;
            bool found = false;
            struct ct_error ignored = {0};
            if (registry_lookup(ctx->cfg->state_dir, req->hostname, &entry, &found, &ignored) ==
                    CT_OK &&
                found) {
                publish_describe(&ctx->cfg->publish, &entry, *data);
            }
        }
    }
    if (rc == CT_OK && c.deploy.repo != NULL) { /* for redeploy; a create does not fail for it */
        struct ct_error why = {0};
        if (deploy_record_save(ctx->cfg->state_dir, req, c.request_id, &why) != CT_OK) {
            char msg[512];
            ct_error_format(&why, msg, sizeof(msg));
            log_error("create %s: the deploy record was not written: %s", req->hostname, msg);
        }
    }
    outcome_record(ctx->cfg->state_dir, c.request_id, req->caller.uid, digest,
                   rc == CT_OK ? *data : NULL, rc == CT_OK ? NULL : err);
    sodium_memzero(c.root_password, sizeof(c.root_password));
    json_decref(c.warnings);
    deploy_ctx_free(&c.deploy);
    return rc;
}
