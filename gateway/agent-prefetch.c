/* agent-prefetch.c - see agent-prefetch.h. */
#include "agent-prefetch.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Everything the thread writes; the main thread reads it only after the join. */
struct agent_prefetch_job {
    const struct gw_config *cfg;
    struct agent_link *link;
    enum ct_err rc;
    struct ct_error err;
};

static void *prefetch_run(void *arg)
{
    struct agent_prefetch_job *job = arg;
    job->rc = agent_link_open(job->cfg, &job->link, &job->err);
    return NULL;
}

bool agent_prefetch_start(const struct gw_config *cfg, struct agent_prefetch *pf)
{
    struct agent_prefetch_job *job = NULL;
    sigset_t all;
    sigset_t old;
    int rc;

    if (pf->started) {
        return false;
    }
    if ((job = calloc(1, sizeof(*job))) == NULL) {
        return false;
    }
    job->cfg = cfg;
    /* The thread inherits this mask: every signal stays the main thread's (prompt.c's handlers). */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&pf->thread, NULL, prefetch_run, job);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        log_warn("agent: cannot open the link in the background (%s); opening it when needed",
                 strerror(rc));
        free(job);
        return false;
    }
    pf->job = job;
    pf->started = true;
    return true;
}

bool agent_prefetch_started(const struct agent_prefetch *pf)
{
    return pf->started;
}

/* Wait for the thread (once) and hand its job over to the caller, who frees it. */
static struct agent_prefetch_job *prefetch_join(struct agent_prefetch *pf)
{
    struct agent_prefetch_job *job = pf->job;
    pthread_join(pf->thread, NULL);
    pf->started = false;
    pf->job = NULL;
    return job;
}

enum ct_err agent_prefetch_take(struct agent_prefetch *pf, const struct gw_config *cfg,
                                struct agent_link **link, struct ct_error *err)
{
    if (!pf->started) {
        return agent_link_open(cfg, link, err);
    }
    struct agent_prefetch_job *job = prefetch_join(pf);
    enum ct_err rc = job->rc;
    if (rc == CT_OK) {
        *link = job->link;
    } else if (err != NULL) {
        /* What agent_link_open's ct_error_set leaves: all but a step it did not set. */
        const char *step = err->step;
        *err = job->err;
        if (err->step == NULL) {
            err->step = step;
        }
    }
    free(job);
    return rc;
}

void agent_prefetch_drop(struct agent_prefetch *pf)
{
    if (!pf->started) {
        return;
    }
    struct agent_prefetch_job *job = prefetch_join(pf);
    agent_link_close(job->link); /* NULL when the open failed */
    free(job);
}
