/* admin.c - ctgate-agent's subcommand table, its parser, --help and the one startup; see admin.h. */
#include "admin.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "audit-cmd.h"
#include "backup.h"
#include "by-hostname.h"
#include "doctor.h"
#include "pool-cmd.h"
#include "json-secure.h"
#include "log.h"
#include "reap.h"
#include "reconcile.h"
#include "template-build.h"

#ifndef CTGATE_VERSION
#define CTGATE_VERSION "0.0.0"
#endif

#define ADMIN_WORDS_MAX 4
#define USAGE_WIDTH 79

/* Options every subcommand takes, wherever they stand. */
static const struct admin_opt global_options[] = {
    {"config", 'c', "FILE", "configuration file (default " AGENT_CONFIG_DEFAULT ")", NULL, NULL},
    {"help", 'h', NULL, "show this help", NULL, NULL},
    {"version", 'V', NULL, "show the version", NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL},
};

static const struct admin_opt reconcile_options[] = {
    {"fix", 'f', NULL,
     "roll back creates and deletes whose process died,\n"
     "release reservations whose container is gone and\n"
     "regenerate nginx",
     NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL},
};

static const struct admin_opt reap_options[] = {
    {"dry-run", 'n', NULL, "only print what it would do", NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL},
};

static const struct admin_opt audit_show_options[] = {
    {"user", 0, "UID", "only this user's records (@reaper: the reaper's)", audit_actor_valid, NULL},
    {"since", 0, "TIME|DURATION", "only records since 2026-11-23T16:00:00Z, or 2h ago",
     audit_since_valid, "ctgate-agent audit: --since takes 2026-11-23T16:00:00Z or 2h"},
    {"name", 0, "NAME", "only records about this container", validate_hostname, NULL},
    {"json", 0, NULL, "one JSON record a line", NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL},
};

static const struct admin_opt audit_verify_options[] = {
    {"pubkey", 0, "FILE",
     "check against this public key (audit.pub's hex), a copy\n"
     "kept off the host, instead of the one next to the log",
     NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL},
};

static const struct admin_opt doctor_options[] = {
    {"json", 0, NULL, "one JSON document: {\"ok\", \"checks\": [{name, ok, detail, fix}]}", NULL,
     NULL},
    {NULL, 0, NULL, NULL, NULL, NULL},
};

static const struct admin_opt backup_options[] = {
    {"all", 0, NULL, "every ctgate container (needed)", NULL, NULL},
    {"keep", 0, "N", "keep the newest N backups of each container (default\nbackup.keep, 7)",
     backup_keep_valid, "ctgate-agent backup: --keep takes a count, 1 to 1000"},
    {NULL, 0, NULL, NULL, NULL, NULL},
};

static const struct admin_opt pool_fill_options[] = {
    {"if-idle", 0, NULL, "return at once when another fill is running (the\nbackground fill a create starts)",
     NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL},
};

static const struct admin_opt template_build_options[] = {
    {"force", 0, NULL, "build even when the inputs are unchanged", NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL},
};

