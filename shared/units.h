/*
 * units.h - sizes and durations as people write them ("512MiB", "256MB",
 * "2G", "7d"), parsed and printed the same way by the gateway (flags,
 * prompts), the agent (config, request checks) and the reaper.
 *
 * Sizes are carried in bytes so that a decimal size ("256MB" = 256 * 10^6
 * bytes, not a whole MiB) reaches LXD as exactly what was typed.
 *
 * Parsers take the whole string or nothing: no sign, no spaces, no
 * fractions, at most UNITS_DIGITS_MAX digits, and a result that fits the
 * documented ceiling; they never allocate.
 */
#ifndef CTGATE_UNITS_H
#define CTGATE_UNITS_H

#include <stdbool.h>
#include <stddef.h>

#define UNITS_DIGITS_MAX 16 /* 1 PiB in bytes; enough for anything units_format_size prints */
#define UNITS_MIB (1024LL * 1024)
#define UNITS_BYTES_MAX (1024LL * 1024 * 1024 * UNITS_MIB) /* 1 PiB */
#define UNITS_SECONDS_MAX (10LL * 366 * 24 * 3600)          /* ten years */

/*
 * Size in bytes.  Suffixes, case-insensitive:
 *   binary:  K, KiB (1024), M, MiB (1024^2), G, GiB (1024^3), T, TiB (1024^4)
 *   decimal: KB (1000), MB (1000^2), GB (1000^3), TB (1000^4)
 *   B (bytes); and a bare number is MiB.
 * As in LXD, "MB" is decimal and "MiB" binary; a bare "M" or "G" (which LXD
 * does not take) means MiB or GiB, as it always has here.
 */
bool units_parse_size(const char *s, long long *bytes);
/* Duration in seconds: "90s", "30m", "2h", "7d", "2w" (a unit is required). */
bool units_parse_duration(const char *s, long long *seconds);
/*
 * bytes in the largest unit that divides it, binary first: "2GiB", "512MiB",
 * "256MB", "1GB", "1500kB" or "123B".  LXD reads every one of them as the
 * same number of bytes, and units_parse_size() gives that number back.
 */
void units_format_size(long long bytes, char *buf, size_t len);
/* "2w", "7d", "36h", "90m" or "45s": the largest unit that divides it. */
void units_format_duration(long long seconds, char *buf, size_t len);

#endif
