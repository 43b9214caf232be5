/*
 * backend.h - what the agent needs from a container backend.
 *
 * A backend is a driver in backend/ (one file each, like curl's lib/vtls/):
 * a const struct backend_ops of functions, a capability mask, and hooks that
 * read its own section of agent.conf.  backend.c holds the table of drivers;
 * it is the only place that names them.  LXD (backend/lxd.c) is the first.
 *
 * Lifetime: agent_config_load() finds the driver named by `backend`, and
 * load_settings() parses the driver's section into settings only it reads
 * (agent_config_free() hands them back to free_settings()).  open() makes a
 * handle for one agent run from the config; close() frees it.
 *
 * Every function returns CT_OK or an error with a detail in err; none of them
 * logs secrets.  Names passed in are already validated hostnames; ownership
 * decisions are the caller's (ops-*.c), a backend only reports metadata.
 * Not thread-safe: one handle per agent run.
 */
#ifndef CTGATE_BACKEND_H
#define CTGATE_BACKEND_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "agent-config.h"
#include "buf.h"
#include "error.h"
#include "template-recipe.h"
#include "validate.h"

struct backend_instance {
    char name[CT_HOSTNAME_MAX + 1];
    char state[24]; /* "Running", "Stopped", ... as the backend says */
    char ipv4[48];  /* as wait_ipv4 would give it now; "" when none, refused, or from list */
    char owner[CT_UID_MAX + 1];
    char request_id[CT_REQUEST_ID_MAX + 1];
    char template_name[CT_TEMPLATE_MAX + 1];
    char created[32]; /* RFC 3339, UTC */
    char expires[32]; /* RFC 3339, UTC; "" when it never expires */
    char cpu[16];     /* limits as the backend reports them, "" when none */
    char memory[24];
    char disk[24];
    char description[CT_DESCRIPTION_MAX + 1]; /* create --description, "" when none */
    long long ctid; /* its number on the site (backend_create.ctid; Proxmox: the vmid); 0: none */
    /* A warm pool's container of this template, not handed out (no owner); "" otherwise */
    char pool[CT_TEMPLATE_MAX + 1];
    char image[72]; /* the fingerprint of the image it was made from, "" when unknown */
    bool managed; /* carries ctgate metadata (an owner, or a pool) */
};

struct backend_create {
    const char *name;
    const struct template_def *tmpl;
    const char *owner; /* NULL: a warm pool's container of tmpl (pool.h), owned by no one */
    /* adopt: the hostname the container answers to, kept with it when name (its instance's
       name) differs, so the backend can tell it without the registry; NULL otherwise */
    const char *hostname;
    const char *request_id;
    const char *created;
    const char *expires;     /* RFC 3339, or NULL: never */
    const char *description; /* free text (validate_text), or NULL: none */
    /*
     * cpu, memory and root disk size (0: none), applied by the create itself;
     * the caller passes a disk only when backend_can(BACKEND_CAN_LIMIT_DISK)
     * said yes.  NULL: none.
     */
    const struct size_spec *limits;
    /*
     * The CTID the registry reserved with the name (0: none), kept with the
     * instance (LXD: in its metadata; Proxmox: it is the vmid).  A backend
     * that must use another number (the id was taken outside ctgate) says
     * which in *ctid_out; otherwise it leaves *ctid_out alone.
     */
    long long ctid;
    long long *ctid_out;
    /*
     * The static IPv4 address the registry reserved with the name ("" or
     * NULL: none, the network's DHCP gives one), for the instance's NIC
     * before it starts; only for a backend that supports
     * BACKEND_CAN_STATIC_ADDRESS.
     */
    const char *address;
    /*
     * Out, may be NULL: set true when the create failed before the backend
     * made anything (no node could take it, the token was refused, the clone
     * was refused at once), so the rollback need not look for an instance (it
     * could not, when the backend refuses us).  Left false when unsure.
     */
    bool *nothing_made;
};

