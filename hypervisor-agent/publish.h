/*
 * publish.h - the nginx files ctgate generates from its registry.
 *
 * publish_render() turns a registry snapshot into two files: one HTTP
 * `server` per published name (NAME.domain proxied to ADDRESS:http_port,
 * WebSocket upgrade, long read timeouts) and one `stream` server per SSH
 * port (to ADDRESS:22).  Entries are sorted, so the same registry always
 * gives the same bytes; a header says the file is generated.
 *
 * publish_apply() regenerates both files under STATE_DIR/publish.lock:
 * writes them atomically (temp, fsync, rename), runs the configured test
 * command (nginx -t) and reload command, and on any failure puts the
 * previous files back (and reloads them) before returning the error.
 * `broken` (test builds' fault injection) appends a line nginx rejects.
 */
#ifndef CTGATE_PUBLISH_H
#define CTGATE_PUBLISH_H

#include <jansson.h>
#include <stdbool.h>

#include "agent-config.h"
#include "buf.h"
#include "error.h"

enum ct_err publish_render(const struct publish_config *p, json_t *registry, struct buf *http,
                           struct buf *stream, struct ct_error *err);
enum ct_err publish_apply(const struct agent_config *cfg, bool broken, struct ct_error *err);
/* Whether the files on disk are exactly what the registry renders now. */
enum ct_err publish_in_sync(const struct agent_config *cfg, bool *in_sync, struct ct_error *err);
/* "URL" and "ssh -p" values of one registry entry into data (when published). */
void publish_describe(const struct publish_config *p, const char *name, json_t *entry,
                      json_t *data);

#endif
