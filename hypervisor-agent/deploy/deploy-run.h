/*
 * deploy-run.h - run one command inside a container for a deploy, with its
 * output streamed to the user as it comes.
 *
 * The command runs through the backend's exec (argv only) under a fixed
 * runner line: `timeout` bounds it inside the container, its stdout and
 * stderr go to a log file there, and while it runs the log is read about
 * once a second and its new lines are sent as progress lines (state
 * "output") of the run's step.  What the container writes is its owner's:
 * lines are cut at DEPLOY_LINE_MAX bytes, at most DEPLOY_STREAM_MAX are
 * sent, and the gateway cleans each before printing it.  The last
 * DEPLOY_TAIL_LINES lines are kept for the error of a failed run.
 * Not thread-safe (the backend handle is not).
 */
#ifndef CTGATE_DEPLOY_RUN_H
#define CTGATE_DEPLOY_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "error.h"

#define DEPLOY_LINE_MAX 240
#define DEPLOY_TAIL_LINES 20
#define DEPLOY_STREAM_MAX 1000
#define DEPLOY_LOG_MAX ((size_t)4 * 1024 * 1024)

struct agent_ctx;

struct deploy_run {
    struct agent_ctx *agent;
    const char *name;        /* the container */
    const char *step;        /* its progress step: "deploy:install" */
    const char *const *argv; /* the command, NULL-terminated */
    const char *const *env;  /* "NAME=value", NULL-terminated, or NULL */
    const char *cwd;         /* inside; NULL: the backend's default */
    long long uid, gid;      /* 0: root */
    const char *log_path;    /* inside, writable by uid */
    size_t stream_max;       /* lines sent at most (0: DEPLOY_STREAM_MAX) */
    json_t *collect;         /* when not NULL: every line (up to stream_max) appended as a string */
    /* out: the last lines, a ring with the oldest at tail_next */
    size_t ntail;
    size_t tail_next;
    /* private */
    size_t offset;   /* bytes of the log already split into lines */
    size_t streamed; /* lines sent */
    long last_sent_ms;
    long started_ms;
    int timeout_s;
    int exit_status; /* out */
    bool stream;     /* send lines as they come */
    bool keepalive;  /* a progress line every 20 s of silence (logs --follow) */
    bool timed_out;  /* out: `timeout` ended it */
    bool gone;       /* private: the reader went away, stop waiting */
    char tail[DEPLOY_TAIL_LINES][DEPLOY_LINE_MAX + 1];
};

/*
 * Run r->argv and wait for it.  CT_OK means it ran (look at r->exit_status;
 * r->timed_out when `timeout` ended it); an error means it could not be run.
 */
enum ct_err deploy_run(struct deploy_run *r, struct ct_error *err);
/* Send the kept last lines as progress lines of r->step (after a failure). */
void deploy_run_send_tail(const struct deploy_run *r);

#endif