const struct admin_cmd admin_commands[] = {
    {"serve", "read one JSON request on stdin, answer in JSON lines (default)",
     ADMIN_NEED_CONFIG | ADMIN_DEFAULT, NULL, agent_serve, agent_serve_failed, NULL},
    {"check-config", "load and validate the configuration, then exit", ADMIN_NEED_CONFIG, NULL,
     agent_check_config, agent_check_config_failed, NULL},
    {"reconcile",
     "compare the registry, the backend and nginx's files; report\n"
     "differences (exit 5 when some remain)",
     ADMIN_NEED_BACKEND, reconcile_options, reconcile_run, reconcile_failed, NULL},
    {"reap",
     "stop containers whose expiry has passed and delete them once\n"
     "expiry.grace has passed too, and remove create records older\n"
     "than requests.keep (for a timer or cron)",
     ADMIN_NEED_BACKEND, reap_options, reap_run, reap_failed, NULL},
    {"backup",
     "write a backup of every container to DIR/NAME/ (what export\n"
     "streams), keeping the newest --keep of each (for a timer)",
     ADMIN_NEED_BACKEND, backup_options, backup_run, backup_failed, "DIR"},
    {"audit keygen",
     "make the audit trail's signing key (at install; every operation\n"
     "is refused until it exists)",
     ADMIN_NEED_CONFIG, NULL, audit_keygen_run, audit_failed, NULL},
    {"audit verify",
     "check every record, the hash chain, the signatures and the end\n"
     "audit.head names; exit 5 names the first bad record",
     ADMIN_NEED_CONFIG, audit_verify_options, audit_verify_run, audit_failed, NULL},
    {"audit show", "print the audit trail's records, filtered", ADMIN_NEED_CONFIG,
     audit_show_options, audit_show_run, audit_failed, NULL},
    {"doctor",
     "check every prerequisite (configuration, state directory, audit\n"
     "key and chain, clock, backend, images, nginx) and say what to do\n"
     "for each that fails; exit 0 only when all pass",
     0, doctor_options, doctor_run, doctor_failed, NULL},
    {"pool fill",
     "bring every template's warm pool (agent.conf `pool`) to its size:\n"
     "remove pooled containers beyond it or made from an image the\n"
     "template no longer names, then make what is missing, one after\n"
     "another (a create starts one in the background; for a timer)",
     ADMIN_NEED_BACKEND, pool_fill_options, pool_fill_run, pool_fill_failed, NULL},
    {"template build",
     "build the template's image from its recipe in the configuration\n"
     "(as root; mmdebstrap) and import it under its image alias;\n"
     "unchanged inputs reuse the image",
     ADMIN_NEED_BACKEND, template_build_options, template_build_run, template_build_failed,
     "NAME"},
    {NULL, NULL, 0, NULL, NULL, NULL, NULL},
};

/* --- the parser -------------------------------------------------------------- */

static bool is_option(const char *word)
{
    return word[0] == '-' && word[1] != '\0';
}

/* The row of table that word (--name, --name=value, -x, -xvalue) names; *attached its value. */
static const struct admin_opt *find_opt(const struct admin_opt *table, const char *word,
                                        const char **attached)
{
    *attached = NULL;
    for (size_t i = 0; table != NULL && table[i].name != NULL; i++) {
        const struct admin_opt *o = &table[i];
        if (word[1] == '-') {
            size_t len = strlen(o->name);
            if (strncmp(word + 2, o->name, len) == 0 &&
                (word[2 + len] == '\0' || word[2 + len] == '=')) {
                *attached = word[2 + len] == '=' ? word + 3 + len : NULL;
                return o;
            }
        } else if (o->short_name != 0 && word[1] == o->short_name) {
            *attached = word[2] != '\0' ? word + 2 : NULL;
            return o;
        }
    }
    return NULL;
}

/* Any subcommand's option of that spelling (to know whether it takes a value, or who has it). */
static const struct admin_cmd *owner_of(const char *word, const struct admin_opt **opt)
{
    const char *attached;
    for (size_t i = 0; admin_commands[i].name != NULL; i++) {
        if ((*opt = find_opt(admin_commands[i].options, word, &attached)) != NULL) {
            return &admin_commands[i];
        }
    }
    return NULL;
}

/* How many words a row's name has (1 or 2), and whether they are the first of words. */
static size_t name_words(const char *name, const char *const *words, size_t n, bool *match)
{
    const char *space = strchr(name, ' ');
    size_t first = space != NULL ? (size_t)(space - name) : strlen(name);
    *match = n > 0 && strlen(words[0]) == first && strncmp(name, words[0], first) == 0;
    if (space == NULL) {
        return 1;
    }
    *match = *match && n > 1 && strcmp(space + 1, words[1]) == 0;
    return 2;
}

/* The row the words name (the longest match), or the default row when there are none. */
static const struct admin_cmd *find_cmd(const char *const *words, size_t n, size_t *used)
{
    const struct admin_cmd *best = NULL;
    *used = 0;
    for (size_t i = 0; admin_commands[i].name != NULL; i++) {
        bool match;
        size_t k = name_words(admin_commands[i].name, words, n, &match);
        if (n == 0 && (admin_commands[i].flags & ADMIN_DEFAULT) != 0) {
            return &admin_commands[i];
        }
        if (match && k > *used) {
            best = &admin_commands[i];
            *used = k;
        }
    }
    return best;
}

