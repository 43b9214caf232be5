/*
 * buf.h - a growable byte buffer with a hard ceiling.
 *
 * Every buffer filled from outside input (a request, an HTTP reply, a file)
 * is a struct buf with a maximum: appending past it fails instead of growing.
 * The data is always NUL-terminated (the NUL is not counted in len).
 * buf_free() releases it without wiping; growth copies into a new block and
 * wipes the old one.
 */
#ifndef CTGATE_BUF_H
#define CTGATE_BUF_H

#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
};

void buf_init(struct buf *b, size_t max);
/* 0 on success, -1 when the result would exceed max or memory ran out. */
int buf_append(struct buf *b, const void *data, size_t len);
/* printf-style text of at most 1 KiB appended; 0 on success, -1 when it did not fit. */
int buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);
/*
 * Append the whole file at path (opened O_NOFOLLOW) to b.  0 on success;
 * -ENOENT when it does not exist, -EFBIG when it exceeds b's maximum, or
 * another -errno.
 */
int buf_read_file(struct buf *b, const char *path);

#endif
