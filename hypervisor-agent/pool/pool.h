/*
 * pool.h - the warm pool: started, unassigned containers of a template,
 * kept ready so that a create can claim one instead of making one.
 *
 * agent.conf's `pool = ( { template = "NAME"; size = N; } )` sets
 * template_def.pool.  A pooled container is a registry entry of its own
 * (registry.h: pool_of), named POOL_PREFIX and 8 hex digits, with no owner:
 * it counts against no one's quota, has no account, key or published port,
 * and was never reachable by a user.  A create claims one in the same
 * locked registry write that reserves the user's hostname (reserve_claim.
 * claim_from), then adopts it (backend adopt: metadata, limits) and gives it
 * the user's hostname, account, key and password; the container keeps its
 * instance name (by-hostname.h hides it).  A claimed container never goes
 * back: a failed create destroys it, delete destroys it.
 *
 * pool_fill() makes what is missing, one container after another (create,
 * start, address), each reserved before it is made, so a killed fill leaves
 * a pending entry that reconcile rolls back, never a container a create
 * could claim.  A create starts one in the background (pool_fill_later);
 * a timer runs `ctgate-agent pool fill` too.
 */
#ifndef CTGATE_POOL_H
#define CTGATE_POOL_H

#include <stdbool.h>

#include "agent-config.h"
#include "error.h"
#include "ops.h"

#define POOL_PREFIX "ctgate-pool-"

/* Is name a pooled container's (a user may never take it)? */
bool pool_name(const char *hostname);

/*
 * Bring every template's pool to its size: first remove settled pooled
 * containers beyond it (a pool made smaller or taken out of agent.conf)
 * and those made from an image the template no longer names (rebuilt),
 * then make what is missing.  Fills run one at a time (STATE_DIR/pool.lock;
 * wait false: return at once when another runs);
 * say (may be NULL) is told of each container made ("" detail), removed
 * ("removed") or failed (ok false).  Stops a template at its first
 * failure; returns the first error.
 */
typedef void (*pool_say_fn)(void *ctx, const char *template_name, const char *name, bool ok,
                            const char *detail, long ms);
enum ct_err pool_fill(struct agent_ctx *agent, bool wait, pool_say_fn say, void *say_ctx,
                      struct ct_error *err);

/*
 * May a create with these limits claim a pooled container of t?  Not when
 * it asks for a smaller root disk than the pool's (t's default size):
 * not every storage driver shrinks a volume; it is made instead.
 */
bool pool_fits(const struct agent_ctx *agent, const struct template_def *t,
               const struct size_spec *limits);

/*
 * Start `ctgate-agent --config PATH pool fill --if-idle` in the background, in a
 * session of its own with /dev/null for stdin, stdout and stderr, and
 * return at once (the create does not wait for it).  Failures are logged.
 */
void pool_fill_later(const struct agent_ctx *agent);

#endif