/* Whether word is the first word of two-word rows ("audit"). */
static bool is_group(const char *word)
{
    size_t len = strlen(word);
    for (size_t i = 0; admin_commands[i].name != NULL; i++) {
        if (strncmp(admin_commands[i].name, word, len) == 0 && admin_commands[i].name[len] == ' ') {
            return true;
        }
    }
    return false;
}

/* The subcommand's words: every word that is neither an option nor an option's value. */
static size_t command_words(int argc, char **argv, const char **words)
{
    size_t n = 0;
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        const char *attached = NULL;
        const struct admin_opt *o = NULL;
        if (!options_done && strcmp(w, "--") == 0) {
            options_done = true;
            continue;
        }
        if (options_done || !is_option(w)) {
            if (n < ADMIN_WORDS_MAX) {
                words[n] = w;
            }
            n++;
            continue;
        }
        if ((o = find_opt(global_options, w, &attached)) == NULL && owner_of(w, &o) != NULL) {
            (void)find_opt(o, w, &attached);
        }
        if (o != NULL && o->metavar != NULL && attached == NULL) {
            i++; /* its value */
        }
    }
    return n;
}

enum admin_parse_result admin_parse(int argc, char **argv, struct admin_ctx *ctx, char *why,
                                    size_t whylen, const char **group)
{
    const char *words[ADMIN_WORDS_MAX] = {NULL};
    size_t used = 0;
    bool options_done = false;

    ctx->config_path = AGENT_CONFIG_DEFAULT;
    ctx->cmd = NULL;
    ctx->operand = NULL;
    memset(ctx->values, 0, sizeof(ctx->values));
    why[0] = '\0';
    *group = "";
    size_t n = command_words(argc, argv, words);
    const struct admin_cmd *cmd = find_cmd(words, n < ADMIN_WORDS_MAX ? n : ADMIN_WORDS_MAX, &used);
    if (cmd == NULL && n > 0) { /* no words at all is the default row */
        if (is_group(words[0])) {
            *group = words[0];
            if (n > 1) {
                snprintf(why, whylen, "ctgate-agent: unknown command '%s %s'", words[0],
                         words[1]);
            }
        } else {
            snprintf(why, whylen, "ctgate-agent: unknown command '%s'", words[0]);
        }
        /* --help and --version still win, as they would for a known command. */
    }
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        const char *attached = NULL;
        const struct admin_opt *o = NULL;
        if (!options_done && strcmp(w, "--") == 0) {
            options_done = true;
            continue;
        }
        if (options_done || !is_option(w)) {
            continue;
        }
        bool global = (o = find_opt(global_options, w, &attached)) != NULL;
        if (!global && cmd != NULL) {
            o = find_opt(cmd->options, w, &attached);
        }
        if (o == NULL) {
            const struct admin_opt *other = NULL;
            const struct admin_cmd *has = owner_of(w, &other);
            if (cmd == NULL) {
                continue; /* the unknown command is the error */
            }
            *group = cmd->name;
            if (has != NULL) {
                snprintf(why, whylen, "ctgate-agent: %s takes no --%s (%s does)", cmd->name,
                         other->name, has->name);
            } else {
                snprintf(why, whylen, "ctgate-agent: unknown option '%.40s' for %s", w,
                         cmd->name);
            }
            return ADMIN_PARSE_USAGE;
        }
        const char *value = "";
        if (o->metavar != NULL) {
            if (attached != NULL) {
                value = attached;
            } else if (i + 1 < argc) {
                value = argv[++i];
            } else {
                *group = cmd != NULL ? cmd->name : "";
                snprintf(why, whylen, "ctgate-agent: --%s needs a value: --%s %s", o->name,
                         o->name, o->metavar);
                return ADMIN_PARSE_USAGE;
            }
        } else if (attached != NULL) {
            *group = cmd != NULL ? cmd->name : "";
            snprintf(why, whylen, "ctgate-agent: --%s takes no value", o->name);
            return ADMIN_PARSE_USAGE;
        }
        if (global && strcmp(o->name, "help") == 0) {
            return ADMIN_PARSE_HELP;
        }
        if (global && strcmp(o->name, "version") == 0) {
            return ADMIN_PARSE_VERSION;
        }
        if (global) {
            ctx->config_path = value;
            continue;
        }
        if (o->check != NULL && !o->check(value)) {
            *group = cmd->name;
            snprintf(why, whylen, "%s", o->refusal != NULL ? o->refusal : "");
            return ADMIN_PARSE_USAGE;
        }
        ctx->values[o - cmd->options] = value;
    }
    if (cmd == NULL) {
        return ADMIN_PARSE_USAGE;
    }
    if (cmd->operand != NULL && n == used) {
        *group = cmd->name;
        snprintf(why, whylen, "ctgate-agent: %s needs a %s", cmd->name, cmd->operand);
        return ADMIN_PARSE_USAGE;
    }
    if (cmd->operand != NULL && n > used && used < ADMIN_WORDS_MAX) {
        ctx->operand = words[used];
        used++;
    }
    if (n > used) {
        *group = cmd->name;
        snprintf(why, whylen, "ctgate-agent: %s takes no argument '%.40s'", cmd->name,
                 words[used < ADMIN_WORDS_MAX ? used : 0]);
        return ADMIN_PARSE_USAGE;
    }
    ctx->cmd = cmd;
    return ADMIN_PARSE_RUN;
}

