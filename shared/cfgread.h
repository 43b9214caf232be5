/*
 * cfgread.h - typed, bounded lookups in a libconfig document, shared by
 * the agent's and the gateway's configuration loaders.
 *
 * Each copies or checks one setting and reports a CT_ERR_CONFIG naming the
 * setting when it is missing (and has no fallback), too long or out of range.
 * Nothing is allocated.
 */
#ifndef CTGATE_CFGREAD_H
#define CTGATE_CFGREAD_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Copy the string at path into dst; use fallback when absent (NULL: required). */
enum ct_err cfgread_string(const config_t *conf, const char *path, char *dst, size_t len,
                               const char *fallback, struct ct_error *err);
/* An integer 1..3600 at path, or fallback when absent. */
enum ct_err cfgread_seconds(const config_t *conf, const char *path, int fallback, int *out,
                                struct ct_error *err);
/* An integer min..max at path, or fallback when absent. */
enum ct_err cfgread_int(const config_t *conf, const char *path, int min, int max,
                            int fallback, int *out, struct ct_error *err);
/* A boolean at path, or fallback when absent. */
enum ct_err cfgread_bool(const config_t *conf, const char *path, bool fallback, bool *out,
                             struct ct_error *err);
/* Read and parse path into conf; a syntax error names the file and line. */
enum ct_err cfgread_file(config_t *conf, const char *path, struct ct_error *err);

#endif
