/*
 * timelog.h - a small file of event times, one decimal epoch second per line,
 * oldest first: the per-user create rate (the agent's ratelimit.c) and the
 * gateway's login throttle (throttle.c) keep one each.  The caller opens and
 * locks the file; these only parse and rewrite its text.  Lines that are not
 * a time, lie in the future or fall out of the window are dropped.
 */
#ifndef CTGATE_TIMELOG_H
#define CTGATE_TIMELOG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TIMELOG_LINE_MAX 21 /* a 64-bit number and its newline */

/*
 * The times in text (NUL-terminated; changed by the parse) within the window
 * (now - window_s, now], oldest first, into kept; at most max of them (the
 * newest).  Returns how many.
 */
size_t timelog_parse(char *text, time_t now, long long window_s, long long *kept, size_t max);

/* Replace the whole content of fd with kept[0..n-1]; false when that failed. */
bool timelog_write(int fd, const long long *kept, size_t n);

#endif
