/* template-rootfs.c - see template-rootfs.h. */
#include "template-rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "run.h"

#define DPKG_STATUS_MAX ((size_t)32 * 1024 * 1024)
#define CA_FILE_MAX ((size_t)256 * 1024)

static const char keygen_unit[] = "[Unit]\n"
                                  "Description=Make this container's own SSH host keys (ctgate)\n"
                                  "ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key\n"
                                  "Before=ssh.service\n"
                                  "\n"
                                  "[Service]\n"
                                  "Type=oneshot\n"
                                  "ExecStart=/usr/bin/ssh-keygen -A\n"
                                  "\n"
                                  "[Install]\n"
                                  "WantedBy=multi-user.target\n";

static const char interfaces[] = "# Written by ctgate's template build.\n"
                                 "auto lo\n"
                                 "iface lo inet loopback\n"
                                 "\n"
                                 "auto eth0\n"
                                 "iface eth0 inet dhcp\n";

static enum ct_err path_in(const char *rootfs, const char *rel, char *out, size_t len,
                           struct ct_error *err)
{
    if ((size_t)snprintf(out, len, "%s/%s", rootfs, rel) >= len) {
        return ct_error_set(err, CT_ERR_INTERNAL, "path too long: %s/%s", rootfs, rel);
    }
    return CT_OK;
}

static enum ct_err write_file(const char *rootfs, const char *rel, const void *data, size_t len,
                              int mode, struct ct_error *err)
{
    char path[PATH_MAX];
    enum ct_err rc = path_in(rootfs, rel, path, sizeof(path), err);
    if (rc != CT_OK) {
        return rc;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
    bool ok =
        fd >= 0 && (len == 0 || write(fd, data, len) == (ssize_t)len) && fchmod(fd, mode) == 0;
    if (fd >= 0 && close(fd) != 0) {
        ok = false;
    }
    return ok ? CT_OK
              : ct_error_set(err, CT_ERR_INTERNAL, "cannot write %s: %s", path, strerror(errno));
}

static enum ct_err make_dir(const char *rootfs, const char *rel, struct ct_error *err)
{
    char path[PATH_MAX];
    enum ct_err rc = path_in(rootfs, rel, path, sizeof(path), err);
    if (rc == CT_OK && mkdir(path, 0755) != 0 && errno != EEXIST) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "cannot make %s: %s", path, strerror(errno));
    }
    return rc;
}

/* rootfs/rel becomes a symlink to target (replacing what was there). */
static enum ct_err make_link(const char *rootfs, const char *rel, const char *target,
                             struct ct_error *err)
{
    char path[PATH_MAX];
    enum ct_err rc = path_in(rootfs, rel, path, sizeof(path), err);
    if (rc != CT_OK) {
        return rc;
    }
    if ((unlink(path) != 0 && errno != ENOENT) || symlink(target, path) != 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot link %s: %s", path, strerror(errno));
    }
    return CT_OK;
}

/* Remove rootfs/etc/ssh/ssh_host_* (made by openssh-server's postinst: the same in every copy). */
static enum ct_err remove_host_keys(const char *rootfs, struct ct_error *err)
{
    char dir[PATH_MAX];
    enum ct_err rc = path_in(rootfs, "etc/ssh", dir, sizeof(dir), err);
    DIR *d = rc == CT_OK ? opendir(dir) : NULL;
    if (d == NULL) {
        return rc != CT_OK
                   ? rc
                   : ct_error_set(err, CT_ERR_INTERNAL, "cannot read %s: %s", dir, strerror(errno));
    }
    struct dirent *e;
    while (rc == CT_OK && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "ssh_host_", 9) == 0 && unlinkat(dirfd(d), e->d_name, 0) != 0) {
            rc = ct_error_set(err, CT_ERR_INTERNAL, "cannot remove %s/%s: %s", dir, e->d_name,
                              strerror(errno));
        }
    }
    closedir(d);
    return rc;
}

/* Each CA into usr/local/share/ca-certificates/ctgate-N.crt, then update-ca-certificates. */
static enum ct_err install_cas(const char *rootfs, const struct template_recipe *r, int timeout_s,
                               struct ct_error *err)
{
    enum ct_err rc = CT_OK;
    for (size_t i = 0; rc == CT_OK && i < r->nca; i++) {
        struct buf pem;
        buf_init(&pem, CA_FILE_MAX);
        int rd = buf_read_file(&pem, r->ca_certificates[i]);
        if (rd != 0 || pem.data == NULL ||
            strstr(pem.data, "-----BEGIN CERTIFICATE-----") == NULL) {
            rc = ct_error_set(err, CT_ERR_CONFIG, "%s: %s", r->ca_certificates[i],
                              rd != 0 ? strerror(-rd) : "not a PEM certificate");
        } else {
            char rel[96];
            snprintf(rel, sizeof(rel), "usr/local/share/ca-certificates/ctgate-%zu.crt", i + 1);
            rc = write_file(rootfs, rel, pem.data, pem.len, 0644, err);
        }
        buf_free(&pem);
    }
    if (rc == CT_OK && r->nca > 0) {
        char *argv[] = {"/usr/sbin/chroot", (char *)rootfs, "/usr/sbin/update-ca-certificates",
                        NULL};
        rc = run_argv(argv, timeout_s, err);
    }
    return rc;
}

