/* agent-link.c - see agent-link.h. */
#include "agent-link.h"

#include <libssh/libssh.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "json-secure.h"
#include "log.h"
#include "proto.h"

#define TICK_MS 100
#define STDERR_KEEP 2048

struct agent_link {
    ssh_session session;
    const struct gw_config *cfg;
};

static enum ct_err check_host_key(struct agent_link *link, struct ct_error *err)
{
    switch (ssh_session_is_known_server(link->session)) {
    case SSH_KNOWN_HOSTS_OK:
        return CT_OK;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
        log_error("agent %s: host key CHANGED (not the one in %s): refusing to connect",
                  link->cfg->agent_host, link->cfg->agent_known_hosts);
        ct_error_set(err, CT_ERR_BACKEND, "the agent's host key has changed; refusing to connect");
        err->detail_public = true; /* a warning worth passing on, and no path in it */
        return CT_ERR_BACKEND;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
        log_error("agent %s: host key not in %s: refusing to connect", link->cfg->agent_host,
                  link->cfg->agent_known_hosts);
        ct_error_set(err, CT_ERR_BACKEND, "the agent's host key is not pinned; refusing to connect");
        err->detail_public = true;
        return CT_ERR_BACKEND;
    default:
        return ct_error_set(err, CT_ERR_BACKEND, "cannot check the agent's host key: %s",
                            ssh_get_error(link->session));
    }
}

enum ct_err agent_link_open(const struct gw_config *cfg, struct agent_link **out,
                            struct ct_error *err)
{
    struct agent_link *link = calloc(1, sizeof(*link));
    ssh_key key = NULL;
    enum ct_err rc = CT_OK;
    bool no = false;
    long timeout = cfg->agent_connect_timeout_s;
    int port = cfg->agent_port;