struct backend_exec {
    const char *const *argv; /* NULL-terminated; never a shell line with user text */
    const void *stdin_file;  /* when not NULL: pushed to a root-only file and fed as stdin */
    size_t stdin_len;
    const char *const *env; /* NULL-terminated "NAME=value" added to the environment; NULL: none */
    int timeout_s;          /* the longest wait for the command; 0: the backend's own timeout */
    long long uid;          /* run as this user and group inside (0: root) */
    long long gid;
    const char *cwd;        /* the working directory inside; NULL: the backend's default */
    /*
     * Called about once a second while the command runs (it may use the
     * backend); returning false stops the wait as a timeout would.  NULL: none.
     */
    bool (*on_wait)(void *ctx);
    void *on_wait_ctx;
    int exit_status;          /* out */
    char stderr_excerpt[160]; /* out: first line of stderr, for error details */
    bool timed_out;           /* out: ran past timeout_s (the call returned CT_ERR_TIMEOUT) */
    bool still_running;       /* out, with timed_out: the backend could not stop it */
};

struct backend_file {
    const char *path;
    const void *data; /* NULL for a directory */
    size_t len;
    int mode;
    long long uid;
    long long gid;
};

/*
 * What a backend can do (struct backend_ops.supports), like curl's SSLSUPP_*
 * bits: a caller asks the mask, never the backend's name.
 */
#define BACKEND_CAN_LIMIT_DISK (1u << 0)   /* set_limits applies spec->disk_bytes */
#define BACKEND_CAN_IMPORT_IMAGE (1u << 1) /* import_image and image_info: template builds */
#define BACKEND_CAN_STATIC_ADDRESS (1u << 2) /* create gives the NIC backend_create.address */
#define BACKEND_CAN_POOL (1u << 3) /* adopt: a warm pool (pool.h) */

/*
 * One finding of a doctor (admin/doctor.c): what was checked, whether it
 * passed, what was seen, and what to do when it did not (NULL: nothing).
 */
typedef void (*backend_say_fn)(void *ctx, const char *name, bool ok, const char *detail,
                               const char *fix);

/* One snapshot of an instance, as snapshot_list reports it. */
struct backend_snapshot {
    char name[CT_SNAPSHOT_MAX + 1];
    char created[40]; /* RFC 3339, as the backend says */
};
#define BACKEND_SNAPSHOTS_MAX 1000

/*
 * What export_backup streams to, and how long it may take.  write gets the
 * backup's bytes in order (false stops the export: the call then fails);
 * tick is called every few seconds while the backend packs (so the agent
 * can tell the gateway it is alive; false stops it too).  Streaming has no
 * overall limit (it goes at the user's pace) but stops after a minute
 * without a byte.  format says what the bytes are.
 */
struct backend_export {
    int timeout_s; /* for packing */
    bool (*write)(void *ctx, const void *bytes, size_t len);
    bool (*tick)(void *ctx); /* may be NULL */
    void *ctx;
    char format[48]; /* out: e.g. "lxd-backup, gzip (lxc import)" */
};

/* An image as image_info and import_image report it. */
struct backend_image {
    char fingerprint[72];
    long long size;                   /* bytes, as the backend stores it */
    char built[32];                   /* when ctgate built it (RFC 3339); "" when ctgate did not */
    char inputs[TEMPLATE_INPUTS_HEX]; /* its build's inputs hash; "" when ctgate did not build it */
};

/*
 * What import_image makes an image from.  package is the backend's own
 * image file (LXD: a unified tarball), kept in the template cache: when it
 * exists it is imported as it is; when not, the backend makes it from the
 * root filesystem at workdir/rootfs (writing what else it needs into
 * workdir) and then imports it.  The properties are recorded on the image.
 */
struct backend_image_source {
    const char *workdir;       /* holds rootfs/; NULL when package exists */
    const char *package;       /* absolute path in the template cache */
    const char *template_name; /* validated names and hex only: they go into metadata */
    const char *suite;
    const char *inputs;
    const char *built; /* RFC 3339 */
    int timeout_s;     /* for packing and the import itself */
};

