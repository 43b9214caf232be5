/*
 * Unit tests: hypervisor-agent/agent-config.c - the shipped file loads, bad ones are named;
 * backend.c's table and the LXD backend's own section (backend/lxd-config.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-config.h"
#include "backend.h"
#include "backend/lxd-config.h"

static void test_shipped_config(void **state)
{
    (void)state;
    const char *src = getenv("CTGATE_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/conf/agent.conf", src != NULL ? src : ".");
    struct agent_config cfg;
    struct ct_error err = {0};
    assert_int_equal(agent_config_load(path, &cfg, &err), CT_OK);
    assert_string_equal(cfg.backend, "lxd");
    assert_ptr_equal(cfg.backend_ops, &backend_lxd);
    const struct lxd_config *lxd = cfg.backend_settings;
    assert_non_null(lxd);
    assert_string_equal(lxd->socket, "/var/lib/lxd/unix.socket");
    assert_string_equal(lxd->pool, "default");
    assert_false(lxd->incus);
    assert_string_equal(cfg.state_dir, "/var/lib/ctgate");
    assert_true(cfg.root_password_random);
    assert_int_equal(cfg.call_timeout_s, 30);
    assert_non_null(agent_config_template(&cfg, "debian-12"));
    assert_null(agent_config_template(&cfg, "nope"));
    assert_true(agent_config_is_reserved(&cfg, "www"));
    assert_false(agent_config_is_reserved(&cfg, "web1"));
    agent_config_free(&cfg);
}

/* Load text from a temporary file into cfg; on success the caller frees it. */
static enum ct_err load_config(const char *text, struct agent_config *cfg, struct ct_error *err)
{
    char path[] = "/tmp/ctgate-config-test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    enum ct_err rc = agent_config_load(path, cfg, err);
    unlink(path);
    return rc;
}

/* Load text from a temporary file; return the code and leave the detail in err. */
static enum ct_err load_text(const char *text, struct ct_error *err)
{
    struct agent_config cfg;
    enum ct_err rc = load_config(text, &cfg, err);
    if (rc == CT_OK) {
        agent_config_free(&cfg);
    }
    return rc;
}

#define T1 "templates = ({ name = \"a\"; image = \"img\"; });"

