/*
 * deploy-record.h - what a create deployed, kept for `redeploy`:
 * STATE_DIR/deploys/NAME.json (the agent's, 0600) holding the request id
 * that made the container, the repository, its pinned address, the branch,
 * --root and the commands.  Never the variables: their values stay in the
 * container's .env, which a redeploy carries over.
 *
 * Written once the create has succeeded, removed with the container; a
 * record whose request id is not the container's (a name deleted while the
 * record could not be removed, then taken again) is not believed.
 */
#ifndef CTGATE_DEPLOY_RECORD_H
#define CTGATE_DEPLOY_RECORD_H

#include <jansson.h>

#include "error.h"

struct request;

enum ct_err deploy_record_save(const char *state_dir, const struct request *req,
                               const char *request_id, struct ct_error *err);
/* *out: the record (caller decrefs); CT_ERR_NOT_FOUND when there is none. */
enum ct_err deploy_record_load(const char *state_dir, const char *name, json_t **out,
                               struct ct_error *err);
/* Replace the record of name with rec (a redeploy's new release and branch). */
enum ct_err deploy_record_update(const char *state_dir, const char *name, json_t *rec,
                                 struct ct_error *err);
void deploy_record_remove(const char *state_dir, const char *name);

#endif