    if (link == NULL || (link->session = ssh_new()) == NULL) {
        free(link);
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    link->cfg = cfg;
    /* Everything explicit: no ~/.ssh/config, no /etc/ssh/ssh_config, no default keys. */
    if (ssh_options_set(link->session, SSH_OPTIONS_PROCESS_CONFIG, &no) != SSH_OK ||
        ssh_options_set(link->session, SSH_OPTIONS_HOST, cfg->agent_host) != SSH_OK ||
        ssh_options_set(link->session, SSH_OPTIONS_PORT, &port) != SSH_OK ||
        ssh_options_set(link->session, SSH_OPTIONS_USER, cfg->agent_user) != SSH_OK ||
        ssh_options_set(link->session, SSH_OPTIONS_TIMEOUT, &timeout) != SSH_OK ||
        ssh_options_set(link->session, SSH_OPTIONS_KNOWNHOSTS, cfg->agent_known_hosts) != SSH_OK ||
        ssh_options_set(link->session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, cfg->agent_known_hosts) !=
            SSH_OK ||
        ssh_options_set(link->session, SSH_OPTIONS_SSH_DIR, "/nonexistent") != SSH_OK) {
        rc = ct_error_set(err, CT_ERR_CONFIG, "cannot set SSH options for the agent");
        goto out;
    }
    if (ssh_connect(link->session) != SSH_OK) {
        const char *why = ssh_get_error(link->session);
        log_error("agent %s:%d: connect failed: %s", cfg->agent_host, port, why);
        rc = ct_error_set(err, strstr(why, "imeout") != NULL ? CT_ERR_TIMEOUT : CT_ERR_BACKEND,
                          "cannot reach the agent");
        err->detail_public = true; /* our words, no path: libssh's are in the log */
        goto out;
    }
    if ((rc = check_host_key(link, err)) != CT_OK) {
        goto out;
    }
    if (ssh_pki_import_privkey_file(cfg->agent_key, NULL, NULL, NULL, &key) != SSH_OK) {
        log_error("cannot read the agent key %s", cfg->agent_key);
        rc = ct_error_set(err, CT_ERR_CONFIG, "cannot read the gateway's agent key");
        goto out;
    }
    if (ssh_userauth_publickey(link->session, NULL, key) != SSH_AUTH_SUCCESS) {
        log_error("agent %s: key refused: %s", cfg->agent_host, ssh_get_error(link->session));
        rc = ct_error_set(err, CT_ERR_BACKEND, "the agent refused the gateway's key");
        err->detail_public = true;
        goto out;
    }
out:
    ssh_key_free(key);
    if (rc != CT_OK) {
        agent_link_close(link);
        return rc;
    }
    *out = link;
    return CT_OK;
}

void agent_link_close(struct agent_link *link)
{
    if (link != NULL) {
        if (ssh_is_connected(link->session)) {
            ssh_disconnect(link->session);
        }
        ssh_free(link->session);
        free(link);
    }
}

/* A data line's bytes to the caller, who asked for them (export) or did not (an error). */
static enum ct_err pass_data(json_t *line, const struct agent_events *ev, struct ct_error *err)
{
    unsigned char bytes[PROTO_DATA_CHUNK];
    size_t len = 0;
    if (ev == NULL || ev->data == NULL || proto_data_decode(line, bytes, &len) != 0) {
        return ct_error_set(err, CT_ERR_BACKEND, "the agent sent something that is not "
                                                 "the protocol");
    }
    if (!ev->data(ev->ctx, bytes, len)) {
        ct_error_set(err, CT_ERR_INTERNAL, "cannot write the data (was the output closed?)");
        err->detail_public = true;
        return CT_ERR_INTERNAL;
    }
    return CT_OK;
}

/* Complete lines of *pending are parsed; the last (partial) one stays. */
static enum ct_err take_lines(struct buf *pending, const struct agent_events *ev, json_t **result,
                              struct ct_error *err)
{
    size_t start = 0;
    char *nl;
    while (*result == NULL &&
           (nl = memchr(pending->data + start, '\n', pending->len - start)) != NULL) {
        size_t len = (size_t)(nl - (pending->data + start));
        json_t *line = NULL;
        enum proto_line kind = proto_parse_line(pending->data + start, len, &line);
        start += len + 1;
        if (kind == PROTO_LINE_INVALID) {
            return ct_error_set(err, CT_ERR_BACKEND, "the agent sent something that is not "
                                                     "the protocol");
        }
        if (kind == PROTO_LINE_DATA) {
            enum ct_err rc = pass_data(line, ev, err);
            json_decref(line);
            if (rc != CT_OK) {
                return rc;
            }
        } else if (kind == PROTO_LINE_PROGRESS) {
            if (ev != NULL && ev->progress != NULL) {
                ev->progress(ev->ctx, line);
            }
            json_decref(line);
        } else {
            *result = line;
        }
    }
    /* Keep the partial line; the wiped copy never lingers (buf wipes on growth). */
    memmove(pending->data, pending->data + start, pending->len - start);
    memset(pending->data + (pending->len - start), 0, start);
    pending->len -= start;
    return CT_OK;
}

/*
 * The agent went away (or went silent) after the request was sent: a create
 * may be half done.  Tell the user the one safe next step, the same create
 * with the same request id (it returns the container if it was made, or
 * recovers and makes it), and the admin's.  Other operations are simply
 * repeated.
 */
static void add_lost_result_hint(const json_t *request, struct ct_error *err)
{
    const char *op = json_string_value(json_object_get(request, "op"));
    const char *rid = json_string_value(json_object_get(request, "request_id"));
    if (op == NULL || strcmp(op, "create") != 0 || rid == NULL) {
        return;
    }
    size_t used = strlen(err->detail);
    snprintf(err->detail + used, sizeof(err->detail) - used,
             "; the create may be half done: repeat it with --request-id %s, or ask an admin to run "
             "ctgate-agent reconcile --fix",
             rid);
}

enum ct_err agent_link_call(struct agent_link *link, json_t *request,
                            const struct agent_events *events, json_t **result,
                            struct ct_error *err)
{
    ssh_channel ch = NULL;
    struct buf pending;
    char *text = NULL;
    char chunk[4096];
    char errtext[STDERR_KEEP + 1];
    size_t errlen = 0;
    bool sent = false;
    enum ct_err rc = CT_OK;