const char *admin_opt(const struct admin_ctx *ctx, const char *name)
{
    for (size_t i = 0; ctx->cmd->options != NULL && ctx->cmd->options[i].name != NULL; i++) {
        if (strcmp(ctx->cmd->options[i].name, name) == 0) {
            return ctx->values[i];
        }
    }
    return NULL;
}

/* --- the help, from the table ------------------------------------------------ */

/* text, its continuation lines indented by indent. */
static void print_indented(FILE *out, const char *text, int indent)
{
    for (const char *p = text; *p != '\0'; p++) {
        fputc(*p, out);
        if (*p == '\n') {
            fprintf(out, "%*s", indent, "");
        }
    }
    fputc('\n', out);
}

static void usage_line(FILE *out, const struct admin_cmd *c, bool first)
{
    bool dflt = (c->flags & ADMIN_DEFAULT) != 0;
    int col = fprintf(out, "%s ctgate-agent [--config FILE] %s%s%s%s%s", first ? "usage:" : "      ",
                      dflt ? "[" : "", c->name, dflt ? "]" : "", c->operand != NULL ? " " : "",
                      c->operand != NULL ? c->operand : "");
    for (size_t i = 0; c->options != NULL && c->options[i].name != NULL; i++) {
        const struct admin_opt *o = &c->options[i];
        int len = (int)strlen(o->name) + 5 + (o->metavar != NULL ? (int)strlen(o->metavar) + 1 : 0);
        if (col + len > USAGE_WIDTH) {
            col = fprintf(out, "\n%19s", "") - 1;
        }
        col += fprintf(out, " [--%s%s%s]", o->name, o->metavar != NULL ? " " : "",
                       o->metavar != NULL ? o->metavar : "");
    }
    fputc('\n', out);
}

/* The usage lines of the rows whose first word is name's (all of audit's for "audit show"). */
static void group_usage(FILE *out, const char *name)
{
    bool first = true;
    size_t len = strcspn(name, " ");
    for (size_t i = 0; admin_commands[i].name != NULL; i++) {
        const char *row = admin_commands[i].name;
        if (strcspn(row, " ") == len && strncmp(row, name, len) == 0) {
            usage_line(out, &admin_commands[i], first);
            first = false;
        }
    }
}

static void print_options(FILE *out, const struct admin_opt *options)
{
    for (size_t i = 0; options != NULL && options[i].name != NULL; i++) {
        char left[64];
        snprintf(left, sizeof(left), "--%s%s%s", options[i].name,
                 options[i].metavar != NULL ? " " : "",
                 options[i].metavar != NULL ? options[i].metavar : "");
        fprintf(out, "    %-22s ", left);
        print_indented(out, options[i].help, 27);
    }
}

