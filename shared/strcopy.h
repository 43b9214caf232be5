/*
 * strcopy.h - copy a string into a fixed-size buffer, all or nothing.
 *
 * str_copy() copies src (with its NUL) into dst only when it fits in size
 * bytes and answers whether it did; a value that does not fit is refused,
 * never truncated, and dst is left as it was.  Used instead of strcpy so
 * every copy into an array states its bound.
 */
#ifndef CTGATE_STRCOPY_H
#define CTGATE_STRCOPY_H

#include <stdbool.h>
#include <stddef.h>

bool str_copy(char *dst, size_t size, const char *src);

#endif
