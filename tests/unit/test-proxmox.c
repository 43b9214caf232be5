/*
 * Unit tests: the proxmox backend's pure parts (hypervisor-agent/backend/pve-*.c):
 * its agent.conf section, the token file, tags, the description block, node
 * placement, error texts, UPIDs, the address check and pct's argv.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent-config.h"
#include "backend.h"
#include "backend/pve-client.h"
#include "backend/pve-config.h"
#include "backend/pve-meta.h"
#include "backend/pve-network.h"
#include "backend/pve-pct.h"
#include "backend/pve-place.h"
#include "backend/pve-token.h"

/* Load a proxmox section (and a template) through agent_config_load. */
static enum ct_err load(const char *section, struct agent_config *cfg, struct ct_error *err)
{
    char path[] = "/tmp/ctgate-pve-test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char text[4096];
    snprintf(text, sizeof(text),
             "backend = \"proxmox\";\n%s\ntemplates = ({ name = \"debian-12\"; image = "
             "\"tpl-debian\"; });\n",
             section);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    enum ct_err rc = agent_config_load(path, cfg, err);
    unlink(path);
    return rc;
}

static enum ct_err load_rc(const char *section)
{
    struct agent_config cfg;
    struct ct_error err = {0};
    enum ct_err rc = load(section, &cfg, &err);
    if (rc == CT_OK) {
        agent_config_free(&cfg);
    }
    return rc;
}

#define BASE "url = \"https://pve1.example.org:8006\"; token_file = \"/etc/ctgate/pve-token\"; " \
             "ca_file = \"/etc/ctgate/pve-ca.pem\";"

