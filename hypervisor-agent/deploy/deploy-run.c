/* deploy-run.c - see deploy-run.h. */
#include "deploy-run.h"

#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "buf.h"
#include "clock.h"
#include "ops.h"
#include "proto.h"

/* Every variable part is a positional argument: log, seconds, then the command. */
static const char runner[] = "log=$1; t=$2; shift 2; exec >\"$log\" 2>&1 </dev/null; "
                             "exec timeout -k 5 \"$t\" \"$@\"";

#define RUN_ARGV_MAX 48

/* The length of a well-formed UTF-8 sequence of 2-4 bytes at p (n left), 0 when it is none. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t len = p[0] >= 0xc2 && p[0] <= 0xdf   ? 2
                 : p[0] >= 0xe0 && p[0] <= 0xef ? 3
                 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
                                                : 0;
    if (len == 0 || len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
    }
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
        (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f) ||
        (p[0] == 0xc2 && p[1] <= 0x9f)) {
        return 0; /* overlong, a surrogate, past U+10FFFF, or a C1 control */
    }
    return len;
}

/*
 * What the container printed, made fit for a JSON string and a terminal:
 * well-formed UTF-8 kept, every other byte and every control character a
 * '?', cut at DEPLOY_LINE_MAX bytes on a character boundary.  (JSON
 * refuses malformed UTF-8: a raw line could cost the whole answer.)
 */
static void clean_line(const char *line, size_t len, char *out)
{
    const unsigned char *p = (const unsigned char *)line;
    size_t o = 0;
    for (size_t i = 0; i < len && o < DEPLOY_LINE_MAX;) {
        size_t n = p[i] >= 0x80 ? utf8_len(p + i, len - i) : 1;
        if (n > 1 && o + n <= DEPLOY_LINE_MAX) {
            memcpy(out + o, p + i, n);
            o += n;
            i += n;
            continue;
        }
        if (n > 1) {
            break; /* no room for the whole character */
        }
        char c = '?';
        if (line[i] == '\t') {
            c = ' ';
        } else if (p[i] >= 0x20 && p[i] < 0x7f) {
            c = line[i];
        }
        out[o++] = c;
        i++;
    }
    out[o] = '\0';
}

static void keep_line(struct deploy_run *r, const char *line, size_t len)
{
    char *slot = r->tail[r->tail_next];
    clean_line(line, len, slot);
    r->tail_next = (r->tail_next + 1) % DEPLOY_TAIL_LINES;
    if (r->ntail < DEPLOY_TAIL_LINES) {
        r->ntail++;
    }
    if (r->collect != NULL &&
        json_array_size(r->collect) < (r->stream_max != 0 ? r->stream_max : DEPLOY_STREAM_MAX)) {
        json_array_append_new(r->collect, json_string(slot)); /* NULL for invalid UTF-8: skipped */
    }
    if (!r->stream || r->agent->out == NULL) {
        return;
    }
    long now = clock_now_ms();
    size_t max = r->stream_max != 0 ? r->stream_max : DEPLOY_STREAM_MAX;
    if (r->streamed < max) {
        proto_progress(r->agent->out, r->step, "output", now - r->started_ms, slot);
    } else if (r->streamed == max) {
        proto_progress(r->agent->out, r->step, "output", now - r->started_ms,
                       "... (more output; the last lines are shown if it fails)");
    }
    r->streamed++;
    r->last_sent_ms = now;
    r->gone |= fflush(r->agent->out) != 0;
}

/* Split what the log holds past r->offset into lines; final: the unterminated rest too. */
static void read_log(struct deploy_run *r, bool final)
{
    struct agent_ctx *a = r->agent;
    struct buf text;
    struct ct_error ignored = {0};
    buf_init(&text, DEPLOY_LOG_MAX);
    if (a->backend->read_file(a->handle, r->name, r->log_path, &text, &ignored) != CT_OK ||
        text.data == NULL || text.len < r->offset) {
        buf_free(&text);
        return;
    }
    size_t start = r->offset;
    for (size_t i = r->offset; i < text.len; i++) {
        if (text.data[i] == '\n') {
            keep_line(r, text.data + start, i - start);
            start = i + 1;
        }
    }
    if (final && start < text.len) {
        keep_line(r, text.data + start, text.len - start);
        start = text.len;
    }
    r->offset = start;
    buf_free(&text);
}

static bool on_wait(void *p)
{
    struct deploy_run *r = p;
    read_log(r, false);
    long now = clock_now_ms();
    if (r->keepalive && r->agent->out != NULL && now - r->last_sent_ms > 20L * 1000) {
        /* The gateway ends a silent session (agent.idle_timeout); it ignores this state. */
        proto_progress(r->agent->out, r->step, "alive", now - r->started_ms, NULL);
        r->last_sent_ms = now;
        r->gone |= fflush(r->agent->out) != 0;
    }
    return !r->gone;
}

enum ct_err deploy_run(struct deploy_run *r, struct ct_error *err)
{
    const char *argv[RUN_ARGV_MAX + 1];
    char seconds[16];
    size_t n = 0;
    snprintf(seconds, sizeof(seconds), "%d", r->timeout_s);
    argv[n++] = "/bin/sh";
    argv[n++] = "-c";
    argv[n++] = runner;
    argv[n++] = "ctgate-deploy";
    argv[n++] = r->log_path;
    argv[n++] = seconds;
    for (size_t i = 0; r->argv[i] != NULL; i++) {
        if (n >= RUN_ARGV_MAX) {
            return ct_error_set(err, CT_ERR_INTERNAL, "command too long");
        }
        argv[n++] = r->argv[i];
    }
    argv[n] = NULL;
    r->exit_status = -1;
    r->timed_out = false;
    r->offset = 0;
    r->streamed = 0;
    r->ntail = 0;
    r->tail_next = 0;
    r->started_ms = clock_now_ms();
    r->last_sent_ms = r->started_ms;
    r->gone = false;
    struct backend_exec ex = {.argv = argv,
                              .env = r->env,
                              .cwd = r->cwd,
                              .uid = r->uid,
                              .gid = r->gid,
                              .timeout_s = r->timeout_s + 15, /* `timeout` ends it first */
                              .on_wait = on_wait,
                              .on_wait_ctx = r};
    enum ct_err rc = r->agent->backend->exec(r->agent->handle, r->name, &ex, err);
    read_log(r, true);
    if (rc != CT_OK) {
        return rc;
    }
    r->exit_status = ex.exit_status;
    r->timed_out = ex.exit_status == 124; /* timeout(1)'s own status; 137 may be the OOM killer */
    return CT_OK;
}

void deploy_run_send_tail(const struct deploy_run *r)
{
    FILE *out = r->agent->out;
    if (out == NULL) {
        return;
    }
    long ms = clock_now_ms() - r->started_ms;
    size_t first = (r->tail_next + DEPLOY_TAIL_LINES - r->ntail) % DEPLOY_TAIL_LINES;
    for (size_t i = 0; i < r->ntail; i++) {
        proto_progress(out, r->step, "output", ms, r->tail[(first + i) % DEPLOY_TAIL_LINES]);
    }
    fflush(out);
}
