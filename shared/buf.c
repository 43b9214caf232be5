/* buf.c - see buf.h. */
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
    if (len > b->max || b->len > b->max - len) {
        return -1;
    }
    size_t need = b->len + len + 1;
    if (need > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 256;
        while (cap < need) {
            cap *= 2;
        }
        char *p = malloc(cap);
        if (p == NULL) {
            return -1;
        }
        /* Copy instead of realloc so an old copy of a secret is zeroed, never left behind. */
        if (b->data != NULL) {
            memcpy(p, b->data, b->len);
            sodium_memzero(b->data, b->cap);
            free(b->data);
        }
        b->data = p;
        b->cap = cap;
    }
    if (len > 0) {
        memcpy(b->data + b->len, data, len);
    }
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

int buf_read_file(struct buf *b, const char *path)
{
    char chunk[8192];
    ssize_t n;
    int rc = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return -errno;
    }
    while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = -errno;
            break;
        }
        if (buf_append(b, chunk, (size_t)n) != 0) {
            rc = -EFBIG;
            break;
        }
    }
    close(fd);
    return rc;
}

int buf_appendf(struct buf *b, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line)) {
        return -1;
    }
    return buf_append(b, line, (size_t)n);
}
