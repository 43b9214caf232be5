/*
 * protocols.h - the catalogue of extra protocols users may ask a port for.
 *
 * The file (conf/protocols) has one protocol per line, "NAME PORT tcp|udp":
 * NAME as validate_name (at most PROTOCOL_NAME_MAX), PORT 1..65535 inside the
 * container; '#' starts a comment, blank lines are ignored.  Names are
 * unique: a duplicate, like any malformed line, is an error naming its line.
 * The catalogue holds no heap memory.
 */
#ifndef CTGATE_PROTOCOLS_H
#define CTGATE_PROTOCOLS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define PROTOCOLS_MAX 64
#define PROTOCOL_NAME_MAX 32
#define PROTOCOLS_FILE_MAX ((size_t)64 * 1024)
#define PROTOCOLS_PER_CREATE_MAX 16 /* extra protocols one container may ask for */

struct protocol {
    char name[PROTOCOL_NAME_MAX + 1];
    int port;
    bool udp;
};

struct protocol_catalog {
    struct protocol items[PROTOCOLS_MAX];
    size_t n;
};

/* Parse a whole file's text (len bytes); CT_ERR_CONFIG "line N: ..." when malformed. */
enum ct_err protocols_parse(const char *text, size_t len, struct protocol_catalog *out,
                            struct ct_error *err);
/* Read and parse path. */
enum ct_err protocols_load(const char *path, struct protocol_catalog *out, struct ct_error *err);
const struct protocol *protocols_find(const struct protocol_catalog *c, const char *name);

#endif
