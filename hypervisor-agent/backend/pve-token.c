/* pve-token.c - see pve-token.h. */
#include "pve-token.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ID_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

/* USER@REALM!TOKENID: Proxmox's userid (no '@', '!', ':' or blanks in the user) and token id. */
static bool id_ok(const char *id)
{
    const char *at = strrchr(id, '@');
    const char *bang = strchr(id, '!');
    if (at == NULL || bang == NULL || bang < at || at == id || bang == at + 1 || bang[1] == '\0') {
        return false;
    }
    for (const char *p = id; p < at; p++) {
        if ((unsigned char)*p <= ' ' || *p > '~' || strchr("@!:=", *p) != NULL) {
            return false;
        }
    }
    size_t realm = (size_t)(bang - at - 1);
    size_t name = strlen(bang + 1);
    return strspn(at + 1, ID_CHARS) == realm &&
           ((bang[1] >= 'a' && bang[1] <= 'z') || (bang[1] >= 'A' && bang[1] <= 'Z')) &&
           strspn(bang + 1, ID_CHARS) == name;
}

bool pve_token_parse(const char *text, size_t len, struct pve_token *tok)
{
    memset(tok, 0, sizeof(*tok));
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
        len--;
    }
    const char *eq = NULL;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '=') {
            eq = text + i;
        }
    }
    if (eq == NULL || memchr(text, '\0', len) != NULL) {
        return false;
    }
    size_t idlen = (size_t)(eq - text);
    size_t slen = len - idlen - 1;
    if (idlen == 0 || idlen > PVE_TOKEN_ID_MAX || slen == 0 || slen > PVE_TOKEN_SECRET_MAX) {
        return false;
    }
    memcpy(tok->id, text, idlen);
    memcpy(tok->secret, eq + 1, slen);
    /* A UUID as Proxmox makes them: hex digits and dashes. */
    if (!id_ok(tok->id) || strspn(tok->secret, "0123456789abcdefABCDEF-") != slen) {
        pve_token_wipe(tok);
        return false;
    }
    return true;
}

enum ct_err pve_token_read(const char *path, uid_t uid, struct pve_token *tok,
                           struct ct_error *err)
{
    char text[PVE_TOKEN_ID_MAX + PVE_TOKEN_SECRET_MAX + 8];
    struct stat st;
    enum ct_err rc = CT_OK;

    memset(tok, 0, sizeof(*tok));
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return ct_error_set(err, CT_ERR_CONFIG, "proxmox.token_file %s: %s", path,
                            strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = ct_error_set(err, CT_ERR_CONFIG, "proxmox.token_file %s is not a regular file",
                          path);
        goto out;
    }
    if (st.st_uid != uid || (st.st_mode & 077) != 0) {
        rc = ct_error_set(err, CT_ERR_CONFIG,
                          "proxmox.token_file %s must belong to the agent's account (uid %lu) "
                          "with mode 0600 or stricter (it is uid %lu, mode %04o)",
                          path, (unsigned long)uid, (unsigned long)st.st_uid,
                          (unsigned)(st.st_mode & 07777));
        goto out;
    }
    ssize_t n = read(fd, text, sizeof(text));
    if (n < 0 || (size_t)n == sizeof(text) || !pve_token_parse(text, (size_t)n, tok)) {
        rc = ct_error_set(err, CT_ERR_CONFIG,
                          "proxmox.token_file %s must hold one line USER@REALM!TOKENID=SECRET",
                          path);
    }
out:
    sodium_memzero(text, sizeof(text));
    close(fd);
    return rc;
}

void pve_token_wipe(struct pve_token *tok)
{
    sodium_memzero(tok, sizeof(*tok));
}
