/*
 * Unit tests: gateway/agent-prefetch.c - the agent link opened in the
 * background gives exactly what agent_link_open gives (the link, or the same
 * error: code, detail, detail_public), a dropped one is closed unused, and
 * nothing waits longer than the connect timeout.  The agent is played by a
 * libssh server on 127.0.0.1 (its own thread: publickey only, refuses every
 * channel and counts them), a closed port, or a port that never speaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent-prefetch.h"
#include "clock.h"

#define CONNECT_TIMEOUT_S 1
#define SERVER_DEADLINE_MS 15000

static char dir[] = "/tmp/ctgate-prefetch-test.XXXXXX";
static char host_key_path[64];
static char client_key_path[64];
static char known_hosts_path[64];
static ssh_key client_pub;

/* The fake agent: one connection, accepted and served on its own thread. */
struct fake_agent {
    ssh_bind bind;
    int port;
    pthread_t thread;
    bool authenticated; /* the gateway's key signed in */
    int channels;       /* channel opens seen: a request would need one */
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static int auth_pubkey(ssh_session session, const char *user, struct ssh_key_struct *pubkey,
                       char signature_state, void *userdata)
{
    struct fake_agent *fa = userdata;
    (void)session;
    (void)user;
    if (ssh_key_cmp(pubkey, client_pub, SSH_KEY_CMP_PUBLIC) != 0) {
        return SSH_AUTH_DENIED;
    }
    if (signature_state == SSH_PUBLICKEY_STATE_VALID) {
        fa->authenticated = true;
    }
    return signature_state == SSH_PUBLICKEY_STATE_VALID ||
                   signature_state == SSH_PUBLICKEY_STATE_NONE
               ? SSH_AUTH_SUCCESS
               : SSH_AUTH_DENIED;
}

static ssh_channel channel_open(ssh_session session, void *userdata)
{
    struct fake_agent *fa = userdata;
    (void)session;
    fa->channels++;
    return NULL; /* refused */
}

/* No cmocka assertion here (not the test's thread): what happened is recorded in fa. */
static void *fake_agent_serve(void *arg)
{
    struct fake_agent *fa = arg;
    struct ssh_server_callbacks_struct cb = {
        .userdata = fa,
        .auth_pubkey_function = auth_pubkey,
        .channel_open_request_session_function = channel_open,
    };
    ssh_session session = ssh_new();
    ssh_event event = NULL;

    ssh_callbacks_init(&cb);
    if (session == NULL || ssh_bind_accept(fa->bind, session) != SSH_OK) {
        goto out;
    }
    ssh_set_server_callbacks(session, &cb);
    ssh_set_auth_methods(session, SSH_AUTH_METHOD_PUBLICKEY);
    if (ssh_handle_key_exchange(session) != SSH_OK || (event = ssh_event_new()) == NULL ||
        ssh_event_add_session(event, session) != SSH_OK) {
        goto out;
    }
    /* Until the gateway hangs up (or the deadline: a test must not hang). */
    long until = clock_now_ms() + SERVER_DEADLINE_MS;
    while (clock_now_ms() < until && ssh_event_dopoll(event, 100) != SSH_ERROR &&
           (ssh_get_status(session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) == 0) {
    }
out:
    if (event != NULL) {
        ssh_event_remove_session(event, session);
        ssh_event_free(event);
    }
    ssh_disconnect(session);
    ssh_free(session);
    return NULL;
}

static void fake_agent_start(struct fake_agent *fa)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);
    int zero = 0;
    bool no = false;

    memset(fa, 0, sizeof(*fa));
    assert_non_null(fa->bind = ssh_bind_new());
    assert_int_equal(ssh_bind_options_set(fa->bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no), SSH_OK);
    assert_int_equal(ssh_bind_options_set(fa->bind, SSH_BIND_OPTIONS_BINDADDR, "127.0.0.1"),
                     SSH_OK);
    assert_int_equal(ssh_bind_options_set(fa->bind, SSH_BIND_OPTIONS_BINDPORT, &zero), SSH_OK);
    assert_int_equal(ssh_bind_options_set(fa->bind, SSH_BIND_OPTIONS_HOSTKEY, host_key_path),
                     SSH_OK);
    assert_int_equal(ssh_bind_listen(fa->bind), SSH_OK);
    assert_int_equal(getsockname(ssh_bind_get_fd(fa->bind), (struct sockaddr *)&addr, &len), 0);
    fa->port = ntohs(addr.sin_port);
    assert_int_equal(pthread_create(&fa->thread, NULL, fake_agent_serve, fa), 0);
}

static void fake_agent_end(struct fake_agent *fa)
{
    assert_int_equal(pthread_join(fa->thread, NULL), 0);
    ssh_bind_free(fa->bind);
}

