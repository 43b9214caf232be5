/* lxd-image.c - see lxd-image.h. */
#include "lxd-image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "strcopy.h"
#include "timefmt.h"

/* The files LXD renders at each create: the container's own hostname. */
static const char hostname_tpl[] = "{{ container.name }}\n";
static const char hosts_tpl[] = "127.0.0.1\tlocalhost\n"
                                "127.0.1.1\t{{ container.name }}\n"
                                "::1\tlocalhost ip6-localhost ip6-loopback\n"
                                "ff02::1\tip6-allnodes\n"
                                "ff02::2\tip6-allrouters\n";

/* alias, escaped for a URL path, into out. */
static enum ct_err escape(struct lxd *lxd, const char *alias, char *out, size_t len,
                          struct ct_error *err)
{
    char *e = curl_easy_escape(lxd->curl, alias, 0);
    bool ok = e != NULL && str_copy(out, len, e);
    curl_free(e);
    return ok ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "image alias too long");
}

static void copy_property(json_t *props, const char *key, char *dst, size_t len)
{
    const char *v = json_string_value(json_object_get(props, key));
    if (v == NULL || !str_copy(dst, len, v)) {
        dst[0] = '\0';
    }
}

/* GET /1.0/images/FP into out; CT_ERR_NOT_FOUND on 404.  *aliases: how many aliases it has. */
static enum ct_err image_by_fingerprint(struct lxd *lxd, const char *fp, struct backend_image *out,
                                        size_t *aliases, struct ct_error *err)
{
    char path[256];
    json_t *reply = NULL;
    long status = 0;
    memset(out, 0, sizeof(*out));
    snprintf(path, sizeof(path), "/1.0/images/%s", fp);
    enum ct_err rc = lxd_call(lxd, "GET", path, NULL, &reply, &status, err);
    if (rc != CT_OK) {
        return status == 404 ? ct_error_set(err, CT_ERR_NOT_FOUND, "no image %s", fp) : rc;
    }
    json_t *meta = json_object_get(reply, "metadata");
    json_t *props = json_object_get(meta, "properties");
    copy_property(meta, "fingerprint", out->fingerprint, sizeof(out->fingerprint));
    out->size = json_integer_value(json_object_get(meta, "size"));
    copy_property(props, "ctgate.built", out->built, sizeof(out->built));
    copy_property(props, "ctgate.inputs", out->inputs, sizeof(out->inputs));
    if (aliases != NULL) {
        *aliases = json_array_size(json_object_get(meta, "aliases"));
    }
    json_decref(reply);
    return CT_OK;
}

/* The fingerprint alias points at into fp; CT_ERR_NOT_FOUND when there is no such alias. */
static enum ct_err alias_target(struct lxd *lxd, const char *alias, char *fp, size_t len,
                                struct ct_error *err)
{
    char escaped[256];
    char path[320];
    json_t *reply = NULL;
    long status = 0;
    enum ct_err rc = escape(lxd, alias, escaped, sizeof(escaped), err);
    if (rc != CT_OK) {
        return rc;
    }
    snprintf(path, sizeof(path), "/1.0/images/aliases/%s", escaped);
    rc = lxd_call(lxd, "GET", path, NULL, &reply, &status, err);
    if (rc != CT_OK) {
        return status == 404 ? ct_error_set(err, CT_ERR_NOT_FOUND, "no image %s", alias) : rc;
    }
    const char *target =
        json_string_value(json_object_get(json_object_get(reply, "metadata"), "target"));
    if (target == NULL || !str_copy(fp, len, target)) {
        rc = ct_error_set(err, CT_ERR_BACKEND, "LXD alias %s has no target", alias);
    }
    json_decref(reply);
    return rc;
}

enum ct_err lxd_image_info(struct lxd *lxd, const char *alias, struct backend_image *out,
                           struct ct_error *err)
{
    char fp[72];
    enum ct_err rc = alias_target(lxd, alias, fp, sizeof(fp), err);
    return rc != CT_OK ? rc : image_by_fingerprint(lxd, fp, out, NULL, err);
}

/* --- packing ----------------------------------------------------------------- */

