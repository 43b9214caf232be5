/*
 * timefmt.h - the one timestamp format ctgate writes and reads back:
 * RFC 3339 in UTC with whole seconds, "2026-11-23T16:27:53Z" (instance
 * metadata, the registry, expiry, protocol answers).
 */
#ifndef CTGATE_TIMEFMT_H
#define CTGATE_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TIMEFMT_LEN 20 /* characters, without the NUL */

void timefmt_rfc3339(time_t when, char *buf, size_t len);
/* false when text is not exactly that format. */
bool timefmt_parse(const char *text, time_t *when);

#endif
