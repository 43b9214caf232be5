/*
 * units.h - sizes and durations as people write them ("512MiB", "2G",
 * "7d"), parsed and printed the same way by the gateway (flags, prompts),
 * the agent (config, request checks) and the reaper.
 *
 * Parsers take the whole string or nothing: no sign, no spaces, no
 * fractions, at most UNITS_DIGITS_MAX digits, and a result that fits the
 * documented ceiling; they never allocate.
 */
#ifndef CTGATE_UNITS_H
#define CTGATE_UNITS_H

#include <stdbool.h>
#include <stddef.h>

#define UNITS_DIGITS_MAX 9
#define UNITS_MIB_MAX (1024LL * 1024 * 1024) /* 1 PiB in MiB */
#define UNITS_SECONDS_MAX (10LL * 366 * 24 * 3600) /* ten years */

/*
 * Size in MiB: "512", "512M", "512MiB", "2G", "2GiB", "1T", "1TiB"; a bare
 * number is MiB.  Units are case-insensitive; 1G = 1024 MiB.
 */
bool units_parse_mib(const char *s, long long *mib);
/* Duration in seconds: "90s", "30m", "2h", "7d", "2w" (a unit is required). */
bool units_parse_duration(const char *s, long long *seconds);
/* "512MiB", or "2GiB" when a whole number of GiB. */
void units_format_mib(long long mib, char *buf, size_t len);
/* "2w", "7d", "36h", "90m" or "45s": the largest unit that divides it. */
void units_format_duration(long long seconds, char *buf, size_t len);

#endif
