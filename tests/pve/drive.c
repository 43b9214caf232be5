/*
 * drive.c - drive the proxmox backend (hypervisor-agent/backend/proxmox.c)
 * against tests/pve-sim (another branch's test double; see run.sh):
 *
 *   drive CONFIG create NAME       create (clone, config), start, wait for the address, get, list
 *   drive CONFIG destroy NAME      destroy; then get must say not found
 *   drive CONFIG get NAME          print state, owner, ctid
 *   drive CONFIG list              print every ctgate CT
 *   drive CONFIG exec NAME ARGV... run ARGV inside (stdin "from-stdin\n", env CTGATE_T=a b'c,
 *                                  cwd /tmp); print the exit status and the stderr excerpt
 *   drive CONFIG push NAME PATH TEXT   write TEXT to PATH (mode 0640) inside
 *   drive CONFIG read NAME PATH    print PATH's content inside (exit 3: not found)
 *
 * Exit 0 on success, 1 with the error on stderr.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-config.h"
#include "backend.h"

static int fail(const char *what, const struct ct_error *err)
{
    char text[512];
    ct_error_format(err, text, sizeof(text));
    fprintf(stderr, "%s: %s (exit %d)\n", what, text, ct_err_exit(err->code));
    return 1;
}

int main(int argc, char **argv)
{
    struct agent_config cfg;
    struct ct_error err = {0};
    void *h = NULL;
    int rc = 1;

    signal(SIGPIPE, SIG_IGN);
    if (argc < 3) {
        fprintf(stderr, "usage: drive CONFIG create|destroy|get|list [NAME]\n");
        return 2;
    }
    if (agent_config_load(argv[1], &cfg, &err) != CT_OK) {
        return fail("config", &err);
    }
    const struct backend_ops *ops = cfg.backend_ops;
    if (ops->open(&cfg, &h, &err) != CT_OK) {
        rc = fail("open", &err);
        goto out;
    }
    const char *cmd = argv[2];
    const char *name = argc > 3 ? argv[3] : "";
    struct backend_instance inst;
    if (strcmp(cmd, "create") == 0) {
        struct size_spec limits = {2, 512LL * 1024 * 1024, 0};
        struct backend_create a = {.name = name,
                                   .tmpl = &cfg.templates[0],
                                   .owner = "alice",
                                   .request_id = "req-drive-0001",
                                   .created = "2026-12-01T06:00:00Z",
                                   .description = "a test CT",
                                   .limits = &limits};
        char ip[48];
        if (ops->create(h, &a, &err) != CT_OK) {
            rc = fail("create", &err);
            goto out;
        }
        if (ops->set_state(h, name, "start", &err) != CT_OK) {
            rc = fail("start", &err);
            goto out;
        }
        if (ops->set_state(h, name, "start", &err) != CT_OK) {
            rc = fail("start again", &err);
            goto out;
        }
        if (ops->wait_ipv4(h, name, 20, ip, sizeof(ip), &err) != CT_OK) {
            rc = fail("wait_ipv4", &err);
            goto out;
        }
        printf("address %s\n", ip);
    } else if (strcmp(cmd, "destroy") == 0) {
        if (ops->destroy(h, name, &err) != CT_OK) {
            rc = fail("destroy", &err);
            goto out;
        }
        if (ops->get(h, name, &inst, &err) != CT_ERR_NOT_FOUND) {
            fprintf(stderr, "destroy: %s still there\n", name);
            goto out;
        }
        if (ops->destroy(h, name, &err) != CT_OK) {
            rc = fail("destroy again", &err);
            goto out;
        }
        printf("destroyed %s\n", name);
    } else if (strcmp(cmd, "list") == 0) {
        struct backend_instance *all = NULL;
        size_t n = 0;
        if (ops->list(h, &all, &n, &err) != CT_OK) {
            rc = fail("list", &err);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            printf("%s ctid=%lld state=%s owner=%s template=%s request=%s cpu=%s memory=%s "
                   "description=%s\n",
                   all[i].name, all[i].ctid, all[i].state, all[i].owner, all[i].template_name,
                   all[i].request_id, all[i].cpu, all[i].memory, all[i].description);
        }
        free(all);
    } else if (strcmp(cmd, "exec") == 0 && argc > 4) {
        static const char *const env[] = {"CTGATE_T=a b'c $(x)", NULL};
        struct backend_exec ex = {.argv = (const char *const *)argv + 4,
                                  .stdin_file = "from-stdin\n",
                                  .stdin_len = 11,
                                  .env = env,
                                  .timeout_s = 3,
                                  .cwd = "/tmp"};
        enum ct_err e = ops->exec(h, name, &ex, &err);
        printf("exit=%d stderr=%s timed_out=%d\n", ex.exit_status, ex.stderr_excerpt,
               ex.timed_out);
        if (e != CT_OK) {
            rc = fail("exec", &err);
            goto out;
        }
    } else if (strcmp(cmd, "push") == 0 && argc > 5) {
        struct backend_file f = {argv[4], argv[5], strlen(argv[5]), 0640, 0, 0};
        if (ops->push_file(h, name, &f, &err) != CT_OK) {
            rc = fail("push", &err);
            goto out;
        }
    } else if (strcmp(cmd, "read") == 0 && argc > 4) {
        struct buf text;
        buf_init(&text, 4096);
        enum ct_err e = ops->read_file(h, name, argv[4], &text, &err);
        if (e == CT_OK) {
            fwrite(text.data != NULL ? text.data : "", 1, text.len, stdout);
        }
        buf_free(&text);
        if (e != CT_OK) {
            rc = e == CT_ERR_NOT_FOUND ? 3 : fail("read", &err);
            goto out;
        }
    } else if (strcmp(cmd, "get") == 0) {
        if (ops->get(h, name, &inst, &err) != CT_OK) {
            rc = fail("get", &err);
            goto out;
        }
        printf("%s ctid=%lld state=%s owner=%s ipv4=%s created=%s\n", inst.name, inst.ctid,
               inst.state, inst.owner, inst.ipv4, inst.created);
    } else {
        fprintf(stderr, "unknown command %s\n", cmd);
        goto out;
    }
    rc = 0;
out:
    if (h != NULL) {
        ops->close(h);
    }
    agent_config_free(&cfg);
    return rc;
}