static enum ct_err write_text(const char *dir, const char *name, const char *text,
                              struct ct_error *err)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
        return ct_error_set(err, CT_ERR_INTERNAL, "path too long");
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    size_t len = strlen(text);
    bool ok = fd >= 0 && write(fd, text, len) == (ssize_t)len;
    if (fd >= 0 && close(fd) != 0) {
        ok = false;
    }
    return ok ? CT_OK
              : ct_error_set(err, CT_ERR_INTERNAL, "cannot write %s: %s", path, strerror(errno));
}

/* metadata.yaml: values are validated names, a suite, hex and times, so plain quoting holds. */
static enum ct_err write_metadata(const struct backend_image_source *src, struct ct_error *err)
{
    struct utsname u;
    char text[2048];
    char dir[PATH_MAX];
    if (uname(&u) != 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "uname: %s", strerror(errno));
    }
    snprintf(text, sizeof(text),
             "architecture: \"%s\"\n"
             "creation_date: %lld\n"
             "properties:\n"
             "  architecture: \"%s\"\n"
             "  description: \"ctgate template %s (Debian %s)\"\n"
             "  os: \"debian\"\n"
             "  release: \"%s\"\n"
             "  ctgate.template: \"%s\"\n"
             "  ctgate.inputs: \"%s\"\n"
             "  ctgate.built: \"%s\"\n"
             "templates:\n"
             "  /etc/hostname:\n"
             "    when: [create, copy]\n"
             "    template: hostname.tpl\n"
             "  /etc/hosts:\n"
             "    when: [create, copy]\n"
             "    template: hosts.tpl\n",
             u.machine, (long long)time(NULL), u.machine, src->template_name, src->suite,
             src->suite, src->template_name, src->inputs, src->built);
    snprintf(dir, sizeof(dir), "%s/templates", src->workdir);
    enum ct_err rc = write_text(src->workdir, "metadata.yaml", text, err);
    if (rc == CT_OK && mkdir(dir, 0755) != 0 && errno != EEXIST) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "cannot make %s: %s", dir, strerror(errno));
    }
    if (rc == CT_OK) {
        rc = write_text(dir, "hostname.tpl", hostname_tpl, err);
    }
    if (rc == CT_OK) {
        rc = write_text(dir, "hosts.tpl", hosts_tpl, err);
    }
    return rc;
}

/* workdir's metadata and rootfs into src->package (through PACKAGE.part, renamed when whole). */
static enum ct_err pack(const struct backend_image_source *src, struct ct_error *err)
{
    char part[PATH_MAX];
    enum ct_err rc = write_metadata(src, err);
    if (rc != CT_OK) {
        return rc;
    }
    if ((size_t)snprintf(part, sizeof(part), "%s.part", src->package) >= sizeof(part)) {
        return ct_error_set(err, CT_ERR_INTERNAL, "path too long");
    }
    /* Uncompressed: LXD takes a plain tar, and gzip of a rootfs costs a minute. */
    char *argv[] = {"/bin/tar",
                    "--numeric-owner",
                    "--xattrs",
                    "--xattrs-include=*",
                    "-C",
                    (char *)src->workdir,
                    "-cf",
                    part,
                    "metadata.yaml",
                    "templates",
                    "rootfs",
                    NULL};
    rc = run_argv(argv, src->timeout_s, err);
    if (rc == CT_OK && rename(part, src->package) != 0) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "cannot rename %s: %s", part, strerror(errno));
    }
    if (rc != CT_OK) {
        unlink(part);
    }
    return rc;
}

/* LXD's fingerprint of a unified tarball: the SHA-256 of its bytes, in hex. */
static enum ct_err file_sha256(const char *path, char hex[65], struct ct_error *err)
{
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES];
    unsigned char chunk[65536];
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot read %s: %s", path, strerror(errno));
    }
    crypto_hash_sha256_init(&st);
    ssize_t n;
    while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
        crypto_hash_sha256_update(&st, chunk, (unsigned long long)n);
    }
    close(fd);
    if (n < 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot read %s: %s", path, strerror(errno));
    }
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, 65, h, sizeof(h));
    return CT_OK;
}

/* --- importing --------------------------------------------------------------- */