static void test_bad_configs(void **state)
{
    (void)state;
    struct ct_error err = {0};
    assert_int_equal(load_text(T1, &err), CT_OK);
    assert_int_equal(load_text("templates = ();", &err), CT_ERR_CONFIG);
    assert_int_equal(load_text("this is not libconfig", &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, ":1:"));
    assert_int_equal(load_text("templates = ({ name = \"a\"; image = \"i\"; },\n"
                               "{ name = \"a\"; image = \"j\"; });",
                               &err),
                     CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "duplicate name 'a'"));
    assert_non_null(strstr(err.detail, "line 2"));
    assert_int_equal(load_text("templates = ({ name = \"A/b\"; image = \"i\"; });", &err),
                     CT_ERR_CONFIG);
    assert_int_equal(
        load_text("templates = ({ name = \"a\"; image = \"i\"; max = { memory = \"1e9\"; }; });",
                  &err),
        CT_ERR_CONFIG);
    assert_int_equal(load_text("backend = \"proxmox\";" T1, &err), CT_ERR_CONFIG);
    assert_int_equal(load_text("timeouts = { call = 0; };" T1, &err), CT_ERR_CONFIG);
    assert_int_equal(load_text("root_password = \"hunter2\";" T1, &err), CT_ERR_CONFIG);
    assert_int_equal(load_text("state_dir = \"relative\";" T1, &err), CT_ERR_CONFIG);
    assert_int_equal(load_text("reserved_hostnames = [\"Bad!\"];" T1, &err), CT_ERR_CONFIG);
    assert_int_equal(load_text("lxd = { pool = \"../x\"; };" T1, &err), CT_ERR_CONFIG);
    assert_int_equal(load_text("reuse_cooldown = \"soon\";" T1, &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "reuse_cooldown"));
    assert_int_equal(load_text("reuse_cooldown = -1;" T1, &err), CT_ERR_CONFIG);
    /* ctids: [ MIN, MAX ] inside Proxmox's vmid range, MIN <= MAX */
    assert_int_equal(load_text("ctids = [ 99, 1000 ];" T1, &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "'ctids' must be [ MIN, MAX ]"));
    assert_int_equal(load_text("ctids = [ 2000, 1000 ];" T1, &err), CT_ERR_CONFIG);
    assert_int_equal(load_text("ctids = [ 1000 ];" T1, &err), CT_ERR_CONFIG);
    assert_int_equal(load_text("ctids = [ 100, 1000000000 ];" T1, &err), CT_ERR_CONFIG);
    /* addresses: [ "FIRST", "LAST" ], IPv4, FIRST <= LAST, at most 65536 */
    assert_int_equal(load_text("addresses = [ \"10.0.0.9\", \"10.0.0.1\" ];" T1, &err),
                     CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "'addresses' must be [ \"FIRST\", \"LAST\" ]"));
    assert_int_equal(load_text("addresses = [ \"10.0.0.1\" ];" T1, &err), CT_ERR_CONFIG);
    assert_int_equal(load_text("addresses = [ \"10.0.0.1\", \"fe80::1\" ];" T1, &err),
                     CT_ERR_CONFIG);
    assert_int_equal(load_text("addresses = [ \"10.0.0.0\", \"10.1.0.0\" ];" T1, &err),
                     CT_ERR_CONFIG);
    assert_int_equal(load_text("addresses = [ \"0.0.0.0\", \"0.0.0.9\" ];" T1, &err),
                     CT_ERR_CONFIG);
    assert_int_equal(load_text("addresses = [ \"10.0.0.0\", \"10.0.255.255\" ];" T1, &err), CT_OK);
    /* inside publish.subnet, clear of its network, broadcast and bridge address */
#define SUBNET                                                                                 \
    "publish = { subnet = \"10.0.0.1/24\"; domain = \"d.test\"; ssh_host = \"gw\"; "          \
    "http_file = \"/tmp/h\"; stream_file = \"/tmp/s\"; test = [\"/bin/true\"]; "             \
    "reload = [\"/bin/true\"]; ssh_ports = [ 24000, 24999 ]; };"
    assert_int_equal(load_text(SUBNET "addresses = [ \"10.0.0.200\", \"10.0.0.254\" ];" T1, &err),
                     CT_OK);
    assert_int_equal(load_text(SUBNET "addresses = [ \"10.0.0.200\", \"10.0.0.255\" ];" T1, &err),
                     CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "inside publish.subnet 10.0.0.1/24"));
    assert_int_equal(load_text(SUBNET "addresses = [ \"10.0.0.0\", \"10.0.0.9\" ];" T1, &err),
                     CT_ERR_CONFIG);
    assert_int_equal(load_text(SUBNET "addresses = [ \"10.0.0.1\", \"10.0.0.9\" ];" T1, &err),
                     CT_ERR_CONFIG);
    assert_int_equal(load_text(SUBNET "addresses = [ \"10.0.1.2\", \"10.0.1.9\" ];" T1, &err),
                     CT_ERR_CONFIG);
#undef SUBNET
    assert_int_equal(load_text("export = { max_size = \"lots\"; };" T1, &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "export.max_size"));
    assert_int_equal(load_text("backup = { keep = 0; };" T1, &err), CT_ERR_CONFIG);
    struct agent_config cfg;
    assert_int_equal(agent_config_load("/nonexistent/agent.conf", &cfg, &err), CT_ERR_CONFIG);
}

