/* protocols.c - see protocols.h. */
#include "protocols.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strcopy.h"
#include "validate.h"

/* Split one line into at most 4 space/tab separated words (a 4th means too many). */
static size_t split(char *line, char *words[4])
{
    size_t n = 0;
    char *save = NULL;
    for (char *w = strtok_r(line, " \t", &save); w != NULL && n < 4;
         w = strtok_r(NULL, " \t", &save)) {
        words[n++] = w;
    }
    return n;
}

static enum ct_err parse_line(char *line, int lineno, struct protocol_catalog *out,
                              struct ct_error *err)
{
    char *words[4];
    char *hash = strchr(line, '#');
    if (hash != NULL) {
        *hash = '\0';
    }
    size_t n = split(line, words);
    if (n == 0) {
        return CT_OK;
    }
    if (n != 3) {
        return ct_error_set(err, CT_ERR_CONFIG, "line %d: expected NAME PORT tcp|udp", lineno);
    }
    if (!validate_name(words[0], PROTOCOL_NAME_MAX)) {
        return ct_error_set(err, CT_ERR_CONFIG, "line %d: invalid protocol name", lineno);
    }
    char *end = NULL;
    errno = 0;
    long port = strtol(words[1], &end, 10);
    if (errno != 0 || end == words[1] || *end != '\0' || port < 1 || port > 65535) {
        return ct_error_set(err, CT_ERR_CONFIG, "line %d: port must be 1..65535", lineno);
    }
    if (strcmp(words[2], "tcp") != 0 && strcmp(words[2], "udp") != 0) {
        return ct_error_set(err, CT_ERR_CONFIG, "line %d: transport must be tcp or udp", lineno);
    }
    if (protocols_find(out, words[0]) != NULL) {
        return ct_error_set(err, CT_ERR_CONFIG, "line %d: duplicate protocol name '%s'", lineno,
                            words[0]);
    }
    if (out->n == PROTOCOLS_MAX) {
        return ct_error_set(err, CT_ERR_CONFIG, "line %d: more than %d protocols", lineno,
                            PROTOCOLS_MAX);
    }
    struct protocol *p = &out->items[out->n++];
    str_copy(p->name, sizeof(p->name), words[0]);
    p->port = (int)port;
    p->udp = strcmp(words[2], "udp") == 0;
    return CT_OK;
}

enum ct_err protocols_parse(const char *text, size_t len, struct protocol_catalog *out,
                            struct ct_error *err)
{
    char line[512];
    int lineno = 0;
    size_t i = 0;
    memset(out, 0, sizeof(*out));
    if (len > PROTOCOLS_FILE_MAX) {
        return ct_error_set(err, CT_ERR_CONFIG, "the protocols file is too large");
    }
    while (i < len) {
        size_t start = i;
        while (i < len && text[i] != '\n') {
            i++;
        }
        size_t n = i - start;
        i++; /* the newline */
        lineno++;
        if (n >= sizeof(line) || memchr(text + start, '\0', n) != NULL) {
            return ct_error_set(err, CT_ERR_CONFIG, "line %d: too long or contains NUL", lineno);
        }
        memcpy(line, text + start, n);
        line[n] = '\0';
        if (n > 0 && line[n - 1] == '\r') {
            line[n - 1] = '\0';
        }
        enum ct_err rc = parse_line(line, lineno, out, err);
        if (rc != CT_OK) {
            return rc;
        }
    }
    return CT_OK;
}

enum ct_err protocols_load(const char *path, struct protocol_catalog *out, struct ct_error *err)
{
    struct buf text;
    enum ct_err rc;
    buf_init(&text, PROTOCOLS_FILE_MAX);
    int r = buf_read_file(&text, path);
    if (r != 0) {
        rc = ct_error_set(err, CT_ERR_CONFIG, "cannot read %s: %s", path, strerror(-r));
    } else if ((rc = protocols_parse(text.data != NULL ? text.data : "", text.len, out, err)) !=
               CT_OK) {
        char detail[CT_ERROR_DETAIL_MAX];
        str_copy(detail, sizeof(detail), err->detail);
        ct_error_set(err, CT_ERR_CONFIG, "%s: %s", path, detail);
    }
    buf_free(&text);
    return rc;
}

const struct protocol *protocols_find(const struct protocol_catalog *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->items[i].name, name) == 0) {
            return &c->items[i];
        }
    }
    return NULL;
}