static enum ct_err upload(struct lxd *lxd, const struct backend_image_source *src, const char *fp,
                          struct ct_error *err)
{
    json_t *op = NULL;
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/octet-stream");
    headers = headers != NULL ? curl_slist_append(headers, "Expect:") : NULL;
    if (headers == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    enum ct_err rc =
        lxd_upload_wait(lxd, "/1.0/images", headers, src->package, src->timeout_s, &op, err);
    curl_slist_free_all(headers);
    if (rc == CT_OK) {
        const char *got =
            json_string_value(json_object_get(json_object_get(op, "metadata"), "fingerprint"));
        if (got == NULL || strcmp(got, fp) != 0) {
            rc = ct_error_set(err, CT_ERR_BACKEND, "LXD imported %s as %s, expected %s",
                              src->package, got != NULL ? got : "nothing", fp);
        }
    }
    json_decref(op);
    return rc;
}

static void delete_image(struct lxd *lxd, const char *fp)
{
    char path[256];
    struct ct_error ignored = {0};
    snprintf(path, sizeof(path), "/1.0/images/%s", fp);
    lxd_call_wait(lxd, "DELETE", path, NULL, NULL, NULL, &ignored);
}

/* Make alias name fp: create it, or move it (previous target into old, "" when none). */
static enum ct_err point_alias(struct lxd *lxd, const char *alias, const char *fp,
                               const struct backend_image_source *src, char *old, size_t oldlen,
                               struct ct_error *err)
{
    char escaped[256];
    char path[320];
    char description[96];
    json_t *body = NULL;
    snprintf(description, sizeof(description), "ctgate template %s", src->template_name);
    old[0] = '\0';
    enum ct_err rc = alias_target(lxd, alias, old, oldlen, err);
    if (rc == CT_ERR_NOT_FOUND) {
        old[0] = '\0';
        body =
            json_pack("{s:s, s:s, s:s}", "name", alias, "target", fp, "description", description);
        rc = body != NULL ? lxd_call(lxd, "POST", "/1.0/images/aliases", body, NULL, NULL, err)
                          : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    } else if (rc == CT_OK && strcmp(old, fp) != 0 &&
               (rc = escape(lxd, alias, escaped, sizeof(escaped), err)) == CT_OK) {
        snprintf(path, sizeof(path), "/1.0/images/aliases/%s", escaped);
        body = json_pack("{s:s, s:s}", "target", fp, "description", description);
        rc = body != NULL ? lxd_call(lxd, "PUT", path, body, NULL, NULL, err)
                          : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    } else if (rc == CT_OK) {
        old[0] = '\0'; /* it names fp already */
    }
    json_decref(body);
    return rc;
}

enum ct_err lxd_image_import(struct lxd *lxd, const char *alias,
                             const struct backend_image_source *src, struct backend_image *out,
                             struct ct_error *err)
{
    char fp[65];
    char old[72] = "";
    bool uploaded = false;
    struct backend_image known;
    enum ct_err rc = CT_OK;

    if (access(src->package, F_OK) != 0) {
        if (src->workdir == NULL) {
            return ct_error_set(err, CT_ERR_INTERNAL, "no %s and nothing to make it from",
                                src->package);
        }
        if ((rc = pack(src, err)) != CT_OK) {
            return rc;
        }
    }
    if ((rc = file_sha256(src->package, fp, err)) != CT_OK) {
        return rc;
    }
    /* An image LXD has already (the alias was removed, or a cache re-import) is not sent again. */
    rc = image_by_fingerprint(lxd, fp, &known, NULL, err);
    if (rc == CT_ERR_NOT_FOUND) {
        if ((rc = upload(lxd, src, fp, err)) != CT_OK) {
            return rc;
        }
        uploaded = true;
    } else if (rc != CT_OK) {
        return rc;
    }
    if ((rc = point_alias(lxd, alias, fp, src, old, sizeof(old), err)) != CT_OK) {
        if (uploaded) {
            delete_image(lxd, fp);
        }
        return rc;
    }
    if ((rc = image_by_fingerprint(lxd, fp, out, NULL, err)) != CT_OK) {
        return rc;
    }
    size_t aliases = 0;
    struct ct_error ignored = {0};
    /* The image the alias named before goes, if ctgate made it and nothing else names it. */
    if (old[0] != '\0' && image_by_fingerprint(lxd, old, &known, &aliases, &ignored) == CT_OK &&
        known.inputs[0] != '\0' && aliases == 0) {
        delete_image(lxd, old);
    }
    return CT_OK;
}
