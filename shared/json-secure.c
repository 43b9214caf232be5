/* json-secure.c - see json-secure.h.  Each block carries its size in a header. */
#include "json-secure.h"

#include <jansson.h>
#include <sodium.h>
#include <stdalign.h>
#include <stdlib.h>

#define HEADER sizeof(max_align_t)

static void *secure_malloc(size_t size)
{
    if (size > SIZE_MAX - HEADER) {
        return NULL;
    }
    unsigned char *p = malloc(size + HEADER);
    if (p == NULL) {
        return NULL;
    }
    *(size_t *)p = size;
    return p + HEADER;
}

static void secure_free(void *ptr)
{
    if (ptr == NULL) {
        return;
    }
    unsigned char *p = (unsigned char *)ptr - HEADER;
    sodium_memzero(ptr, *(size_t *)p);
    free(p);
}

void json_secure_init(void)
{
    json_set_alloc_funcs(secure_malloc, secure_free);
}

void json_secure_free_text(char *text)
{
    if (text != NULL) {
        json_free_t free_fn = NULL;
        json_get_alloc_funcs(NULL, &free_fn);
        free_fn(text);
    }
}