static void test_config(void **state)
{
    (void)state;
    struct agent_config cfg;
    struct ct_error err = {0};
    /* Static addresses: net0's ip= (test_net0_static). */
    assert_int_equal(load("proxmox = { " BASE " }; addresses = [ \"10.0.0.2\", \"10.0.0.9\" ];",
                          &cfg, &err),
                     CT_OK);
    assert_int_equal(cfg.addr_max - cfg.addr_min, 7);
    agent_config_free(&cfg);
    assert_int_equal(load("proxmox = { " BASE " };", &cfg, &err), CT_OK);
    assert_ptr_equal(cfg.backend_ops, &backend_proxmox);
    const struct pve_config *c = cfg.backend_settings;
    assert_string_equal(c->url, "https://pve1.example.org:8006");
    assert_int_equal(c->nnodes, 0);
    assert_int_equal(c->placement, PVE_PLACE_LEAST_MEMORY);
    assert_int_equal(c->npct, 1);
    assert_string_equal(c->pct[0], "/usr/sbin/pct");
    assert_false(c->pct_remote_shell);
    assert_false(c->full_clone);
    assert_string_equal(c->acl_user_suffix, "@ldap");
    assert_int_equal(c->timeout_s, 300);
    assert_true(pve_config_node_allowed(c, "anything"));
    agent_config_free(&cfg);

    assert_int_equal(load("proxmox = { " BASE " nodes = [\"pve1\", \"pve2\"]; placement = "
                          "\"ordered\"; pct = [\"/usr/bin/ssh\", \"-oBatchMode=yes\", "
                          "\"root@{node}\", \"pct\"]; full_clone = true; storage = \"local-zfs\"; "
                          "acl_role = \"PVEVMUser\"; timeout = 60; bridge = \"vmbr1\"; "
                          "subnet = \"10.9.0.1/24\"; };",
                          &cfg, &err),
                     CT_OK);
    c = cfg.backend_settings;
    assert_int_equal(c->nnodes, 2);
    assert_true(pve_config_node_allowed(c, "pve2"));
    assert_false(pve_config_node_allowed(c, "pve3"));
    assert_true(c->pct_remote_shell);
    assert_int_equal(c->placement, PVE_PLACE_ORDERED);
    agent_config_free(&cfg);

    /* Each of these is refused. */
    assert_int_equal(load_rc("proxmox = { token_file = \"/t\"; ca_file = \"/c\"; };"),
                     CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { url = \"http://pve:8006\"; token_file = \"/t\"; "
                             "ca_file = \"/c\"; };"),
                     CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { url = \"https://pve:8006/api2\"; token_file = \"/t\"; "
                             "ca_file = \"/c\"; };"),
                     CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { url = \"https://pve:99999\"; token_file = \"/t\"; "
                             "ca_file = \"/c\"; };"),
                     CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { " BASE " token_file = \"rel\"; };"), CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { url = \"https://pve\"; token_file = \"rel\"; "
                             "ca_file = \"/c\"; };"),
                     CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { " BASE " placement = \"random\"; };"), CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { " BASE " storage = \"local\"; };"), CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { " BASE " nodes = [\"Bad Node\"]; };"), CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { " BASE " nodes = [\"a\", \"a\"]; };"), CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { " BASE " pct = [\"pct\"]; };"), CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { " BASE " pct = []; };"), CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { " BASE " acl_user_suffix = \"ldap\"; };"),
                     CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { " BASE " acl_role = \"bad role\"; };"), CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { " BASE " subnet = \"10.0.0.0\"; };"), CT_ERR_CONFIG);
    assert_int_equal(load_rc("proxmox = { " BASE " timeout = 0; };"), CT_ERR_CONFIG);

    assert_int_equal(pve_config_check_image(NULL, "tpl-debian", &err), CT_OK);
    assert_int_equal(pve_config_check_image(NULL, "9000", &err), CT_OK);
    assert_int_equal(pve_config_check_image(NULL, "Tpl_Debian", &err), CT_ERR_CONFIG);
    assert_int_equal(pve_config_check_image(NULL, "a b", &err), CT_ERR_CONFIG);
}

static void test_token_parse(void **state)
{
    (void)state;
    struct pve_token t;
    const char *good = "ctgate@pve!agent=6f1e3c4a-1b2c-4d5e-8f90-0123456789ab\n";
    assert_true(pve_token_parse(good, strlen(good), &t));
    assert_string_equal(t.id, "ctgate@pve!agent");
    assert_string_equal(t.secret, "6f1e3c4a-1b2c-4d5e-8f90-0123456789ab");
    /* Split at the last '=': Proxmox does the same. */
    const char *odd = "we=ird@pve!agent=abcd";
    assert_false(pve_token_parse(odd, strlen(odd), &t)); /* '=' in the user: not a userid */
    const char *bad[] = {"", "ctgate@pve!agent", "ctgate@pve!agent=", "=abcd",
                         "ctgate@pve=abcd", "ctgate!agent=abcd", "ctgate@pve!agent=not hex",
                         "ctgate@pve!agent=ab\ncd", "ctgate@pve!1agent=abcd"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(pve_token_parse(bad[i], strlen(bad[i]), &t));
        assert_int_equal(t.secret[0], '\0');
    }
}

static void test_token_file(void **state)
{
    (void)state;
    char path[] = "/tmp/ctgate-pve-token.XXXXXX";
    struct pve_token t;
    struct ct_error err = {0};
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *line = "root@pam!ctgate=6f1e3c4a-1b2c-4d5e-8f90-0123456789ab\n";
    assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
    close(fd);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(pve_token_read(path, geteuid(), &t, &err), CT_OK);
    assert_string_equal(t.id, "root@pam!ctgate");
    pve_token_wipe(&t);
    assert_int_equal(t.secret[0], '\0');
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(pve_token_read(path, geteuid(), &t, &err), CT_ERR_CONFIG);
    assert_null(strstr(err.detail, "6f1e3c4a"));
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(pve_token_read(path, geteuid(), &t, &err), CT_OK);
    assert_int_equal(pve_token_read(path, geteuid() + 1, &t, &err), CT_ERR_CONFIG);
    /* A symlink is refused. */
    char link[64];
    snprintf(link, sizeof(link), "%s.link", path);
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(pve_token_read(link, geteuid(), &t, &err), CT_ERR_CONFIG);
    unlink(link);
    unlink(path);
    assert_int_equal(pve_token_read("/nonexistent/token", geteuid(), &t, &err), CT_ERR_CONFIG);
}

static void test_tags(void **state)
{
    (void)state;
    char out[PVE_TAGS_MAX];
    pve_tag_normalise("Alice", out, sizeof(out));
    assert_string_equal(out, "alice");
    pve_tag_normalise("a@b c", out, sizeof(out));
    assert_string_equal(out, "a_b_c");
    pve_tag_normalise("-x", out, sizeof(out));
    assert_string_equal(out, "_-x");
    pve_tag_normalise("@@", out, sizeof(out));
    assert_string_equal(out, "");
    pve_tags_make("zed", "debian-12", out, sizeof(out));
    assert_string_equal(out, "ctgate;debian-12;zed");
    pve_tags_make("ctgate", "alpine", out, sizeof(out));
    assert_string_equal(out, "alpine;ctgate");
    assert_true(pve_tags_has("alpine;ctgate", "ctgate"));
    assert_true(pve_tags_has("a, ctgate b", "ctgate"));
    assert_false(pve_tags_has("ctgate-x;xctgate", "ctgate"));
    assert_false(pve_tags_has(NULL, "ctgate"));
}

static void test_meta_round_trip(void **state)
{
    (void)state;
    struct template_def tmpl = {.name = "debian-12"};
    struct backend_create a = {.name = "web1",
                               .tmpl = &tmpl,
                               .owner = "alice",
                               .request_id = "req-12345678",
                               .created = "2026-12-01T06:00:00Z",
                               .expires = "2026-12-08T06:00:00Z",
                               .description = "my app: owner=mallory"};
    char text[PVE_META_MAX];
    struct backend_instance inst;
    assert_true(pve_meta_format(&a, text, sizeof(text)));
    assert_true(pve_meta_parse(text, &inst));
    assert_true(inst.managed);
    assert_string_equal(inst.owner, "alice");
    assert_string_equal(inst.request_id, "req-12345678");
    assert_string_equal(inst.template_name, "debian-12");
    assert_string_equal(inst.created, "2026-12-01T06:00:00Z");
    assert_string_equal(inst.expires, "2026-12-08T06:00:00Z");
    assert_string_equal(inst.description, "my app: owner=mallory");

    /* A description naming the markers is text: the block stays ctgate's (review of issue 18). */
    const char *tricks[] = {"x ctgate-metadata-v1", "ctgate-metadata-v1",
                            "ctgate-metadata-end", "a ctgate-metadata-end b ctgate-metadata-v1"};
    for (size_t i = 0; i < sizeof(tricks) / sizeof(tricks[0]); i++) {
        a.description = tricks[i];
        assert_true(pve_meta_format(&a, text, sizeof(text)));
        assert_true(pve_meta_parse(text, &inst));
        assert_string_equal(inst.owner, "alice");
        assert_string_equal(inst.description, tricks[i]);
    }

    a.expires = NULL;
    a.description = NULL;
    assert_true(pve_meta_format(&a, text, sizeof(text)));
    assert_true(pve_meta_parse(text, &inst));
    assert_string_equal(inst.expires, "");
    assert_string_equal(inst.description, "");

    /* Notes an admin put before the block are fine; CRLF (Proxmox's UI) too. */
    char more[2 * PVE_META_MAX];
    snprintf(more, sizeof(more), "admin note\n%s", text);
    assert_true(pve_meta_parse(more, &inst));
    assert_true(pve_meta_parse("ctgate-metadata-v1\r\nowner=bob\r\nrequest_id=req-12345678\r\n"
                               "template=t\r\ncreated=2026-12-01T06:00:00Z\r\n"
                               "ctgate-metadata-end\r\n",
                               &inst));
    assert_string_equal(inst.owner, "bob");

    /* Forgeries and damage: no owner at all. */
    const char *hostile[] = {
        NULL,
        "",
        "owner=mallory",
        /* a second block after ours */
        "ctgate-metadata-v1\nowner=alice\nrequest_id=req-12345678\ntemplate=t\n"
        "created=2026-12-01T06:00:00Z\nctgate-metadata-end\n"
        "ctgate-metadata-v1\nowner=mallory\nrequest_id=req-12345678\ntemplate=t\n"
        "created=2026-12-01T06:00:00Z\nctgate-metadata-end\n",
        /* a key twice */
        "ctgate-metadata-v1\nowner=alice\nowner=mallory\nrequest_id=req-12345678\ntemplate=t\n"
        "created=2026-12-01T06:00:00Z\nctgate-metadata-end\n",
        /* text after the end */
        "ctgate-metadata-v1\nowner=alice\nrequest_id=req-12345678\ntemplate=t\n"
        "created=2026-12-01T06:00:00Z\nctgate-metadata-end\nowner=mallory\n",
        /* an unknown key, an invalid owner, a missing field, no end */
        "ctgate-metadata-v1\nowner=alice\nrole=admin\nrequest_id=req-12345678\ntemplate=t\n"
        "created=2026-12-01T06:00:00Z\nctgate-metadata-end\n",
        "ctgate-metadata-v1\nowner=Alice Smith\nrequest_id=req-12345678\ntemplate=t\n"
        "created=2026-12-01T06:00:00Z\nctgate-metadata-end\n",
        "ctgate-metadata-v1\nowner=alice\ntemplate=t\ncreated=2026-12-01T06:00:00Z\n"
        "ctgate-metadata-end\n",
        "ctgate-metadata-v1\nowner=alice\nrequest_id=req-12345678\ntemplate=t\n"
        "created=2026-12-01T06:00:00Z\n",
        /* the marker not at a line's start */
        "x ctgate-metadata-v1\nowner=alice\nrequest_id=req-12345678\ntemplate=t\n"
        "created=2026-12-01T06:00:00Z\nctgate-metadata-end\n",
        "ctgate-metadata-v1\nctgate-metadata-end\n",
    };
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        assert_false(pve_meta_parse(hostile[i], &inst));
        assert_false(inst.managed);
        assert_string_equal(inst.owner, "");
    }
}

static void test_place(void **state)
{
    (void)state;
    struct pve_config cfg = {.placement = PVE_PLACE_LEAST_MEMORY};
    struct pve_candidates out;
    struct ct_error err = {0};
    const long long G = 1024LL * 1024 * 1024;
    json_t *nodes = json_pack(
        "[{s:s,s:s,s:I,s:I},{s:s,s:s,s:I,s:I},{s:s,s:s},{s:s,s:s,s:I,s:I},{s:s,s:s}]",
        "node", "pve1", "status", "online", "mem", (json_int_t)(20 * G), "maxmem",
        (json_int_t)(32 * G), "node", "pve2", "status", "online", "mem", (json_int_t)(4 * G),
        "maxmem", (json_int_t)(32 * G), "node", "pve3", "status", "offline", "node", "pve4",
        "status", "online", "mem", (json_int_t)(31 * G), "maxmem", (json_int_t)(32 * G), "node",
        "pve5", "status", "online");
    assert_non_null(nodes);
    assert_int_equal(pve_place(nodes, &cfg, 2 * G, &out, &err), CT_OK);
    assert_int_equal(out.n, 3);
    assert_string_equal(out.node[0], "pve2");
    assert_string_equal(out.node[1], "pve1");
    assert_string_equal(out.node[2], "pve5"); /* no figures: last */
    assert_non_null(strstr(out.skipped, "pve3 offline"));
    assert_non_null(strstr(out.skipped, "pve4 full"));

    /* Allowed nodes only, in their order when ordered. */
    cfg.nnodes = 3;
    snprintf(cfg.nodes[0], sizeof(cfg.nodes[0]), "pve1");
    snprintf(cfg.nodes[1], sizeof(cfg.nodes[1]), "pve2");
    snprintf(cfg.nodes[2], sizeof(cfg.nodes[2]), "pve9");
    cfg.placement = PVE_PLACE_ORDERED;
    assert_int_equal(pve_place(nodes, &cfg, 0, &out, &err), CT_OK);
    assert_int_equal(out.n, 2);
    assert_string_equal(out.node[0], "pve1");
    assert_string_equal(out.node[1], "pve2");
    assert_non_null(strstr(out.skipped, "pve9 not in the cluster"));

    /* None can take it: exit 6 naming them. */
    snprintf(cfg.nodes[0], sizeof(cfg.nodes[0]), "pve3");
    snprintf(cfg.nodes[1], sizeof(cfg.nodes[1]), "pve4");
    cfg.nnodes = 2;
    assert_int_equal(pve_place(nodes, &cfg, 2 * G, &out, &err), CT_ERR_BACKEND);
    assert_int_equal(ct_err_exit(err.code), 6);
    assert_non_null(strstr(err.detail, "pve3 offline"));
    assert_non_null(strstr(err.detail, "pve4 full"));
    json_decref(nodes);
}

static void test_error_text(void **state)
{
    (void)state;
    char out[PVE_MESSAGE_MAX + 1];
    const char *m = "{\"data\":null,\"message\":\"CT is locked (disk)\\n\"}";
    pve_error_text(m, strlen(m), "CT is locked (disk)", 500, out, sizeof(out));
    assert_string_equal(out, "CT is locked (disk)");
    const char *e = "{\"data\":null,\"errors\":{\"vmid\":\"VM 100 already exists\"}}";
    pve_error_text(e, strlen(e), "Parameter verification failed.", 400, out, sizeof(out));
    assert_string_equal(out, "vmid: VM 100 already exists");
    const char *legacy = "{\"data\":null}";
    pve_error_text(legacy, strlen(legacy), "CT 101 already exists on node 'pve'", 500, out,
                   sizeof(out));
    assert_string_equal(out, "CT 101 already exists on node 'pve'");
    pve_error_text(NULL, 0, "", 502, out, sizeof(out));
    assert_string_equal(out, "HTTP 502");
    pve_error_text("not json", 8, "bad\x01thing", 500, out, sizeof(out));
    assert_string_equal(out, "bad?thing");

    char reason[64];
    const char *line = "HTTP/1.1 500 CT is locked (disk)\r\n";
    assert_true(pve_status_reason(line, strlen(line), reason, sizeof(reason)));
    assert_string_equal(reason, "CT is locked (disk)");
    line = "HTTP/1.1 401 Authentication failed!\r\n";
    assert_true(pve_status_reason(line, strlen(line), reason, sizeof(reason)));
    assert_string_equal(reason, "Authentication failed!");
    line = "Content-Type: application/json\r\n";
    assert_false(pve_status_reason(line, strlen(line), reason, sizeof(reason)));
}

static void test_upid(void **state)
{
    (void)state;
    struct pve_upid u;
    assert_true(pve_upid_parse("UPID:pve2:003E968C:016E6414:63AD7D74:vzclone:999:root@pam:", &u));
    assert_string_equal(u.node, "pve2");
    assert_string_equal(u.type, "vzclone");
    assert_string_equal(u.id, "999");
    assert_true(
        pve_upid_parse("UPID:pve:00001234:123456789:AABBCCDD:vzstart:100:root@pam!ctgate:", &u));
    assert_true(pve_upid_parse("UPID:n1:00001234:12345678:AABBCCDD:vzdestroy::root@pam:", &u));
    const char *bad[] = {"", "UPID:", "UPID:pve2:3E968C:016E6414:63AD7D74:vzclone:999:root@pam:",
                         "UPID:-pve:003E968C:016E6414:63AD7D74:vzclone:999:root@pam:",
                         "UPID:pve:003E968C:016E6414:63AD7D74:vzclone:999:root@pam",
                         "UPID:pve/x:003E968C:016E6414:63AD7D74:vzclone:999:root@pam:",
                         "UPID:pve:003E968C:016E6414:63AD7D74:vz/clone:999:root@pam:",
                         "UPID:pve:003E968C:016E6414:63AD7D74:vzclone:999:root@pam:x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(pve_upid_parse(bad[i], &u));
    }
    assert_true(pve_task_succeeded("OK"));
    assert_true(pve_task_succeeded("WARNINGS: 3"));
    assert_false(pve_task_succeeded("WARNINGS: "));
    assert_false(pve_task_succeeded("clone failed: no space"));
    assert_false(pve_task_succeeded(NULL));

    json_t *v = json_string("105");
    assert_int_equal(pve_vmid_value(v), 105);
    json_decref(v);
    v = json_integer(106);
    assert_int_equal(pve_vmid_value(v), 106);
    json_decref(v);
    v = json_string("10x");
    assert_int_equal(pve_vmid_value(v), 0);
    json_decref(v);
    assert_int_equal(pve_vmid_value(NULL), 0);
}

static void test_network(void **state)
{
    (void)state;
    struct pve_net0 nic;
    struct addr_subnet net;
    char out[48];
    assert_true(addr_subnet_parse("10.9.0.1/24", &net));
    assert_true(pve_net0_parse("name=eth0,bridge=vmbr1,hwaddr=BC:24:11:00:00:01,ip=dhcp,type=veth",
                               &nic));
    assert_string_equal(nic.hwaddr, "BC:24:11:00:00:01");
    assert_false(pve_net0_parse("name=eth0,bridge=vmbr1", &nic));
    assert_true(pve_net0_parse("name=eth0,bridge=vmbr1,hwaddr=BC:24:11:00:00:01,ip=dhcp", &nic));

    json_t *ifs = json_loads(
        "[{\"name\":\"lo\",\"inet\":\"127.0.0.1/8\"},{\"name\":\"eth0\",\"hwaddr\":"
        "\"bc:24:11:00:00:01\",\"inet\":\"10.9.0.23/24\"}]",
        0, NULL);
    assert_int_equal(pve_network_pick(ifs, &nic, &net, out, sizeof(out)), ADDR_OK);
    assert_string_equal(out, "10.9.0.23");
    json_decref(ifs);
    /* Stopped: null; no address yet. */
    assert_int_equal(pve_network_pick(json_null(), &nic, &net, out, sizeof(out)), ADDR_NOT_YET);
    ifs = json_loads("[{\"name\":\"eth0\",\"hwaddr\":\"bc:24:11:00:00:01\"}]", 0, NULL);
    assert_int_equal(pve_network_pick(ifs, &nic, &net, out, sizeof(out)), ADDR_NOT_YET);
    json_decref(ifs);
    /* The tenant's choices: the bridge's own address, another MAC, two addresses, outside. */
    ifs = json_loads("[{\"name\":\"eth0\",\"hwaddr\":\"bc:24:11:00:00:01\",\"inet\":"
                     "\"10.9.0.1/24\"}]",
                     0, NULL);
    assert_int_equal(pve_network_pick(ifs, &nic, &net, out, sizeof(out)), ADDR_GATEWAY);
    assert_string_equal(out, "10.9.0.1");
    json_decref(ifs);
    ifs = json_loads("[{\"name\":\"eth0\",\"hwaddr\":\"02:00:00:00:00:99\",\"inet\":"
                     "\"10.9.0.23/24\"}]",
                     0, NULL);
    assert_int_equal(pve_network_pick(ifs, &nic, &net, out, sizeof(out)), ADDR_NOT_LEASED);
    json_decref(ifs);
    ifs = json_loads(
        "[{\"name\":\"eth0\",\"hardware-address\":\"bc:24:11:00:00:01\",\"ip-addresses\":["
        "{\"ip-address-type\":\"inet\",\"ip-address\":\"10.9.0.23\",\"prefix\":24},"
        "{\"ip-address-type\":\"inet\",\"ip-address\":\"10.9.0.24\",\"prefix\":24}]}]",
        0, NULL);
    assert_int_equal(pve_network_pick(ifs, &nic, &net, out, sizeof(out)), ADDR_SEVERAL);
    json_decref(ifs);
    ifs = json_loads("[{\"name\":\"eth0\",\"hwaddr\":\"bc:24:11:00:00:01\",\"inet\":"
                     "\"169.254.169.254/16\"}]",
                     0, NULL);
    assert_int_equal(pve_network_pick(ifs, &nic, &net, out, sizeof(out)), ADDR_LINK_LOCAL);
    json_decref(ifs);
    /* A static ip= in net0 must be the very address held. */
    assert_true(pve_net0_parse("name=eth0,hwaddr=BC:24:11:00:00:01,ip=10.9.0.50/24", &nic));
    ifs = json_loads("[{\"name\":\"eth0\",\"hwaddr\":\"bc:24:11:00:00:01\",\"inet\":"
                     "\"10.9.0.23/24\"}]",
                     0, NULL);
    assert_int_equal(pve_network_pick(ifs, &nic, &net, out, sizeof(out)), ADDR_NOT_LEASED);
    json_decref(ifs);
}

/* net0 with a static address: ip= and gw= replaced, hwaddr and the rest kept. */
static void test_net0_static(void **state)
{
    (void)state;
    struct addr_subnet net;
    char out[256];
    assert_true(addr_subnet_parse("10.9.0.1/24", &net));
    assert_true(pve_net0_static("name=eth0,bridge=vmbr1,hwaddr=BC:24:11:00:00:01,ip=dhcp,type=veth",
                                "", "10.9.0.200", &net, out, sizeof(out)));
    assert_string_equal(out, "name=eth0,bridge=vmbr1,hwaddr=BC:24:11:00:00:01,type=veth,"
                             "ip=10.9.0.200/24,gw=10.9.0.1");
    /* an old gw= goes; proxmox.bridge replaces bridge= */
    assert_true(pve_net0_static("name=eth0,bridge=vmbr1,gw=10.1.1.1,ip=10.1.1.5/16,hwaddr=AA:BB",
                                "vmbr9", "10.9.0.201", &net, out, sizeof(out)));
    assert_string_equal(out, "name=eth0,hwaddr=AA:BB,bridge=vmbr9,ip=10.9.0.201/24,gw=10.9.0.1");
    /* none yet: a veth named eth0 */
    assert_true(pve_net0_static(NULL, "", "10.9.0.202", &net, out, sizeof(out)));
    assert_string_equal(out, "name=eth0,type=veth,ip=10.9.0.202/24,gw=10.9.0.1");
    /* round trip: the parser sees the static address */
    struct pve_net0 nic;
    assert_true(pve_net0_static("name=eth0,hwaddr=AA:BB,ip=dhcp", "", "10.9.0.203", &net, out,
                                sizeof(out)));
    assert_true(pve_net0_parse(out, &nic));
    assert_string_equal(nic.ip, "10.9.0.203/24");
    /* not IPv4, or no room */
    assert_false(pve_net0_static("name=eth0", "", "fe80::1", &net, out, sizeof(out)));
    assert_false(pve_net0_static("name=eth0,hwaddr=AA:BB", "", "10.9.0.204", &net, out, 20));
}

static void test_pct_argv(void **state)
{
    (void)state;
    struct pve_config cfg = {0};
    char *prefix[] = {"/usr/bin/ssh", "-oBatchMode=yes", "root@{node}", "pct", NULL};
    char **argv = NULL;
    struct ct_error err = {0};
    memcpy(cfg.pct, prefix, sizeof(prefix));
    cfg.npct = 4;
    cfg.pct_remote_shell = true;
    const char *args[] = {"exec", "101", "--", "echo", "it's; rm -rf /", NULL};
    assert_int_equal(pve_pct_argv(&cfg, "pve2", args, &argv, &err), CT_OK);
    assert_string_equal(argv[2], "root@pve2");
    assert_string_equal(argv[3], "pct");
    assert_string_equal(argv[4], "'exec'");
    assert_string_equal(argv[8], "'it'\\''s; rm -rf /'");
    assert_null(argv[9]);
    pve_pct_argv_free(argv);
    cfg.pct_remote_shell = false;
    assert_int_equal(pve_pct_argv(&cfg, "pve2", args, &argv, &err), CT_OK);
    assert_string_equal(argv[8], "it's; rm -rf /");
    pve_pct_argv_free(argv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),        cmocka_unit_test(test_token_parse),
        cmocka_unit_test(test_token_file),    cmocka_unit_test(test_tags),
        cmocka_unit_test(test_meta_round_trip), cmocka_unit_test(test_place),
        cmocka_unit_test(test_error_text),    cmocka_unit_test(test_upid),
        cmocka_unit_test(test_network),       cmocka_unit_test(test_net0_static),
        cmocka_unit_test(test_pct_argv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
