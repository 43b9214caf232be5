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
 * replaces them through atomicfile.h (temp, fsync, rename, fsync dir), runs
 * the configured test command (nginx -t) and reload command, and on any
 * failure puts the previous files back (and reloads them) before returning
 * the error.
 */
#ifndef CTGATE_PUBLISH_H
#define CTGATE_PUBLISH_H

#include <jansson.h>
#include <stdbool.h>

#include "agent-config.h"
#include "buf.h"
#include "error.h"
#include "registry.h"

/* Append both files' text for the entries of reg to http and stream. */
enum ct_err publish_render(const struct publish_config *p, const struct registry_snapshot *reg,
                           struct buf *http, struct buf *stream, struct ct_error *err);
enum ct_err publish_apply(const struct agent_config *cfg, struct ct_error *err);
#ifdef CTGATE_FAULT_INJECTION
/*
 * Test builds only (fault.h): publish_apply() with a line nginx rejects
 * appended to the HTTP file, so tests see a refused file rolled back (the
 * "nginx-broken" fault of tests/integration/publish.sh).
 */
enum ct_err publish_apply_broken(const struct agent_config *cfg, struct ct_error *err);
#endif
/* Whether the files on disk are exactly what the registry renders now. */
enum ct_err publish_in_sync(const struct agent_config *cfg, bool *in_sync, struct ct_error *err);
/* "URL" and "ssh -p" values of one registry entry (may be NULL) into data (when published). */
void publish_describe(const struct publish_config *p, const struct registry_entry *entry,
                      json_t *data);

#endif
