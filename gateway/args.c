/* args.c - the words of one command into flags and positional arguments. */
#include <string.h>

#include "command.h"

static const struct flag_def *find_in(const struct flag_def *table, const char *name, size_t len)
{
    for (size_t i = 0; table != NULL && table[i].name != NULL; i++) {
        if (strlen(table[i].name) == len && strncmp(table[i].name, name, len) == 0) {
            return &table[i];
        }
    }
    return NULL;
}

struct flag_def cmd_param_flag(const struct ct_param_def *p)
{
    return (struct flag_def){p->flag, p->env, p->metavar, p->help, p->type == CT_PARAM_LIST};
}

/* The flag --name (len bytes of it) of cmd into out; false when it has none. */
static bool find_flag(const struct cmd_entry *cmd, const char *name, size_t len,
                      struct flag_def *out)
{
    const struct flag_def *f = find_in(cmd->flags, name, len);
    for (size_t i = 0; f == NULL && i < cmd->nparams; i++) {
        if (strlen(cmd->params[i].flag) == len && strncmp(cmd->params[i].flag, name, len) == 0) {
            *out = cmd_param_flag(&cmd->params[i]);
            return true;
        }
    }
    if (f == NULL) {
        f = find_in(common_flags, name, len);
    }
    if (f == NULL && cmd->needs_auth) {
        f = find_in(auth_flags, name, len);
    }
    if (f != NULL) {
        *out = *f;
    }
    return f != NULL;
}

/* Words are printed back only when they are short and printable. */
static const char *shown(const char *word)
{
    size_t n = strlen(word);
    if (n > 40) {
        return "(a long word)";
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)word[i] < 0x20 || (unsigned char)word[i] >= 0x7f) {
            return "(a word with unprintable characters)";
        }
    }
    return word;
}

enum ct_err args_parse(const struct cmd_entry *cmd, const struct words *words, size_t first,
                       struct cmd_args *out, struct ct_error *err)
{
    bool only_positional = false;
    memset(out, 0, sizeof(*out));
    for (size_t i = first; i < words->n; i++) {
        const char *w = words->v[i];
        if (!only_positional && strcmp(w, "--") == 0) {
            only_positional = true;
            continue;
        }
        if (only_positional || w[0] != '-' || w[1] == '\0') {
            if (out->npositional == cmd->max_args || out->npositional == CMD_POSITIONAL_MAX) {
                return ct_error_set(err, CT_ERR_BAD_REQUEST, "'%s' takes %s%s; unexpected '%s'",
                                    cmd->name, cmd->max_args ? "only " : "no arguments",
                                    cmd->max_args ? cmd->args_usage : "", shown(w));
            }
            out->positional[out->npositional++] = w;
            continue;
        }
        if (w[1] != '-') {
            return ct_error_set(err, CT_ERR_BAD_REQUEST,
                                "unknown option '%s' (options are spelled --name; see 'help %s')",
                                shown(w), cmd->name);
        }
        const char *name = w + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
        struct flag_def found;
        const struct flag_def *f = find_flag(cmd, name, len, &found) ? &found : NULL;
        if (f == NULL) {
            return ct_error_set(err, CT_ERR_BAD_REQUEST, "unknown option '%s' for %s (see 'help %s')",
                                shown(w), cmd->name, cmd->name);
        }
        const char *value = "";
        if (f->metavar != NULL) {
            if (eq != NULL) {
                value = eq + 1;
            } else if (i + 1 < words->n && words->v[i + 1][0] != '-') {
                value = words->v[++i];
            } else {
                /* A value starting with '-' must be attached: --name=-x.  Never an option. */
                return ct_error_set(err, CT_ERR_BAD_REQUEST, "--%s needs a value: --%s %s",
                                    f->name, f->name, f->metavar);
            }
        } else if (eq != NULL) {
            return ct_error_set(err, CT_ERR_BAD_REQUEST, "--%s takes no value", f->name);
        }
        if (!f->repeatable && args_flag(out, f->name) != NULL) {
            return ct_error_set(err, CT_ERR_BAD_REQUEST, "--%s given twice", f->name);
        }
        if (out->nflags == CMD_FLAGS_MAX) {
            return ct_error_set(err, CT_ERR_BAD_REQUEST, "too many options");
        }
        out->names[out->nflags] = f->name;
        out->values[out->nflags] = value;
        out->nflags++;
    }
    if (out->npositional < cmd->min_args && args_flag(out, "help") == NULL) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "usage: %s %s", cmd->name, cmd->args_usage);
    }
    return CT_OK;
}

const char *args_flag(const struct cmd_args *args, const char *name)
{
    for (size_t i = 0; i < args->nflags; i++) {
        if (strcmp(args->names[i], name) == 0) {
            return args->values[i];
        }
    }
    return NULL;
}

size_t args_flag_all(const struct cmd_args *args, const char *name, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < args->nflags && n < max; i++) {
        if (strcmp(args->names[i], name) == 0) {
            out[n++] = args->values[i];
        }
    }
    return n;
}

bool args_switch(const struct session *s, const struct cmd_entry *cmd,
                 const struct cmd_args *args, const char *name)
{
    if (args_flag(args, name) != NULL) {
        return true;
    }
    struct flag_def f;
    const char *v = find_flag(cmd, name, strlen(name), &f) && f.env != NULL
                        ? startup_ct(&s->env, f.env)
                        : NULL;
    return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0);
}
