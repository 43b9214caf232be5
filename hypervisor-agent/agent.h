/*
 * agent.h - the agent's two entry points; main.c only parses argv.
 */
#ifndef CTGATE_AGENT_H
#define CTGATE_AGENT_H

/* Read one request from stdin, run it, answer on stdout.  Returns an exit code. */
int agent_serve(const char *config_path);
/* Load the configuration and report problems on stderr.  Returns an exit code. */
int agent_check_config(const char *config_path);

#endif
