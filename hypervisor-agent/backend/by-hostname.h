/*
 * by-hostname.h - the backend as every operation sees it: containers named
 * by the hostname their owner chose, whatever the backend calls them.
 *
 * A container claimed from a warm pool (pool.h) keeps its instance's name
 * (LXD cannot rename a running instance); its registry entry records that
 * name (struct registry_entry.instance).  by_hostname_wrap() puts a driver
 * of its own in front of the opened backend: each call that names a
 * container looks the hostname up (in the registry once, then in the
 * handle's memory) and passes the instance's name on; list and get name
 * containers by hostname again.  Everything else, and every function the
 * real driver lacks (NULL stays NULL), is the real driver's.
 *
 * The hostname-to-instance pairing of an entry never changes while the
 * entry exists, so what the handle remembers stays true for its run.
 */
#ifndef CTGATE_BY_HOSTNAME_H
#define CTGATE_BY_HOSTNAME_H

#include "agent-config.h"
#include "backend.h"
#include "error.h"

/*
 * Replace *ops and *handle (an opened backend) by the wrapper; on failure
 * (out of memory) they are left as they were and still open.  The
 * wrapper's close closes the real handle.
 */
enum ct_err by_hostname_wrap(const struct agent_config *cfg, const struct backend_ops **ops,
                             void **handle, struct ct_error *err);

/*
 * A create that reserved hostname says which instance it is (the claimed
 * pooled one, or hostname itself) before it calls the backend about it:
 * what an earlier lookup of the name found (a recovered predecessor's) is
 * replaced (handle: the wrapper's; anything else is left alone).
 */
void by_hostname_claimed(void *handle, const char *hostname, const char *instance);

#endif