/* reuse_cooldown: 1h by default, a duration or seconds, 0 turns it off. */
static void test_reuse_cooldown(void **state)
{
    (void)state;
    struct agent_config cfg;
    struct ct_error err = {0};
    assert_int_equal(load_config(T1, &cfg, &err), CT_OK);
    assert_int_equal(cfg.reuse_cooldown_s, 3600);
    agent_config_free(&cfg);
    assert_int_equal(load_config("reuse_cooldown = \"2m\";" T1, &cfg, &err), CT_OK);
    assert_int_equal(cfg.reuse_cooldown_s, 120);
    agent_config_free(&cfg);
    assert_int_equal(load_config("reuse_cooldown = \"0s\";" T1, &cfg, &err), CT_OK);
    assert_int_equal(cfg.reuse_cooldown_s, 0);
    agent_config_free(&cfg);
    assert_int_equal(load_config("reuse_cooldown = 5;" T1, &cfg, &err), CT_OK);
    assert_int_equal(cfg.reuse_cooldown_s, 5);
    agent_config_free(&cfg);
}

/* `backend` picks a row of backend.c's table; a name not in it is refused, naming the choices. */
static void test_backend_names(void **state)
{
    (void)state;
    struct ct_error err = {0};
    struct agent_config cfg;
    char names[64];

    assert_int_equal(load_config(T1, &cfg, &err), CT_OK); /* none named: the table's first */
    assert_string_equal(cfg.backend, "lxd");
    assert_ptr_equal(cfg.backend_ops, backend_default());
    agent_config_free(&cfg);
    assert_null(cfg.backend_settings);

    assert_int_equal(load_text("backend = \"vmware\";" T1, &err), CT_ERR_CONFIG);
    assert_string_equal(err.detail, "backend 'vmware' is not supported (use \"lxd\" or \"proxmox\")");
    /* proxmox is in the table; its section is its own (test-proxmox.c). */
    assert_int_equal(load_text("backend = \"proxmox\";" T1, &err), CT_ERR_CONFIG);
    assert_string_equal(err.detail, "missing setting 'proxmox.url'");
    assert_int_equal(load_text("backend = 3;" T1, &err), CT_ERR_CONFIG);
    assert_string_equal(err.detail, "setting 'backend' must be a string");
    assert_null(backend_find("LXD"));
    assert_ptr_equal(backend_find("lxd"), &backend_lxd);
    assert_ptr_equal(backend_find("proxmox"), &backend_proxmox);
    backend_names(names, sizeof(names));
    assert_string_equal(names, "\"lxd\" or \"proxmox\"");
}

/* `pool`: a list of { template; size; } (or one group), each a known template once, 1..64. */
static void test_pool(void **state)
{
    (void)state;
    struct ct_error err = {0};
    struct agent_config cfg;
#define T2 "templates = ({ name = \"a\"; image = \"img\"; }, { name = \"b\"; image = \"img\"; });"
    assert_int_equal(load_config(T2 "pool = ( { template = \"a\"; size = 2; }, "
                                    "{ template = \"b\"; size = 64; } );",
                                 &cfg, &err),
                     CT_OK);
    assert_int_equal(cfg.templates[0].pool, 2);
    assert_int_equal(cfg.templates[1].pool, 64);
    agent_config_free(&cfg);
    assert_int_equal(load_config(T2 "pool = { template = \"b\"; size = 1; };", &cfg, &err), CT_OK);
    assert_int_equal(cfg.templates[0].pool, 0);
    assert_int_equal(cfg.templates[1].pool, 1);
    agent_config_free(&cfg);
    const char *bad[] = {
        "pool = ( { template = \"c\"; size = 1; } );",
        "pool = ( { template = \"a\"; size = 0; } );",
        "pool = ( { template = \"a\"; size = 65; } );",
        "pool = ( { template = \"a\"; } );",
        "pool = ( { template = \"a\"; size = 1; }, { template = \"a\"; size = 1; } );",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text), "%s%s", T2, bad[i]);
        assert_int_equal(load_text(text, &err), CT_ERR_CONFIG);
        assert_non_null(strstr(err.detail, "'pool' entries are { template = \"NAME\"; size = N; }"));
    }
    assert_int_equal(load_text(T2 "pool = 3;", &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "'pool' must be a list of groups"));
#undef T2
}

