/*
 * create-params.h - `create` at the gateway: the terminal's side of each
 * parameter (question, default, menu; the rows themselves, with flags,
 * CT_* variables and rules, are shared/params-table.h), the summary shown
 * before the final question, and the agent request built from the values.
 *
 * The gateway's checks are for people (a clear reason, asked again on a
 * terminal); the agent applies the same rules and the admin's policy again.
 */
#ifndef CTGATE_CREATE_PARAMS_H
#define CTGATE_CREATE_PARAMS_H

#include <jansson.h>

#include "command.h"
#include "param.h"

/* Indexed by enum ct_param_id; a row without a label is never asked. */
extern const struct param_prompt_def create_prompts[CT_P_COUNT];

/* Add every value given to an agent "create" request; non-zero when out of memory. */
int create_params_to_request(const struct param_values *values, json_t *req);
/*
 * create-repo.c: --repo and --branch.  Before login and without a network:
 * a deploy value (--branch, --root, --install, --build, --start, --env,
 * --service) without --repo, --repo where the gateway has no repo section,
 * the URL's form.  After the questions: the repository checked (once), the
 * branch settled into values (the default when none was given).
 */
enum ct_err create_repo_precheck(const struct session *s, const struct param_values *values,
                                 struct ct_error *err);
enum ct_err create_repo_settle(struct session *s, struct param_values *values,
                               struct ct_error *err);
/* "repo_address" (the address checked, the agent pins its clone to it) into req; non-zero: no memory. */
int create_repo_to_request(json_t *req);
/* Drop the kept answer of the check (at the end of the create). */
void create_repo_forget(void);
/* "About to create:" and the settings, on stderr, before the final question. */
void create_params_show(struct session *s, const struct param_values *values);

#endif
