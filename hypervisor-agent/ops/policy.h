/*
 * policy.h - what a user may ask for: named sizes, per-template ceilings,
 * per-user quotas and expiry bounds; how long request records are kept.
 *
 * policy_load() reads them from the agent's configuration (conf/agent.conf
 * documents every setting) and policy_load_template() the size-related
 * fields of one template; the resolve functions turn one create request
 * into the values the agent applies, or a CT_ERR_BAD_VALUE naming the rule
 * that refused it.  Quotas are counted by the registry, under its lock
 * (registry.h), so parallel creates cannot overshoot them.
 */
#ifndef CTGATE_POLICY_H
#define CTGATE_POLICY_H

#include <libconfig.h>
#include <stdbool.h>

#include "agent-config.h"
#include "error.h"

/* How long the outcome of a create is kept for repeats of its request id, unless configured. */
#define POLICY_REQUESTS_KEEP_DEFAULT_S (30LL * 24 * 3600)

enum ct_err policy_load(const config_t *conf, struct policy_config *p, struct ct_error *err);
/* size, sizes, max and runtimes of the template setting s (line numbers in errors). */
enum ct_err policy_load_template(const config_setting_t *s, const struct policy_config *p,
                                 struct template_def *t, struct ct_error *err);
void policy_free(struct policy_config *p);

const struct size_def *policy_size(const struct policy_config *p, const char *name);
bool policy_template_offers(const struct template_def *t, const char *size);
/*
 * The limits of a new container: the named size (or the template's default
 * size), then each value given in asked (0: not given) replacing the size's,
 * all within the template's ceiling.
 */
enum ct_err policy_resolve_size(const struct policy_config *p, const struct template_def *t,
                                const char *size, const struct size_spec *asked,
                                struct size_spec *out, struct ct_error *err);
/*
 * Seconds until expiry (0: never): asked_s when given (0 asks for "never"),
 * else the default; refused above expiry.max, and "never" refused when a
 * maximum is set.
 */
enum ct_err policy_resolve_expiry(const struct policy_config *p, bool given, long long asked_s,
                                  long long *out_s, struct ct_error *err);
/* The quota of uid: its override, else the default; admins have none. */
struct quota policy_quota(const struct policy_config *p, const char *uid, bool admin);

#endif
