/* param.c - see param.h. */
#include "param.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "prompt.h"

static enum ct_err take(struct session *s, const struct param_def *d, const char *given,
                        const char *source, char **out, struct ct_error *err)
{
    char why[256] = "";
    size_t len = strlen(given);
    if (len >= PARAM_VALUE_MAX) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "%s: value too long", source);
    }
    char *value = strdup(given);
    if (value == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    if (!d->check(s, value, why, sizeof(why))) {
        free(value);
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "%s: %s", source, why);
    }
    *out = value;
    return CT_OK;
}

enum ct_err param_resolve(struct session *s, const struct param_def *defs, size_t n,
                          const struct cmd_args *args, struct param_values *out,
                          struct ct_error *err)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n && i < PARAM_MAX; i++) {
        const struct param_def *d = &defs[i];
        const char *flag = args_flag(args, d->flag);
        char joined[PARAM_VALUE_MAX];
        if (d->list && flag != NULL) {
            const char *all[CMD_FLAGS_MAX];
            size_t n_all = args_flag_all(args, d->flag, all, CMD_FLAGS_MAX);
            size_t used = 0;
            for (size_t k = 0; k < n_all && used < sizeof(joined); k++) {
                used += (size_t)snprintf(joined + used, sizeof(joined) - used, "%s%s",
                                         k ? "," : "", all[k]);
            }
            flag = joined;
        }
        const char *env = startup_ct(&s->env, d->env);
        char source[64];
        enum ct_err rc = CT_OK;
        if (flag != NULL) {
            snprintf(source, sizeof(source), "--%s", d->flag);
            rc = take(s, d, flag, source, &out->v[i], err);
        } else if (env != NULL) {
            rc = take(s, d, env, d->env, &out->v[i], err);
        } else if (s->tty_in && d->label != NULL) {
            out->ask[i] = true;
        } else {
            char fallback[PARAM_VALUE_MAX] = "";
            if (d->fallback != NULL) {
                char shown[128];
                d->fallback(s, out, fallback, sizeof(fallback), shown, sizeof(shown));
            }
            if (fallback[0] != '\0') {
                snprintf(source, sizeof(source), "default %s", d->flag);
                rc = take(s, d, fallback, source, &out->v[i], err);
            } else if (d->required) {
                rc = ct_error_set(err, CT_ERR_BAD_REQUEST,
                                  "missing %s: give --%s or %s (there is no terminal to ask on)",
                                  d->flag, d->flag, d->env);
            }
        }
        if (rc != CT_OK) {
            param_values_free(out, n);
            return rc;
        }
    }
    return CT_OK;
}

static enum ct_err ask_one(struct session *s, const struct param_def *d,
                           const struct param_values *so_far, char **out, struct ct_error *err)
{
    char fallback[PARAM_VALUE_MAX] = "";
    char shown[128] = "";
    char question[256];
    char answer[PROMPT_LINE_MAX + 1];
    if (d->fallback != NULL) {
        d->fallback(s, so_far, fallback, sizeof(fallback), shown, sizeof(shown));
    }
    if (d->show_menu != NULL) {
        d->show_menu(s, so_far);
    }
    if (fallback[0] != '\0') {
        snprintf(question, sizeof(question), "%s [%s]: ", d->label, shown);
    } else {
        snprintf(question, sizeof(question), "%s: ", d->label);
    }
    for (int tries = 0; tries < PROMPT_TRIES; tries++) {
        char why[256] = "";
        enum ct_err rc = prompt_ask(question, true, s->cfg.prompt_timeout_s, answer,
                                    sizeof(answer), err);
        if (rc != CT_OK) {
            return rc;
        }
        if (d->from_menu != NULL && answer[0] != '\0') {
            d->from_menu(s, so_far, answer, sizeof(answer));
        }
        const char *pick = answer[0] != '\0' ? answer : fallback;
        if (pick[0] == '\0' && !d->required) {
            *out = NULL; /* an optional value left empty */
            return CT_OK;
        }
        if (pick[0] == '\0') {
            fprintf(stderr, "  a value is required\n");
            continue;
        }
        char *value = strdup(pick);
        if (value == NULL) {
            return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        }
        if (d->check(s, value, why, sizeof(why)) &&
            (d->check_live == NULL || d->check_live(s, so_far, value, why, sizeof(why)))) {
            *out = value;
            return CT_OK;
        }
        free(value);
        char clean[256];
        fprintf(stderr, "  %s\n", output_clean(why, clean, sizeof(clean)));
    }
    return ct_error_set(err, CT_ERR_BAD_REQUEST, "no acceptable %s after %d tries", d->flag,
                        PROMPT_TRIES);
}

enum ct_err param_prompt(struct session *s, const struct param_def *defs, size_t n,
                         struct param_values *values, struct ct_error *err)
{
    for (size_t i = 0; i < n && i < PARAM_MAX; i++) {
        if (!values->ask[i]) {
            continue;
        }
        enum ct_err rc = ask_one(s, &defs[i], values, &values->v[i], err);
        if (rc != CT_OK) {
            return rc;
        }
        values->ask[i] = false;
        values->asked_any = true;
    }
    return CT_OK;
}

void param_values_free(struct param_values *values, size_t n)
{
    for (size_t i = 0; i < n && i < PARAM_MAX; i++) {
        free(values->v[i]);
        values->v[i] = NULL;
    }
}
