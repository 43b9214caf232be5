/* pve-pct.c - see pve-pct.h. */
#include "pve-pct.h"

#include <stdlib.h>
#include <string.h>

#define ARGS_MAX 256

/* word with every "{node}" replaced by node; malloc'd. */
static char *substitute(const char *word, const char *node)
{
    static const char key[] = "{node}";
    size_t klen = sizeof(key) - 1;
    size_t count = 0;
    for (const char *p = strstr(word, key); p != NULL; p = strstr(p + klen, key)) {
        count++;
    }
    size_t len = strlen(word) + count * strlen(node) + 1;
    char *out = malloc(len);
    if (out == NULL) {
        return NULL;
    }
    char *o = out;
    const char *p = word;
    for (const char *hit = strstr(p, key); hit != NULL; hit = strstr(p, key)) {
        memcpy(o, p, (size_t)(hit - p));
        o += hit - p;
        memcpy(o, node, strlen(node));
        o += strlen(node);
        p = hit + klen;
    }
    memcpy(o, p, strlen(p) + 1);
    return out;
}

/* 'word' for sh, each ' as '\'' ; malloc'd. */
static char *sh_quote(const char *word)
{
    size_t quotes = 0;
    for (const char *p = word; *p != '\0'; p++) {
        quotes += *p == '\'';
    }
    char *out = malloc(strlen(word) + quotes * 3 + 3);
    if (out == NULL) {
        return NULL;
    }
    char *o = out;
    *o++ = '\'';
    for (const char *p = word; *p != '\0'; p++) {
        if (*p == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return out;
}

void pve_pct_argv_free(char **argv)
{
    for (size_t i = 0; argv != NULL && argv[i] != NULL; i++) {
        free(argv[i]);
    }
    free(argv);
}

enum ct_err pve_pct_argv(const struct pve_config *cfg, const char *node, const char *const *args,
                         char ***argv, struct ct_error *err)
{
    size_t nargs = 0;
    while (args[nargs] != NULL) {
        nargs++;
    }
    *argv = NULL;
    if (nargs > ARGS_MAX) {
        return ct_error_set(err, CT_ERR_INTERNAL, "too many arguments for pct");
    }
    char **v = calloc(cfg->npct + nargs + 1, sizeof(*v));
    if (v == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < cfg->npct; i++) {
        if ((v[k++] = substitute(cfg->pct[i], node)) == NULL) {
            goto oom;
        }
    }
    for (size_t i = 0; i < nargs; i++) {
        v[k] = cfg->pct_remote_shell ? sh_quote(args[i]) : strdup(args[i]);
        if (v[k++] == NULL) {
            goto oom;
        }
    }
    *argv = v;
    return CT_OK;
oom:
    pve_pct_argv_free(v);
    return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}

enum ct_err pve_pct_run(const struct pve_config *cfg, const char *node, const char *const *args,
                        struct run_io *io, struct ct_error *err)
{
    char **argv = NULL;
    enum ct_err rc = pve_pct_argv(cfg, node, args, &argv, err);
    if (rc == CT_OK) {
        rc = run_argv_io(argv, io, err);
    }
    pve_pct_argv_free(argv);
    return rc;
}
