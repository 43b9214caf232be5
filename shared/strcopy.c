/* strcopy.c - see strcopy.h. */
#include "strcopy.h"

#include <string.h>

bool str_copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size) {
        return false;
    }
    memcpy(dst, src, n + 1);
    return true;
}
