/*
 * clock.h - milliseconds on the monotonic clock, for deadlines and step
 * durations in both binaries.  Async-signal-safe (clock_gettime).
 */
#ifndef CTGATE_CLOCK_H
#define CTGATE_CLOCK_H

long clock_now_ms(void);

#endif
