/*
 * doctor.h - `ctgate [--config FILE] doctor [--json] [--sshd-config FILE] [--account NAME]`:
 * the gateway's prerequisites, checked by an admin on the host (sshd's
 * ForceCommand line is fixed, so users can never reach this), each failure
 * with what to do.  Exit 0 only when every check passes.
 */
#ifndef CTGATE_GW_DOCTOR_H
#define CTGATE_GW_DOCTOR_H

/* argv: the words after "doctor".  Returns the exit code. */
int gw_doctor_main(const char *config_path, int argc, char **argv);

#endif