/* The `lxd` section is read and checked by the LXD backend, through agent_config_load and alone. */
static void test_lxd_section(void **state)
{
    (void)state;
    struct ct_error err = {0};
    struct agent_config cfg;

    assert_int_equal(
        load_config("lxd = { socket = \"/var/lib/incus/unix.socket\"; product = "
                    "\"incus\"; pool = \"p1\"; profile = \"web\"; target = \"m2\"; "
                    "project = \"ctgate\"; };" T1,
                    &cfg, &err),
        CT_OK);
    const struct lxd_config *lxd = cfg.backend_settings;
    assert_string_equal(lxd->socket, "/var/lib/incus/unix.socket");
    assert_string_equal(lxd->pool, "p1");
    assert_string_equal(lxd->profile, "web");
    assert_string_equal(lxd->target, "m2");
    assert_string_equal(lxd->project, "ctgate");
    assert_true(lxd->incus);
    agent_config_free(&cfg);

    assert_int_equal(load_text("lxd = { pool = \"../x\"; };" T1, &err), CT_ERR_CONFIG);
    assert_string_equal(err.detail, "lxd.pool, lxd.profile, lxd.target or lxd.project is invalid");
    assert_int_equal(load_text("lxd = { project = \"a&b=c\"; };" T1, &err), CT_ERR_CONFIG);
    assert_int_equal(load_text("lxd = { product = \"docker\"; };" T1, &err), CT_ERR_CONFIG);
    assert_string_equal(err.detail, "lxd.product must be \"lxd\" or \"incus\"");
    assert_int_equal(load_text("lxd = { socket = \"unix.socket\"; };" T1, &err), CT_ERR_CONFIG);
    assert_string_equal(err.detail, "lxd.socket must be an absolute path");
    assert_int_equal(load_text("state_dir = \"relative\";" T1, &err), CT_ERR_CONFIG);
    assert_string_equal(err.detail, "state_dir must be an absolute path");
    /* A template's image is the backend's business: for LXD, an alias without spaces. */
    assert_int_equal(load_text("templates = ({ name = \"a\"; image = \"has space\"; });", &err),
                     CT_ERR_CONFIG);
    assert_string_equal(err.detail, "template at line 1: invalid image");

    /* The backend's hooks work on their own, without the general loader. */
    config_t conf;
    void *settings = NULL;
    config_init(&conf);
    assert_int_equal(config_read_string(&conf, "lxd = { profile = \"a b\"; };"), CONFIG_TRUE);
    assert_int_equal(backend_lxd.load_settings(&conf, &settings, &err), CT_ERR_CONFIG);
    assert_null(settings);
    config_destroy(&conf);
    config_init(&conf);
    assert_int_equal(config_read_string(&conf, "other = 1;"), CONFIG_TRUE);
    assert_int_equal(backend_lxd.load_settings(&conf, &settings, &err), CT_OK);
    assert_string_equal(((const struct lxd_config *)settings)->profile, "default");
    assert_int_equal(backend_lxd.check_image(settings, "debian/12", &err), CT_OK);
    assert_int_equal(backend_lxd.check_image(settings, "", &err), CT_ERR_CONFIG);
    backend_lxd.free_settings(settings);
    config_destroy(&conf);
}

static int probe_calls;

/* A backend whose site can do none of what it asks. */
static enum ct_err probe_nothing(void *h, unsigned want, unsigned *have, struct ct_error *err)
{
    (void)h;
    (void)want;
    (void)err;
    probe_calls++;
    *have = 0;
    return CT_OK;
}

static enum ct_err probe_fails(void *h, unsigned want, unsigned *have, struct ct_error *err)
{
    (void)h;
    (void)want;
    *have = want;
    return ct_error_set(err, CT_ERR_BACKEND, "unreachable");
}

