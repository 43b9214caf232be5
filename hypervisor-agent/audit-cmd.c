/* audit-cmd.c - see audit-cmd.h. */
#include "audit-cmd.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent-config.h"
#include "audit.h"
#include "json-secure.h"
#include "timefmt.h"
#include "units.h"
#include "validate.h"

static int usage(void)
{
    fprintf(stderr, "usage: ctgate-agent [--config FILE] audit keygen\n"
                    "       ctgate-agent [--config FILE] audit verify\n"
                    "       ctgate-agent [--config FILE] audit show [--user UID] [--since "
                    "TIME|DURATION] [--name NAME] [--json]\n");
    return CT_EXIT_BAD_INPUT;
}

static void print_record(json_t *r)
{
    json_t *result = json_object_get(r, "result");
    json_t *params = json_object_get(r, "params");
    const char *host = json_string_value(json_object_get(params, "hostname"));
    const char *step = json_string_value(json_object_get(result, "step"));
    printf("%6lld %s %-12s %-10s %-24s %s%s%s\n",
           (long long)json_integer_value(json_object_get(r, "seq")),
           json_string_value(json_object_get(r, "time")),
           json_string_value(json_object_get(json_object_get(r, "who"), "uid")),
           json_string_value(json_object_get(r, "op")), host != NULL ? host : "-",
           json_string_value(json_object_get(result, "code")), step != NULL ? " at " : "",
           step != NULL ? step : "");
}

static int show(const char *state_dir, const char *user, time_t since, const char *name,
                bool as_json)
{
    json_t *records = NULL;
    struct ct_error err = {0};
    if (audit_select(state_dir, user, since, name, 0, &records, &err) != CT_OK) {
        fprintf(stderr, "ctgate-agent audit: %s\n", err.detail);
        return ct_err_exit(err.code);
    }
    size_t i;
    json_t *r;
    json_array_foreach (records, i, r) {
        if (as_json) {
            json_dumpf(r, stdout, JSON_COMPACT | JSON_SORT_KEYS);
            putchar('\n');
        } else {
            print_record(r);
        }
    }
    json_decref(records);
    return 0;
}

int audit_command(const char *config_path, int argc, char **argv)
{
    static const struct option options[] = {
        {"user", required_argument, NULL, 'u'},
        {"since", required_argument, NULL, 's'},
        {"name", required_argument, NULL, 'N'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    const char *user = NULL;
    const char *name = NULL;
    time_t since = 0;
    bool as_json = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        long long ago = 0;
        switch (opt) {
        case 'u':
            if (!validate_uid(optarg)) {
                return usage();
            }
            user = optarg;
            break;
        case 'N':
            if (!validate_hostname(optarg)) {
                return usage();
            }
            name = optarg;
            break;
        case 's':
            if (units_parse_duration(optarg, &ago)) {
                since = time(NULL) - (time_t)ago;
            } else if (!timefmt_parse(optarg, &since)) {
                fprintf(stderr, "ctgate-agent audit: --since takes 2026-11-23T16:00:00Z or 2h\n");
                return CT_EXIT_BAD_INPUT;
            }
            break;
        case 'j':
            as_json = true;
            break;
        default:
            return usage();
        }
    }
    if (optind + 1 != argc) {
        return usage();
    }
    const char *sub = argv[optind];
    struct agent_config cfg;
    struct ct_error err = {0};
    json_secure_init();
    if (sodium_init() < 0 || agent_config_load(config_path, &cfg, &err) != CT_OK) {
        fprintf(stderr, "ctgate-agent audit: %s\n", err.detail);
        return ct_err_exit(err.code != CT_OK ? err.code : CT_ERR_INTERNAL);
    }
    int code;
    if (strcmp(sub, "keygen") == 0) {
        code = audit_keygen(cfg.state_dir, &err) == CT_OK ? 0 : ct_err_exit(err.code);
        fprintf(code == 0 ? stdout : stderr, "ctgate-agent audit: %s\n",
                code == 0 ? "signing key made (audit.key, audit.pub)" : err.detail);
    } else if (strcmp(sub, "verify") == 0) {
        code = audit_verify(cfg.state_dir, stdout);
    } else if (strcmp(sub, "show") == 0) {
        code = show(cfg.state_dir, user, since, name, as_json);
    } else {
        code = usage();
    }
    agent_config_free(&cfg);
    return code;
}
