/*
 * log.h - logging to syslog (and to stderr when asked).
 *
 * Messages must never contain secrets; callers pass only validated values.
 * Not async-signal-safe.
 */
#ifndef CTGATE_LOG_H
#define CTGATE_LOG_H

#include <stdbool.h>

void log_open(const char *ident, bool also_stderr);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
