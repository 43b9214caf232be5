/* Unit tests: hypervisor-agent/agent-config.c - the shipped file loads, bad ones are named. */
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
    assert_string_equal(cfg.lxd_socket, "/var/lib/lxd/unix.socket");
    assert_string_equal(cfg.state_dir, "/var/lib/ctgate");
    assert_true(cfg.root_password_random);
    assert_int_equal(cfg.call_timeout_s, 30);
    assert_non_null(agent_config_template(&cfg, "debian-12"));
    assert_null(agent_config_template(&cfg, "nope"));
    assert_true(agent_config_is_reserved(&cfg, "www"));
    assert_false(agent_config_is_reserved(&cfg, "web1"));
    agent_config_free(&cfg);
}

/* Load text from a temporary file; return the code and leave the detail in err. */
static enum ct_err load_text(const char *text, struct ct_error *err)
{
    char path[] = "/tmp/ctgate-config-test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct agent_config cfg;
    enum ct_err rc = agent_config_load(path, &cfg, err);
    unlink(path);
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
    struct agent_config cfg;
    assert_int_equal(agent_config_load("/nonexistent/agent.conf", &cfg, &err), CT_ERR_CONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_config),
        cmocka_unit_test(test_bad_configs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