/* backend_can: the static mask first, the probe only when the mask allows it. */
static void test_backend_can(void **state)
{
    (void)state;
    struct ct_error err = {0};
    bool yes = true;
    struct backend_ops ops = {.name = "fake"};

    assert_int_equal(backend_can(&ops, NULL, BACKEND_CAN_LIMIT_DISK, &yes, &err), CT_OK);
    assert_false(yes);
    ops.supports = BACKEND_CAN_LIMIT_DISK;
    assert_int_equal(backend_can(&ops, NULL, BACKEND_CAN_LIMIT_DISK, &yes, &err), CT_OK);
    assert_true(yes);
    ops.probe = probe_nothing;
    ops.supports = 0;
    probe_calls = 0;
    assert_int_equal(backend_can(&ops, NULL, BACKEND_CAN_LIMIT_DISK, &yes, &err), CT_OK);
    assert_false(yes);
    assert_int_equal(probe_calls, 0);
    ops.supports = BACKEND_CAN_LIMIT_DISK;
    assert_int_equal(backend_can(&ops, NULL, BACKEND_CAN_LIMIT_DISK, &yes, &err), CT_OK);
    assert_false(yes);
    assert_int_equal(probe_calls, 1);
    ops.probe = probe_fails;
    assert_int_equal(backend_can(&ops, NULL, BACKEND_CAN_LIMIT_DISK, &yes, &err), CT_ERR_BACKEND);
    assert_false(yes);
    assert_true(backend_lxd.supports & BACKEND_CAN_LIMIT_DISK);
}

/* A template's sudo and sshd: the default, each value, and what is refused. */
static void test_template_login(void **state)
{
    (void)state;
    struct agent_config cfg;
    struct ct_error err = {0};
    assert_int_equal(load_config("templates = ({ name = \"a\"; image = \"i\"; },\n"
                                 "  { name = \"b\"; image = \"i\"; sudo = \"nopasswd\"; sshd = true; },\n"
                                 "  { name = \"c\"; image = \"i\"; sudo = \"password\"; sshd = false; });",
                                 &cfg, &err),
                     CT_OK);
    assert_int_equal(agent_config_template(&cfg, "a")->sudo, TEMPLATE_SUDO_NONE);
    assert_false(agent_config_template(&cfg, "a")->sshd);
    assert_int_equal(agent_config_template(&cfg, "b")->sudo, TEMPLATE_SUDO_NOPASSWD);
    assert_true(agent_config_template(&cfg, "b")->sshd);
    assert_int_equal(agent_config_template(&cfg, "c")->sudo, TEMPLATE_SUDO_PASSWORD);
    assert_false(agent_config_template(&cfg, "c")->sshd);
    agent_config_free(&cfg);

    assert_int_equal(load_text("templates = ({ name = \"a\"; image = \"i\"; sudo = \"all\"; });", &err),
                     CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "sudo must be"));
    assert_int_equal(load_text("templates = ({ name = \"a\"; image = \"i\"; sudo = \"nopasswdxxxxxxxxxx\"; });",
                               &err),
                     CT_ERR_CONFIG);
    assert_int_equal(load_text("templates = ({ name = \"a\"; image = \"i\"; sshd = \"yes\"; });", &err),
                     CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "sshd must be true or false"));
}