/* known_hosts pinning key (NULL: an empty file) for 127.0.0.1:port. */
static void pin(const char *key_path, int port)
{
    ssh_key key = NULL;
    char *b64 = NULL;
    char line[512] = "";
    if (key_path != NULL) {
        assert_int_equal(ssh_pki_import_privkey_file(key_path, NULL, NULL, NULL, &key), SSH_OK);
        assert_int_equal(ssh_pki_export_pubkey_base64(key, &b64), SSH_OK);
        snprintf(line, sizeof(line), "[127.0.0.1]:%d ssh-ed25519 %s\n", port, b64);
        ssh_string_free_char(b64);
        ssh_key_free(key);
    }
    write_file(known_hosts_path, line);
}

static void config_for(struct gw_config *cfg, int port)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->agent_host, sizeof(cfg->agent_host), "127.0.0.1");
    cfg->agent_port = port;
    snprintf(cfg->agent_user, sizeof(cfg->agent_user), "ctgate");
    snprintf(cfg->agent_key, sizeof(cfg->agent_key), "%s", client_key_path);
    snprintf(cfg->agent_known_hosts, sizeof(cfg->agent_known_hosts), "%s", known_hosts_path);
    cfg->agent_connect_timeout_s = CONNECT_TIMEOUT_S;
    cfg->agent_idle_timeout_s = 5;
}

/* A port nothing listens on: bound, then closed. */
static int closed_port(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    close(fd);
    return ntohs(addr.sin_port);
}

/* A port that takes connections (the kernel's backlog) and never says a word. */
static int silent_listener(int *port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    *port = ntohs(addr.sin_port);
    return fd;
}

static void assert_same_error(const struct ct_error *got, const struct ct_error *want)
{
    assert_int_equal(got->code, want->code);
    assert_string_equal(got->detail, want->detail);
    assert_int_equal(got->detail_public, want->detail_public);
    assert_ptr_equal(got->note, want->note);
    assert_ptr_equal(got->step, want->step);
}

/* Through the prefetch, then directly: the same failure, word for word. */
static void expect_same_failure(const struct gw_config *cfg, enum ct_err code, const char *detail)
{
    struct agent_prefetch pf = {0};
    struct agent_link *link = NULL;
    struct ct_error direct = {.step = "before"};
    struct ct_error taken = {.step = "before"};

    assert_int_equal(agent_link_open(cfg, &link, &direct), code);
    assert_null(link);
    assert_true(agent_prefetch_start(cfg, &pf));
    assert_int_equal(agent_prefetch_take(&pf, cfg, &link, &taken), code);
    assert_null(link);
    assert_false(agent_prefetch_started(&pf));
    assert_same_error(&taken, &direct);
    assert_string_equal(taken.step, "before"); /* the caller's step stays, as with ct_error_set */
    if (detail != NULL) {
        assert_string_equal(taken.detail, detail);
    }
}

static void test_refused(void **state)
{
    (void)state;
    struct gw_config cfg;
    config_for(&cfg, closed_port());
    expect_same_failure(&cfg, CT_ERR_BACKEND, "cannot reach the agent");
}

static void test_silent_agent_times_out(void **state)
{
    (void)state;
    struct gw_config cfg;
    struct agent_prefetch pf = {0};
    struct agent_link *link = NULL;
    struct ct_error err = {0};
    int port = 0;
    int fd = silent_listener(&port);

    config_for(&cfg, port);
    long start = clock_now_ms();
    assert_true(agent_prefetch_start(&cfg, &pf));
    enum ct_err rc = agent_prefetch_take(&pf, &cfg, &link, &err);
    long took = clock_now_ms() - start;
    assert_int_not_equal(rc, CT_OK);
    assert_null(link);
    assert_true(err.detail_public);
    if (took > (CONNECT_TIMEOUT_S * 4 + 2) * 1000L) {
        fail_msg("waited %ld ms for a %d s connect timeout", took, CONNECT_TIMEOUT_S);
    }
    /* And again for the word-for-word comparison with a direct open. */
    expect_same_failure(&cfg, rc, "cannot reach the agent");
    close(fd);
}

/* Dropped while the thread still waits: joined (after the timeout), nothing leaks (ASan). */
static void test_drop_unfinished(void **state)
{
    (void)state;
    struct gw_config cfg;
    struct agent_prefetch pf = {0};
    int port = 0;
    int fd = silent_listener(&port);

    config_for(&cfg, port);
    assert_true(agent_prefetch_start(&cfg, &pf));
    assert_false(agent_prefetch_start(&cfg, &pf)); /* one at a time */
    agent_prefetch_drop(&pf);
    assert_false(agent_prefetch_started(&pf));
    agent_prefetch_drop(&pf); /* joined once: a second drop does nothing */
    close(fd);
}

