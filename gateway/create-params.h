/*
 * create-params.h - the parameters of `create` (SPEC §3): their flags and
 * CT_* variables, the rule each value must pass at the gateway, defaults
 * and menus at the prompt, and how they go into the agent's request.
 *
 * The gateway's checks are for people (a clear reason, asked again on a
 * terminal); the agent applies the same rules and the admin's policy again.
 */
#ifndef CTGATE_CREATE_PARAMS_H
#define CTGATE_CREATE_PARAMS_H

#include <jansson.h>

#include "command.h"
#include "param.h"

enum create_param {
    P_HOSTNAME,
    P_TEMPLATE,
    P_PUBKEY,
    P_SIZE,
    P_CPU,
    P_MEMORY,
    P_DISK,
    P_HTTP_PORT,
    P_PROTOCOLS,
    P_EXPIRES,
    P_REQUEST_ID,
    P_COUNT
};

extern const struct param_def create_params[P_COUNT];
extern const struct flag_def create_flags[];

/*
 * Add every value given to an agent "create" request, and a request id (a
 * random one when none was given); non-zero when out of memory.
 */
int create_params_to_request(const struct param_values *values, json_t *req);
/* "About to create:" and the settings, on stderr, before the final question. */
void create_params_show(struct session *s, const struct param_values *values);

#endif