/* services_file and a template's `services`: loaded, named, and every refusal. */
static void test_template_services(void **state)
{
    (void)state;
    const char *src = getenv("CTGATE_SOURCE_DIR");
    char conf[8192];
    char shipped[4096];
    struct agent_config cfg;
    struct ct_error err = {0};
    snprintf(shipped, sizeof(shipped), "%s/conf/services.conf", src != NULL ? src : ".");
    char *real = realpath(shipped, NULL);
    assert_non_null(real);

    /* No services_file: no services, and templates offer none. */
    assert_int_equal(load_config(T1, &cfg, &err), CT_OK);
    assert_int_equal(cfg.services.n, 0);
    assert_string_equal(cfg.services_file, "");
    assert_int_equal(agent_config_template(&cfg, "a")->nservices, 0);
    agent_config_free(&cfg);

    snprintf(
        conf, sizeof(conf),
        "services_file = \"%s\";\n"
        "templates = ({ name = \"a\"; image = \"i\"; services = [ \"redis\", \"postgresql\" ]; },\n"
        "  { name = \"b\"; image = \"i\"; });",
        real);
    assert_int_equal(load_config(conf, &cfg, &err), CT_OK);
    assert_int_equal(cfg.services.n, 2);
    const struct template_def *a = agent_config_template(&cfg, "a");
    const struct template_def *b = agent_config_template(&cfg, "b");
    assert_int_equal(a->nservices, 2);
    assert_string_equal(a->services[0], "redis");
    assert_non_null(agent_config_service(&cfg, a, "postgresql"));
    assert_string_equal(agent_config_service(&cfg, a, "redis")->unit, "redis-server.service");
    assert_null(agent_config_service(&cfg, a, "mongodb"));
    assert_null(agent_config_service(&cfg, b, "redis")); /* in the catalogue, not offered by b */
    agent_config_free(&cfg);

    static const struct {
        const char *services;
        const char *detail;
    } bad[] = {
        {"[ \"Redis\" ]", "services[0] is not a service name"},
        {"[ \"-x\" ]", "services[0] is not a service name"},
        {"[ \"mongodb\" ]", "service 'mongodb' is not in"},
        {"[ \"redis\", \"redis\" ]", "service 'redis' is listed twice"},
        {"\"redis\"", "'services' must be an array of at most 8"},
        {"[ \"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"i\" ]",
         "'services' must be an array of at most 8"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(conf, sizeof(conf),
                 "services_file = \"%s\";\ntemplates = ({ name = \"a\"; image = \"i\"; },\n"
                 "  { name = \"b\"; image = \"i\"; services = %s; });",
                 real, bad[i].services);
        if (load_text(conf, &err) != CT_ERR_CONFIG || strstr(err.detail, bad[i].detail) == NULL ||
            strstr(err.detail, "line 3") == NULL) {
            fail_msg("case %zu: %s", i, err.detail);
        }
    }
    /* A template naming a service when there is no catalogue. */
    assert_int_equal(
        load_text("templates = ({ name = \"a\"; image = \"i\"; services = [ \"redis\" ]; });",
                  &err),
        CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "no services_file"));
    /* The catalogue's own errors name its file; a relative path is refused. */
    assert_int_equal(load_text("services_file = \"/nonexistent/services.conf\";\n" T1, &err),
                     CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "/nonexistent/services.conf"));
    assert_int_equal(load_text("services_file = \"services.conf\";\n" T1, &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "absolute"));

    /* Nine services in the catalogue: still at most eight for one template. */
    char cat[] = "/tmp/ctgate-services-cat.XXXXXX";
    int fd = mkstemp(cat);
    assert_true(fd >= 0);
    char text[2048] = "services = (";
    for (int i = 0; i < 9; i++) {
        char one[128];
        snprintf(one, sizeof(one), "%s{ name = \"s%d\"; unit = \"s%d.service\"; packages = [ ]; }",
                 i ? "," : "", i, i);
        strcat(text, one);
    }
    strcat(text, ");\n");
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    snprintf(conf, sizeof(conf),
             "services_file = \"%s\";\ntemplates = ({ name = \"a\"; image = \"i\"; services = "
             "[ \"s0\", \"s1\", \"s2\", \"s3\", \"s4\", \"s5\", \"s6\", \"s7\" ]; });",
             cat);
    assert_int_equal(load_config(conf, &cfg, &err), CT_OK);
    assert_int_equal(agent_config_template(&cfg, "a")->nservices, 8);
    agent_config_free(&cfg);
    snprintf(conf, sizeof(conf),
             "services_file = \"%s\";\ntemplates = ({ name = \"a\"; image = \"i\"; services = "
             "[ \"s0\", \"s1\", \"s2\", \"s3\", \"s4\", \"s5\", \"s6\", \"s7\", \"s8\" ]; });",
             cat);
    assert_int_equal(load_text(conf, &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "at most 8"));
    unlink(cat);
    free(real);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_config), cmocka_unit_test(test_bad_configs),
        cmocka_unit_test(test_backend_names),  cmocka_unit_test(test_lxd_section),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_backend_can),    cmocka_unit_test(test_template_login),
        cmocka_unit_test(test_reuse_cooldown), cmocka_unit_test(test_template_services),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
