/*
 * agent-link.h - the gateway's one SSH session to the hypervisor agent.
 *
 * libssh, configured explicitly: no ssh_config processing, the agent's host
 * key checked against the pinned known_hosts file from the configuration
 * (an unknown or changed key is refused: no trust on first use), the
 * gateway's private key from the configuration, a connect timeout.  Each
 * call opens a channel on the same session, sends one request line, and
 * hands every progress line to a callback as it arrives; the result line is
 * returned.  Silence longer than agent.idle_timeout is a CT_ERR_TIMEOUT.
 */
#ifndef CTGATE_AGENT_LINK_H
#define CTGATE_AGENT_LINK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "gw-config.h"

/*
 * The longest line the agent may answer with: an admin's `list` of every
 * container is one line, some 500 bytes a container (at most about 3.5 KiB
 * with a 200-byte description escaped and 16 protocols), so 5 000 take 2.5
 * MiB and at worst 18 MiB.  The buffer grows only as the answer arrives.
 */
#define AGENT_LINE_MAX ((size_t)32 * 1024 * 1024)

struct agent_link; /* opaque */

struct agent_events {
    /* One progress object ({"step","state","ms","msg"?}); borrowed. */
    void (*progress)(void *ctx, json_t *line);
    /*
     * The bytes of one "data" line (export), in order; false stops the call
     * (CT_ERR_INTERNAL "cannot write the data").  NULL: a data line is a
     * protocol error.
     */
    bool (*data)(void *ctx, const unsigned char *bytes, size_t len);
    /* Called about ten times a second while waiting (spinners); may be NULL. */
    void (*tick)(void *ctx);
    void *ctx;
};

enum ct_err agent_link_open(const struct gw_config *cfg, struct agent_link **out,
                            struct ct_error *err);
void agent_link_close(struct agent_link *link);
/*
 * Send request (a JSON object, borrowed) and wait for the result line.  On
 * CT_OK *result holds the result object ({"ok":...,"data"|"error":...}),
 * which the caller releases with json_decref.
 */
enum ct_err agent_link_call(struct agent_link *link, json_t *request,
                            const struct agent_events *events, json_t **result,
                            struct ct_error *err);

#endif