struct backend_ops {
    const char *name;  /* the value of `backend` in agent.conf that selects it */
    unsigned supports; /* BACKEND_CAN_* this backend can ever do */
    /*
     * Read and validate this backend's own section of agent.conf (LXD:
     * `lxd = { socket; pool; profile; ... }`) into a struct of its own.
     * *settings is the backend's (opaque to everyone else), released with
     * free_settings(); on error nothing is left allocated.
     */
    enum ct_err (*load_settings)(const config_t *conf, void **settings, struct ct_error *err);
    void (*free_settings)(void *settings);
    /*
     * Is image (a template's `image`, a string) something this backend can
     * create from: an LXD image alias, a Proxmox template's VMID?  Called for
     * every template at load time; CT_ERR_CONFIG with a short reason if not.
     */
    enum ct_err (*check_image)(const void *settings, const char *image, struct ct_error *err);
    /*
     * Optional: narrow want (bits of supports) to what this site's setup
     * allows, into *have (e.g. LXD's dir storage driver cannot limit a root
     * disk).  May cost a call to the backend, so callers ask only when the
     * answer matters (backend_can).  NULL: everything in supports, always.
     */
    enum ct_err (*probe)(void *h, unsigned want, unsigned *have, struct ct_error *err);
    /* cfg (and cfg->backend_settings) outlive the handle. */
    enum ct_err (*open)(const struct agent_config *cfg, void **handle, struct ct_error *err);
    void (*close)(void *handle);
    enum ct_err (*create)(void *h, const struct backend_create *args, struct ct_error *err);
    /*
     * BACKEND_CAN_POOL (NULL otherwise).  Hand the running pooled instance
     * args->name (made by create with owner NULL) to its owner: the metadata
     * and limits create would have given it, applied live, after which it
     * is no longer pooled.  args->address, ctid_out and nothing_made are not
     * used.  The caller destroys the instance when this fails.
     */
    enum ct_err (*adopt)(void *h, const struct backend_create *args, struct ct_error *err);
    /* action: "start", "stop" or "restart"; stop and restart do not wait for a clean shutdown. */
    enum ct_err (*set_state)(void *h, const char *name, const char *action, struct ct_error *err);
    /*
     * The address to publish: one the backend's own DHCP handed to the
     * instance's NIC, that the NIC holds now and addr-policy.h allows; never
     * what the instance merely reports.  Waits up to timeout_s while it has
     * none (CT_ERR_TIMEOUT); a refused one is CT_ERR_NOT_ALLOWED naming it.
     */
    enum ct_err (*wait_ipv4)(void *h, const char *name, int timeout_s, char *out, size_t len,
                             struct ct_error *err);
    enum ct_err (*exec)(void *h, const char *name, struct backend_exec *ex, struct ct_error *err);
    enum ct_err (*push_file)(void *h, const char *name, const struct backend_file *file,
                             struct ct_error *err);
    /*
     * A regular file's content from inside the instance into out (at most
     * out's ceiling, set by the caller with buf_init); CT_ERR_NOT_FOUND when
     * it does not exist (yet).  What the instance holds is its owner's, who
     * is root there: callers parse it as hostile input.
     */
    enum ct_err (*read_file)(void *h, const char *name, const char *path, struct buf *out,
                             struct ct_error *err);
    /* Stops (forcefully) and deletes; a missing instance is success. */
    enum ct_err (*destroy)(void *h, const char *name, struct ct_error *err);
    /* CT_ERR_NOT_FOUND when there is no such instance. */
    enum ct_err (*get)(void *h, const char *name, struct backend_instance *out,
                       struct ct_error *err);
    /*
     * Every instance carrying ctgate metadata; *out is malloc'd, caller
     * frees.  Reads no instance's state: ipv4 is "" (an instance's owner
     * must not be able to make everybody's list fail).
     */
    enum ct_err (*list)(void *h, struct backend_instance **out, size_t *n, struct ct_error *err);
    /*
     * BACKEND_CAN_IMPORT_IMAGE (NULL otherwise).  The image a template's
     * `image` names now; CT_ERR_NOT_FOUND when there is none.
     */
    enum ct_err (*image_info)(void *h, const char *image, struct backend_image *out,
                              struct ct_error *err);
    /*
     * Import src (see struct backend_image_source) and make image name it;
     * the image it named before is deleted when ctgate built it and nothing
     * else names it.  On failure image still names what it named before (or
     * nothing) and no new image is left behind.  *out describes the image.
     */
    enum ct_err (*import_image)(void *h, const char *image, const struct backend_image_source *src,
                                struct backend_image *out, struct ct_error *err);
    /*
     * `ctgate-agent doctor`: check what this site's setup needs (LXD: the
     * server answers and trusts us, the pool, the profile with a NIC on a
     * managed network) and say each finding.  NULL: nothing to check.
     */
    void (*doctor)(void *h, backend_say_fn say, void *ctx);
    /*
     * Snapshots of an instance's filesystem (not its memory).  create:
     * CT_ERR_EXISTS when one of that name exists; list: *out a new array
     * (free()), oldest first, at most BACKEND_SNAPSHOTS_MAX; restore: the
     * instance must be stopped, CT_ERR_NOT_FOUND when there is no such one.
     */
    enum ct_err (*snapshot_create)(void *h, const char *name, const char *snap,
                                   struct ct_error *err);
    enum ct_err (*snapshot_list)(void *h, const char *name, struct backend_snapshot **out,
                                 size_t *n, struct ct_error *err);
    enum ct_err (*snapshot_restore)(void *h, const char *name, const char *snap,
                                    struct ct_error *err);
    /* CT_ERR_NOT_FOUND when there is no such snapshot. */
    enum ct_err (*snapshot_delete)(void *h, const char *name, const char *snap,
                                   struct ct_error *err);
    /*
     * A compressed backup of the instance (files and configuration, no
     * snapshots), in the backend's own import format, streamed to ex->write.
     * Nothing of it stays on the host afterwards, on success or failure
     * (LXD: the backup carries an expiry, so even a killed agent's is
     * removed).  NULL: the backend cannot export.
     */
    enum ct_err (*export_backup)(void *h, const char *name, struct backend_export *ex,
                                 struct ct_error *err);
};