static void test_never_started(void **state)
{
    (void)state;
    struct gw_config cfg;
    struct agent_prefetch pf = {0};
    struct agent_link *link = NULL;
    struct ct_error err = {0};

    config_for(&cfg, closed_port());
    agent_prefetch_drop(&pf); /* safe when never started */
    assert_false(agent_prefetch_started(&pf));
    /* take opens now, as session_call did before */
    assert_int_equal(agent_prefetch_take(&pf, &cfg, &link, &err), CT_ERR_BACKEND);
    assert_string_equal(err.detail, "cannot reach the agent");
    assert_null(link);
}

static void test_link_ready(void **state)
{
    (void)state;
    struct fake_agent fa;
    struct gw_config cfg;
    struct agent_prefetch pf = {0};
    struct agent_link *link = NULL;
    struct ct_error err = {0};

    fake_agent_start(&fa);
    pin(host_key_path, fa.port);
    config_for(&cfg, fa.port);
    assert_true(agent_prefetch_start(&cfg, &pf));
    assert_int_equal(agent_prefetch_take(&pf, &cfg, &link, &err), CT_OK);
    assert_non_null(link);
    assert_false(agent_prefetch_started(&pf));
    agent_link_close(link);
    fake_agent_end(&fa);
    assert_true(fa.authenticated);
    assert_int_equal(fa.channels, 0);
}

/* Opened, then dropped (authentication failed, or a command that never asks the agent). */
static void test_drop_ready_sends_nothing(void **state)
{
    (void)state;
    struct fake_agent fa;
    struct gw_config cfg;
    struct agent_prefetch pf = {0};

    fake_agent_start(&fa);
    pin(host_key_path, fa.port);
    config_for(&cfg, fa.port);
    assert_true(agent_prefetch_start(&cfg, &pf));
    agent_prefetch_drop(&pf);
    fake_agent_end(&fa);
    assert_true(fa.authenticated);
    assert_int_equal(fa.channels, 0); /* not one request */
}

/* Host key not pinned, or changed: the same public warning both ways. */
static void host_key_case(const char *pinned, const char *detail)
{
    struct fake_agent fa;
    struct gw_config cfg;

    fake_agent_start(&fa);
    pin(pinned, fa.port);
    config_for(&cfg, fa.port);
    struct agent_link *link = NULL;
    struct ct_error direct = {0};
    assert_int_equal(agent_link_open(&cfg, &link, &direct), CT_ERR_BACKEND);
    fake_agent_end(&fa);
    assert_string_equal(direct.detail, detail);
    assert_true(direct.detail_public);

    fake_agent_start(&fa);
    pin(pinned, fa.port);
    config_for(&cfg, fa.port);
    struct agent_prefetch pf = {0};
    struct ct_error taken = {0};
    assert_true(agent_prefetch_start(&cfg, &pf));
    assert_int_equal(agent_prefetch_take(&pf, &cfg, &link, &taken), CT_ERR_BACKEND);
    fake_agent_end(&fa);
    assert_null(link);
    assert_same_error(&taken, &direct);
    assert_false(fa.authenticated); /* refused before the gateway's key was shown */
}

static void test_host_key_not_pinned(void **state)
{
    (void)state;
    host_key_case(NULL, "the agent's host key is not pinned; refusing to connect");
}

static void test_host_key_changed(void **state)
{
    (void)state;
    host_key_case(client_key_path, "the agent's host key has changed; refusing to connect");
}

static void make_key(const char *path, ssh_key *pub)
{
    ssh_key key = NULL;
    assert_int_equal(ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key), SSH_OK);
    assert_int_equal(ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path), SSH_OK);
    if (pub != NULL) {
        assert_int_equal(ssh_pki_export_privkey_to_pubkey(key, pub), SSH_OK);
    }
    ssh_key_free(key);
}

static int setup(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    snprintf(host_key_path, sizeof(host_key_path), "%s/host", dir);
    snprintf(client_key_path, sizeof(client_key_path), "%s/client", dir);
    snprintf(known_hosts_path, sizeof(known_hosts_path), "%s/known_hosts", dir);
    make_key(host_key_path, NULL);
    make_key(client_key_path, &client_pub);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ssh_key_free(client_pub);
    unlink(host_key_path);
    unlink(client_key_path);
    unlink(known_hosts_path);
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_silent_agent_times_out),
        cmocka_unit_test(test_drop_unfinished),
        cmocka_unit_test(test_never_started),
        cmocka_unit_test(test_link_ready),
        cmocka_unit_test(test_drop_ready_sends_nothing),
        cmocka_unit_test(test_host_key_not_pinned),
        cmocka_unit_test(test_host_key_changed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
