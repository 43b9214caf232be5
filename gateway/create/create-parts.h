/*
 * create-parts.h - the pieces create-params.c puts into its prompt table:
 * the checks of a typed answer that need the agent (create-checks.c) and
 * the defaults and menus a terminal shows (create-menus.c, from the agent's
 * catalog), and the repository's questions (create-repo.c).  Internal to `create`; signatures are those of struct
 * param_prompt_def (param.h).
 */
#ifndef CTGATE_CREATE_PARTS_H
#define CTGATE_CREATE_PARTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "param.h"
#include "session.h"

/* create-checks.c: checks that ask the agent or the catalog (the rules are the table's) */
bool create_live_hostname(struct session *s, const struct param_values *so_far, const char *value,
                          char *why, size_t len);
bool create_live_template(struct session *s, const struct param_values *so_far, const char *value,
                          char *why, size_t len);
bool create_live_size(struct session *s, const struct param_values *so_far, const char *value,
                      char *why, size_t len);

/* create-repo.c: the repository (only where the gateway deploys) and its branch (only after one) */
bool create_ask_repo(struct session *s, const struct param_values *so_far);
bool create_ask_branch(struct session *s, const struct param_values *so_far);
bool create_live_repo(struct session *s, const struct param_values *so_far, const char *value,
                      char *why, size_t len);
bool create_live_branch(struct session *s, const struct param_values *so_far, const char *value,
                        char *why, size_t len);
void create_default_branch(struct session *s, const struct param_values *so_far, char *out,
                           size_t len, char *shown, size_t shownlen);

/* create-menus.c: defaults, menus and picking by number (once logged in) */
void create_default_template(struct session *s, const struct param_values *so_far, char *out,
                             size_t len, char *shown, size_t shownlen);
void create_default_pubkey(struct session *s, const struct param_values *so_far, char *out,
                           size_t len, char *shown, size_t shownlen);
void create_default_size(struct session *s, const struct param_values *so_far, char *out,
                         size_t len, char *shown, size_t shownlen);
void create_default_http_port(struct session *s, const struct param_values *so_far, char *out,
                              size_t len, char *shown, size_t shownlen);
void create_default_expires(struct session *s, const struct param_values *so_far, char *out,
                            size_t len, char *shown, size_t shownlen);
/* A new random request id: every create is safe to repeat. */
void create_default_request_id(struct session *s, const struct param_values *so_far, char *out,
                               size_t len, char *shown, size_t shownlen);
void create_menu_templates(struct session *s, const struct param_values *so_far);
void create_pick_template(struct session *s, const struct param_values *so_far, char *answer,
                          size_t len);
void create_describe_size(json_t *size, char *buf, size_t len);
json_t *create_catalog_size(struct session *s, const char *name);
void create_menu_sizes(struct session *s, const struct param_values *so_far);
void create_pick_size(struct session *s, const struct param_values *so_far, char *answer,
                      size_t len);
void create_menu_protocols(struct session *s, const struct param_values *so_far);
void create_pick_protocol(struct session *s, const struct param_values *so_far, char *answer,
                          size_t len);

#endif