/*
 * One look at an instance's address for wait_ipv4: *verdict (addr-policy.h)
 * and, unless ADDR_NOT_YET, the address in out.
 */
typedef enum ct_err (*backend_address_fn)(void *ctx, int *verdict, char *out, size_t len,
                                          struct ct_error *err);
/*
 * wait_ipv4's loop, the same for every driver: look every pause_ms until
 * the address is allowed (CT_OK), a refusal has lasted 2 s (CT_ERR_NOT_ALLOWED
 * naming it: a lease is written as it is handed out, so a refusal that lasts
 * is final) or timeout_s passed (CT_ERR_TIMEOUT).  out is "" unless CT_OK.
 */
enum ct_err backend_wait_address(backend_address_fn look, void *ctx, int timeout_s, long pause_ms,
                                 char *out, size_t len, struct ct_error *err);

/* The backend called name in the table, or NULL. */
const struct backend_ops *backend_find(const char *name);
/* The backend used when agent.conf names none (the table's first). */
const struct backend_ops *backend_default(void);
/* The table's names for a message, quoted: "lxd" or "a", "b" or "c". */
void backend_names(char *out, size_t len);
/*
 * Whether the opened backend h can do everything in want right now: its
 * supports, narrowed by its probe when it has one.  *yes is false on error.
 */
enum ct_err backend_can(const struct backend_ops *ops, void *h, unsigned want, bool *yes,
                        struct ct_error *err);

/* The drivers (backend/NAME.c); only backend.c's table refers to them. */
extern const struct backend_ops backend_lxd;
extern const struct backend_ops backend_proxmox;

#endif
