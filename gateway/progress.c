/* progress.c - see progress.h. */
#include "progress.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "output.h"
#include "strcopy.h"

static const struct {
    const char *step;
    const char *label;
} labels[] = {
    {"reserve", "reserve the hostname"},
    {"claim", "take a started container"},
    {"clone", "create the container"},
    {"start", "start it"},
    {"stop", "stop it"},
    {"restart", "restart it"},
    {"network", "wait for its network"},
    {"account", "create your account"},
    {"keys", "install your SSH key"},
    {"password", "set the root password"},
    {"wait", "wait for the first attempt of this request"},
    {"destroy", "destroy the container"},
    {"release", "free the hostname"},
    {"publish", "publish its name and ports"},
    {"deploy:clone", "clone your repository"},
    {"deploy:services", "start the services"},
    {"deploy:install", "run your install command"},
    {"deploy:build", "run your build command"},
    {"deploy:start", "start your app"},
    {"redeploy:clone", "clone the new version"},
    {"redeploy:install", "run your install command"},
    {"redeploy:build", "run your build command"},
    {"redeploy:start", "switch to it and restart"},
    {"unpublish", "withdraw its name and ports"},
    {"restore", "roll back to the snapshot"},
};

static const char *label_of(const char *step)
{
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        if (strcmp(labels[i].step, step) == 0) {
            return labels[i].label;
        }
    }
    return step;
}

void progress_init(struct progress *p, bool tty, bool quiet)
{
    memset(p, 0, sizeof(*p));
    p->tty = tty;
    p->quiet = quiet;
}

static void draw_running(struct progress *p)
{
    static const char spinner[] = "|/-\\";
    double s = (double)(clock_now_ms() - p->started_ms) / 1000.0;
    printf("\r  %c      %-28s %6.1f s", spinner[p->spin++ % 4], label_of(p->step), s);
    fflush(stdout);
}

static void on_tick(void *ctx)
{
    struct progress *p = ctx;
    if (p->tty && !p->quiet && p->running) {
        draw_running(p);
    }
}

static void on_progress(void *ctx, json_t *line)
{
    struct progress *p = ctx;
    char step[32];
    char msg[256] = "";
    const char *state = json_string_value(json_object_get(line, "state"));
    long ms = (long)json_integer_value(json_object_get(line, "ms"));
    if (p->quiet || state == NULL ||
        output_clean(json_string_value(json_object_get(line, "step")), step, sizeof(step)) ==
            NULL) {
        return;
    }
    if (output_clean(json_string_value(json_object_get(line, "msg")), msg, sizeof(msg)) == NULL) {
        msg[0] = '\0'; /* no msg, or not a string */
    }
    const char *mark = NULL;
    if (strcmp(state, "output") == 0) { /* a line a command in the container printed */
        bool bare = strcmp(step, "logs") == 0; /* logs --follow: the lines themselves */
        printf("%s%s%s\n", p->tty ? "\r\033[K" : "", bare ? "" : "         | ", msg);
        if (p->tty && p->running) {
            draw_running(p);
        }
        fflush(stdout);
        return;
    }
    if (strcmp(state, "begin") == 0) {
        str_copy(p->step, sizeof(p->step), step);
        p->started_ms = clock_now_ms();
        p->running = true;
        if (p->tty) {
            draw_running(p);
        }
        return;
    }
    if (strcmp(state, "done") == 0) {
        mark = p->tty ? "ok" : "done";
    } else if (strcmp(state, "fail") == 0) {
        mark = "FAILED";
    } else if (strcmp(state, "undo") == 0) {
        mark = "undone";
    } else {
        return;
    }
    if (p->tty) {
        printf("\r\033[K");
    }
    printf("  %-6s %-28s %6.2f s", mark, label_of(step), (double)ms / 1000.0);
    if (strcmp(state, "fail") == 0 && json_object_get(line, "msg") != NULL) {
        printf("  %s", msg);
    }
    printf("\n");
    fflush(stdout);
    p->running = false;
}

struct agent_events progress_events(struct progress *p)
{
    struct agent_events ev = {.progress = on_progress, .tick = on_tick, .ctx = p};
    return ev;
}

void progress_end(struct progress *p)
{
    if (p->tty && p->running && !p->quiet) {
        printf("\n");
        fflush(stdout);
    }
    p->running = false;
}
