/*
 * param.h - where each create parameter's value comes from.
 *
 * The parameters themselves (flag, CT_* variable, type, rule) are the rows
 * of shared/params-table.h; this file adds what only a terminal needs (a
 * question, a default, a menu) in struct param_prompt_def, one per row,
 * indexed by enum ct_param_id.
 *
 * Precedence: --flag > CT_* variable > prompt (only on a terminal) >
 * default.  param_resolve() runs before authentication and takes flags,
 * variables and (without a terminal) defaults, so a script learns about a
 * bad or missing value at once, naming both the flag and the variable.
 * param_prompt() runs after authentication and asks, on a terminal, for
 * every parameter not given (the early rows first), showing its default; a rejected answer is
 * explained and asked again, at most PROMPT_TRIES times (prompt.h).  Values
 * are owned by struct param_values (param_values_free()).
 */
#ifndef CTGATE_PARAM_H
#define CTGATE_PARAM_H

#include <stdbool.h>
#include <stddef.h>

#include "command.h"
#include "error.h"
#include "params-table.h"
#include "session.h"

#define PARAM_VALUE_MAX 16384

struct param_values;

struct param_prompt_def {
    const char *label; /* prompt text, e.g. "Hostname"; NULL: never asked, flag or variable only */
    /* Extra check only for typed answers (e.g. ask the agent whether a name is free). */
    bool (*check_live)(struct session *s, const struct param_values *so_far, const char *value,
                       char *why, size_t whylen);
    /*
     * Default into out ("" for none) and how to show it in the prompt; it
     * may depend on the values settled so far (e.g. the template's size).
     */
    void (*fallback)(struct session *s, const struct param_values *so_far, char *out, size_t len,
                     char *shown, size_t shownlen);
    /* On a terminal: print the choices before the first question (NULL: none)... */
    void (*show_menu)(struct session *s, const struct param_values *so_far);
    /* ...and turn an answer (a list: each item) that picks one by number into its name. */
    void (*from_menu)(struct session *s, const struct param_values *so_far, char *answer,
                      size_t len);
    /* Whether to ask at all, given the values so far (NULL: always); not asked stays unset. */
    bool (*ask_if)(struct session *s, const struct param_values *so_far);
    /* Asked in the first round (in table order), before every other question. */
    bool early;
};

struct param_values {
    struct ct_param_value v[CT_P_COUNT];
    bool ask[CT_P_COUNT]; /* to be asked at the prompt */
    bool asked_any;       /* param_prompt asked at least one question */
};

enum ct_err param_resolve(struct session *s, const struct param_prompt_def *prompts,
                          const struct cmd_args *args, struct param_values *out,
                          struct ct_error *err);
enum ct_err param_prompt(struct session *s, const struct param_prompt_def *prompts,
                         struct param_values *values, struct ct_error *err);
void param_values_free(struct param_values *values);

#endif
