/*
 * param.h - where each create parameter's value comes from.
 *
 * Precedence: --flag > CT_* variable > prompt (only on a terminal) >
 * default.  param_resolve() runs before authentication and takes flags,
 * variables and (without a terminal) defaults, so a script learns about a
 * bad or missing value at once, naming both the flag and the variable.
 * param_prompt() runs after authentication and asks, on a terminal, for
 * every parameter not given, showing its default; a rejected answer is
 * explained and asked again, at most PROMPT_TRIES times (prompt.h).  Values are heap
 * copies owned by struct param_values (param_values_free()).
 */
#ifndef CTGATE_PARAM_H
#define CTGATE_PARAM_H

#include <stdbool.h>
#include <stddef.h>

#include "command.h"
#include "error.h"
#include "session.h"

#define PARAM_MAX 16
#define PARAM_VALUE_MAX 16384

struct param_values;

struct param_def {
    const char *flag;  /* flag name (a struct flag_def of the command), e.g. "hostname" */
    const char *env;   /* "CT_HOSTNAME" */
    const char *label; /* prompt text, e.g. "Hostname"; NULL: never asked, flag or variable only */
    bool required;
    bool list; /* a repeatable flag: its values are joined with ',' (the variable is a,b,c) */
    /*
     * Check (and normalise in place, e.g. lower-case) value; on refusal
     * return false with a reason for people in why.
     */
    bool (*check)(struct session *s, char *value, char *why, size_t whylen);
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
    /* ...and turn an answer that picks one by number into its name, in place. */
    void (*from_menu)(struct session *s, const struct param_values *so_far, char *answer,
                      size_t len);
};

struct param_values {
    char *v[PARAM_MAX];
    bool ask[PARAM_MAX]; /* to be asked at the prompt */
    bool asked_any;      /* param_prompt asked at least one question */
};

enum ct_err param_resolve(struct session *s, const struct param_def *defs, size_t n,
                          const struct cmd_args *args, struct param_values *out,
                          struct ct_error *err);
enum ct_err param_prompt(struct session *s, const struct param_def *defs, size_t n,
                         struct param_values *values, struct ct_error *err);
void param_values_free(struct param_values *values, size_t n);

#endif