/*
 * The services' units were enabled by their packages' postinst
 * (deb-systemd-helper): disable them, so that a container runs one only when
 * its create asked for it.  systemctl works offline in a chroot (no manager
 * is asked); the image's own systemctl, argv only.
 */
static enum ct_err disable_units(const char *rootfs, const struct template_recipe *r, int timeout_s,
                                 struct ct_error *err)
{
    enum ct_err rc = CT_OK;
    for (size_t i = 0; rc == CT_OK && i < r->nunits; i++) {
        char *argv[] = {"/usr/sbin/chroot",
                        (char *)rootfs,
                        "/usr/bin/systemctl",
                        "--quiet",
                        "disable",
                        r->disabled_units[i],
                        NULL};
        rc = run_argv(argv, timeout_s, err);
    }
    return rc;
}

enum ct_err template_rootfs_prepare(const char *rootfs, const struct template_recipe *r,
                                    int timeout_s, struct ct_error *err)
{
    char path[PATH_MAX];
    struct stat st;
    enum ct_err rc;

    if ((rc = remove_host_keys(rootfs, err)) != CT_OK ||
        /* Empty, not absent: systemd then makes one at boot without treating it as first boot. */
        (rc = write_file(rootfs, "etc/machine-id", "", 0, 0444, err)) != CT_OK ||
        (rc = path_in(rootfs, "var/lib/dbus/machine-id", path, sizeof(path), err)) != CT_OK) {
        return rc;
    }
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && unlink(path) != 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot remove %s: %s", path, strerror(errno));
    }
    if ((rc = write_file(rootfs, "etc/systemd/system/ctgate-ssh-keygen.service", keygen_unit,
                         strlen(keygen_unit), 0644, err)) != CT_OK ||
        (rc = make_dir(rootfs, "etc/systemd/system/multi-user.target.wants", err)) != CT_OK ||
        (rc = make_link(rootfs,
                        "etc/systemd/system/multi-user.target.wants/ctgate-ssh-keygen.service",
                        "/etc/systemd/system/ctgate-ssh-keygen.service", err)) != CT_OK ||
        (rc = make_dir(rootfs, "etc/network", err)) != CT_OK ||
        (rc = write_file(rootfs, "etc/network/interfaces", interfaces, strlen(interfaces), 0644,
                         err)) != CT_OK ||
        /* binfmt_misc cannot be mounted in an unprivileged container: the unit only fails. */
        (rc = make_link(rootfs, "etc/systemd/system/systemd-binfmt.service", "/dev/null", err)) !=
            CT_OK ||
        (rc = make_dir(rootfs, "usr/local/share/ca-certificates", err)) != CT_OK) {
        return rc;
    }
    if ((rc = install_cas(rootfs, r, timeout_s, err)) != CT_OK ||
        (rc = disable_units(rootfs, r, timeout_s, err)) != CT_OK) {
        return rc;
    }
    /* A directory user logging in for the first time gets a home (pam_mkhomedir). */
    char *argv[] = {"/usr/sbin/chroot", (char *)rootfs, "/usr/sbin/pam-auth-update", "--enable",
                    "mkhomedir", NULL};
    return run_argv(argv, timeout_s, err);
}

json_t *template_rootfs_packages(const char *rootfs, struct ct_error *err)
{
    char path[PATH_MAX];
    struct buf status;
    json_t *out = NULL;
    if (path_in(rootfs, "var/lib/dpkg/status", path, sizeof(path), err) != CT_OK) {
        return NULL;
    }
    buf_init(&status, DPKG_STATUS_MAX);
    int rd = buf_read_file(&status, path);
    if (rd != 0 || status.data == NULL) {
        ct_error_set(err, CT_ERR_INTERNAL, "cannot read %s: %s", path,
                     rd != 0 ? strerror(-rd) : "empty");
    } else if ((out = template_dpkg_versions(status.data, status.len)) == NULL) {
        ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    buf_free(&status);
    return out;
}
