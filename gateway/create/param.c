/* param.c - see param.h. */
#include "param.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "prompt.h"

/* Check text from source ("--size", "CT_SIZE", "default size") into out. */
static enum ct_err take(enum ct_param_id id, const char *given, const char *source,
                        struct ct_param_value *out, struct ct_error *err)
{
    char why[256] = "";
    if (strlen(given) >= PARAM_VALUE_MAX) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "%s: value too long", source);
    }
    if (!ct_param_from_text(id, given, out, why, sizeof(why))) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "%s: %s", source, why);
    }
    return CT_OK;
}

/* Every value of the flag: a list takes each (a,b in one is fine too), anything else its one. */
static enum ct_err take_flag(enum ct_param_id id, const struct cmd_args *args,
                             struct ct_param_value *out, struct ct_error *err)
{
    const struct ct_param_def *d = &ct_params[id];
    const char *all[CMD_FLAGS_MAX];
    size_t n = args_flag_all(args, d->flag, all, CMD_FLAGS_MAX);
    char source[64];
    snprintf(source, sizeof(source), "--%s", d->flag);
    for (size_t k = 0; k < n; k++) {
        enum ct_err rc = take(id, all[k], source, out, err);
        if (rc != CT_OK) {
            return rc;
        }
    }
    return CT_OK;
}

enum ct_err param_resolve(struct session *s, const struct param_prompt_def *prompts,
                          const struct cmd_args *args, struct param_values *out,
                          struct ct_error *err)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < CT_P_COUNT; i++) {
        const struct ct_param_def *d = &ct_params[i];
        const struct param_prompt_def *g = &prompts[i];
        const char *env = startup_ct(&s->env, d->env);
        enum ct_err rc = CT_OK;
        if (args_flag(args, d->flag) != NULL) {
            rc = take_flag((enum ct_param_id)i, args, &out->v[i], err);
        } else if (env != NULL) {
            rc = take((enum ct_param_id)i, env, d->env, &out->v[i], err);
        } else if (s->tty_in && g->label != NULL) {
            out->ask[i] = true;
        } else {
            char fallback[PARAM_VALUE_MAX] = "";
            if (g->fallback != NULL) {
                char shown[128];
                g->fallback(s, out, fallback, sizeof(fallback), shown, sizeof(shown));
            }
            if (fallback[0] != '\0') {
                char source[64];
                snprintf(source, sizeof(source), "default %s", d->flag);
                rc = take((enum ct_param_id)i, fallback, source, &out->v[i], err);
            } else if (d->required) {
                rc = ct_error_set(err, CT_ERR_BAD_REQUEST,
                                  "missing %s: give --%s or %s (there is no terminal to ask on)",
                                  d->flag, d->flag, d->env);
            }
        }
        if (rc != CT_OK) {
            param_values_free(out);
            return rc;
        }
    }
    return CT_OK;
}

/* An answer into value: menu numbers become names (a list's: each, split on ", "). */
static bool answer_value(struct session *s, enum ct_param_id id, const struct param_prompt_def *g,
                         const struct param_values *so_far, const char *pick, bool typed,
                         struct ct_param_value *value, char *why, size_t whylen)
{
    char copy[PROMPT_LINE_MAX + 1];
    char *save = NULL;
    snprintf(copy, sizeof(copy), "%s", pick);
    if (ct_params[id].type != CT_PARAM_LIST) {
        if (typed && g->from_menu != NULL) {
            g->from_menu(s, so_far, copy, sizeof(copy));
        }
        return ct_param_from_text(id, copy, value, why, whylen);
    }
    for (char *w = strtok_r(copy, ", ", &save); w != NULL; w = strtok_r(NULL, ", ", &save)) {
        char item[PROMPT_LINE_MAX + 1];
        snprintf(item, sizeof(item), "%s", w);
        if (typed && g->from_menu != NULL) {
            g->from_menu(s, so_far, item, sizeof(item));
        }
        if (!ct_param_from_text(id, item, value, why, whylen)) {
            return false;
        }
    }
    return true;
}

static enum ct_err ask_one(struct session *s, enum ct_param_id id, const struct param_prompt_def *g,
                           const struct param_values *so_far, struct ct_param_value *out,
                           struct ct_error *err)
{
    const struct ct_param_def *d = &ct_params[id];
    char fallback[PARAM_VALUE_MAX] = "";
    char shown[128] = "";
    char question[256];
    char answer[PROMPT_LINE_MAX + 1];
    if (g->fallback != NULL) {
        g->fallback(s, so_far, fallback, sizeof(fallback), shown, sizeof(shown));
    }
    if (g->show_menu != NULL) {
        g->show_menu(s, so_far);
    }
    if (fallback[0] != '\0') {
        snprintf(question, sizeof(question), "%s [%s]: ", g->label, shown);
    } else {
        snprintf(question, sizeof(question), "%s: ", g->label);
    }
    for (int tries = 0; tries < PROMPT_TRIES; tries++) {
        char why[256] = "";
        struct ct_param_value value = {0};
        enum ct_err rc =
            prompt_ask(question, true, s->cfg.prompt_timeout_s, answer, sizeof(answer), err);
        if (rc != CT_OK) {
            return rc;
        }
        const char *pick = answer[0] != '\0' ? answer : fallback;
        if (pick[0] == '\0' && !d->required) {
            return CT_OK; /* an optional value left empty */
        }
        if (pick[0] == '\0') {
            fprintf(stderr, "  a value is required\n");
            continue;
        }
        if (answer_value(s, id, g, so_far, pick, answer[0] != '\0', &value, why, sizeof(why)) &&
            (g->check_live == NULL ||
             g->check_live(s, so_far, ct_param_text(&value), why, sizeof(why)))) {
            *out = value;
            return CT_OK;
        }
        ct_param_value_free(&value);
        char clean[256];
        fprintf(stderr, "  %s\n", output_clean(why, clean, sizeof(clean)));
    }
    return ct_error_set(err, CT_ERR_BAD_REQUEST, "no acceptable %s after %d tries", d->flag,
                        PROMPT_TRIES);
}

enum ct_err param_prompt(struct session *s, const struct param_prompt_def *prompts,
                         struct param_values *values, struct ct_error *err)
{
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < CT_P_COUNT; i++) {
            const struct param_prompt_def *g = &prompts[i];
            if (!values->ask[i] || g->early != (round == 0)) {
                continue;
            }
            values->ask[i] = false;
            if (g->ask_if != NULL && !g->ask_if(s, values)) {
                continue;
            }
            enum ct_err rc = ask_one(s, (enum ct_param_id)i, g, values, &values->v[i], err);
            if (rc != CT_OK) {
                return rc;
            }
            values->asked_any = true;
        }
    }
    return CT_OK;
}

void param_values_free(struct param_values *values)
{
    ct_param_values_free(values->v, CT_P_COUNT);
}
