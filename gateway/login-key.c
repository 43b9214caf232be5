/* login-key.c - see login-key.h. */
#include "login-key.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static enum ct_err refuse(struct ct_error *err, const char *why)
{
    return ct_error_set(err, CT_ERR_NOT_AUTHENTICATED, "SSH_USER_AUTH: %s", why);
}

enum ct_err login_key_read(const char *path, struct pubkey *out, struct ct_error *err)
{
    static const char prefix[] = "/tmp/sshauth.";
    char text[LOGIN_KEY_FILE_MAX + 1];
    struct stat st;
    ssize_t len = 0;

    memset(out, 0, sizeof(*out));
    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 || strchr(path + 5, '/') != NULL) {
        return refuse(err, "not a file sshd made");
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return refuse(err, errno == ELOOP ? "a symbolic link" : "cannot open");
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid() ||
        st.st_size > LOGIN_KEY_FILE_MAX) {
        close(fd);
        return refuse(err, "not a small regular file of ours");
    }
    while (len < LOGIN_KEY_FILE_MAX) {
        ssize_t n = read(fd, text + len, (size_t)(LOGIN_KEY_FILE_MAX - len));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        len += n;
    }
    close(fd);
    text[len] = '\0';
    if ((size_t)len != strlen(text)) {
        return refuse(err, "contains NUL");
    }
    /* Exactly one line, "publickey TYPE BASE64", optionally newline-terminated. */
    static const char method[] = "publickey ";
    char *nl = strchr(text, '\n');
    if (nl != NULL && nl[1] != '\0') {
        return refuse(err, "more than one authentication method");
    }
    if (strncmp(text, method, sizeof(method) - 1) != 0) {
        return refuse(err, "no publickey line");
    }
    const char *key = text + sizeof(method) - 1;
    const char *why = NULL;
    if (!pubkey_parse(key, strlen(key), out, &why)) {
        return refuse(err, why);
    }
    return CT_OK;
}