static void print_help(FILE *out)
{
    for (size_t i = 0; admin_commands[i].name != NULL; i++) {
        usage_line(out, &admin_commands[i], i == 0);
    }
    fprintf(out, "       ctgate-agent --help | --version\n\n");
    for (size_t i = 0; admin_commands[i].name != NULL; i++) {
        if (strlen(admin_commands[i].name) > 13) { /* its summary starts on the next line */
            fprintf(out, "  %s\n%16s", admin_commands[i].name, "");
        } else {
            fprintf(out, "  %-13s ", admin_commands[i].name);
        }
        print_indented(out, admin_commands[i].summary, 16);
        print_options(out, admin_commands[i].options);
    }
    fprintf(out, "\n");
    print_options(out, global_options);
    fprintf(out, "\nMeant to be run by sshd as the forced command of the gateway's key;\n"
                 "see ctgate-agent(8) and docs/protocol.md.\n");
}

/* --- the one startup --------------------------------------------------------- */

enum ct_err admin_open_backend(struct agent_ctx *agent, struct ct_error *err)
{
    agent->backend = agent->cfg->backend_ops; /* chosen from the table by agent_config_load */
    if (agent->backend == NULL) {
        return ct_error_set(err, CT_ERR_CONFIG, "no backend %s", agent->cfg->backend);
    }
    enum ct_err rc = agent->backend->open(agent->cfg, &agent->handle, err);
    if (rc != CT_OK) {
        agent->handle = NULL;
        return rc;
    }
    /* Every operation names containers by hostname, whatever the backend calls them. */
    if ((rc = by_hostname_wrap(agent->cfg, &agent->backend, &agent->handle, err)) != CT_OK) {
        agent->backend->close(agent->handle);
        agent->handle = NULL;
    }
    return rc;
}

int admin_main(int argc, char **argv)
{
    struct admin_ctx ctx;
    struct ct_error err = {0};
    char why[256];
    const char *group = "";
    bool have_config = false;
    int code;

    memset(&ctx, 0, sizeof(ctx));
    switch (admin_parse(argc, argv, &ctx, why, sizeof(why), &group)) {
    case ADMIN_PARSE_HELP:
        print_help(stdout);
        return 0;
    case ADMIN_PARSE_VERSION:
        printf("ctgate-agent %s\n", CTGATE_VERSION);
        return 0;
    case ADMIN_PARSE_USAGE:
        if (why[0] != '\0') {
            fprintf(stderr, "%s\n", why);
        }
        if (group[0] != '\0') {
            group_usage(stderr, group);
        } else {
            print_help(stderr);
        }
        return CT_EXIT_BAD_INPUT;
    case ADMIN_PARSE_RUN:
        break;
    }
    const struct admin_cmd *cmd = ctx.cmd;
    ctx.agent.cfg = &ctx.cfg;
    ctx.agent.config_path = ctx.config_path;
    json_secure_init();
    log_open("ctgate-agent", false);
    if (sodium_init() < 0) {
        ct_error_set(&err, CT_ERR_INTERNAL, "libsodium failed to initialise");
        code = cmd->fail("start", "libsodium", &err);
        goto out;
    }
    if ((cmd->flags & (ADMIN_NEED_CONFIG | ADMIN_NEED_BACKEND)) != 0) {
        if (agent_config_load(ctx.config_path, &ctx.cfg, &err) != CT_OK) {
            code = cmd->fail("load", ctx.config_path, &err);
            goto out;
        }
        have_config = true;
    }
    if ((cmd->flags & ADMIN_NEED_BACKEND) != 0 && admin_open_backend(&ctx.agent, &err) != CT_OK) {
        code = cmd->fail("open", ctx.cfg.backend, &err);
        goto out;
    }
    code = cmd->run(&ctx);
out:
    if (ctx.agent.handle != NULL) {
        ctx.agent.backend->close(ctx.agent.handle);
    }
    if (have_config) {
        agent_config_free(&ctx.cfg);
    }
    return code;
}