    *result = NULL;
    buf_init(&pending, AGENT_LINE_MAX);
    text = json_dumps(request, JSON_COMPACT);
    if (text == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    if ((ch = ssh_channel_new(link->session)) == NULL || ssh_channel_open_session(ch) != SSH_OK ||
        ssh_channel_request_exec(ch, "ctgate-agent") != SSH_OK) {
        log_error("agent %s: cannot open a channel: %s", link->cfg->agent_host,
                  ssh_get_error(link->session));
        rc = ct_error_set(err, CT_ERR_BACKEND, "cannot start the agent");
        goto out;
    }
    size_t len = strlen(text);
    if (ssh_channel_write(ch, text, (uint32_t)len) != (int)len ||
        ssh_channel_write(ch, "\n", 1) != 1 || ssh_channel_send_eof(ch) != SSH_OK) {
        rc = ct_error_set(err, CT_ERR_BACKEND, "cannot send the request to the agent");
        goto out;
    }
    sent = true;
    long last_data = clock_now_ms();
    while (*result == NULL) {
        int avail = ssh_channel_poll_timeout(ch, TICK_MS, 0);
        if (avail == SSH_ERROR) {
            rc = ct_error_set(err, CT_ERR_BACKEND, "lost the connection to the agent");
            goto out;
        }
        /* Drain stderr so the window never fills; keep its start for the log. */
        int eavail = ssh_channel_poll(ch, 1);
        if (eavail > 0) {
            int n = ssh_channel_read_nonblocking(ch, chunk, sizeof(chunk), 1);
            if (n > 0 && errlen < STDERR_KEEP) {
                size_t take = (size_t)n < STDERR_KEEP - errlen ? (size_t)n : STDERR_KEEP - errlen;
                memcpy(errtext + errlen, chunk, take);
                errlen += take;
            }
        }
        if (avail == SSH_EOF) {
            break;
        }
        if (avail > 0) {
            int n = ssh_channel_read_nonblocking(ch, chunk, sizeof(chunk), 0);
            if (n < 0) {
                rc = ct_error_set(err, CT_ERR_BACKEND, "lost the connection to the agent");
                goto out;
            }
            if (n > 0) {
                last_data = clock_now_ms();
                if (buf_append(&pending, chunk, (size_t)n) != 0) {
                    rc = ct_error_set(err, CT_ERR_BACKEND, "the agent's answer is too long");
                    goto out;
                }
                if ((rc = take_lines(&pending, events, result, err)) != CT_OK) {
                    goto out;
                }
            }
            continue;
        }
        if (events != NULL && events->tick != NULL) {
            events->tick(events->ctx);
        }
        if (clock_now_ms() - last_data > (long)link->cfg->agent_idle_timeout_s * 1000) {
            rc = ct_error_set(err, CT_ERR_TIMEOUT, "the agent said nothing for %d seconds",
                              link->cfg->agent_idle_timeout_s);
            goto out;
        }
    }
    if (*result == NULL && pending.len > 0) {
        if (buf_append(&pending, "\n", 1) == 0) {
            rc = take_lines(&pending, events, result, err);
        }
    }
    if (rc == CT_OK && *result == NULL) {
        rc = ct_error_set(err, CT_ERR_BACKEND, "the agent ended without a result");
    }
out:
    if (rc != CT_OK && rc != CT_ERR_INTERNAL) {
        err->detail_public = true; /* what happened to the call, in our words: the user's to know */
    }
    if (rc != CT_OK && sent && *result == NULL) {
        add_lost_result_hint(request, err);
    }
    if (errlen > 0) {
        errtext[errlen] = '\0';
        errtext[strcspn(errtext, "\n")] = '\0';
        log_warn("agent stderr: %s", errtext);
    }
    if (ch != NULL) {
        ssh_channel_close(ch);
        ssh_channel_free(ch);
    }
    if (pending.data != NULL) {
        memset(pending.data, 0, pending.cap);
    }
    buf_free(&pending);
    json_secure_free_text(text);
    return rc;
}
