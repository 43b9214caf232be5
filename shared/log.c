/* log.c - see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

static bool to_stderr;
static const char *log_ident = "ctgate";

void log_open(const char *ident, bool also_stderr)
{
    log_ident = ident;
    to_stderr = also_stderr;
    openlog(ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

static void vlog(int prio, const char *fmt, va_list ap)
{
    char line[1024];
    vsnprintf(line, sizeof(line), fmt, ap);
    syslog(prio, "%s", line);
    if (to_stderr) {
        fprintf(stderr, "%s: %s\n", log_ident, line);
    }
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_INFO, fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_WARNING, fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_ERR, fmt, ap);
    va_end(ap);
}
