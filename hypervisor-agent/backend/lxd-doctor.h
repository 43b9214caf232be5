/*
 * lxd-doctor.h - what `ctgate-agent doctor` asks of the LXD backend: the
 * server answers, and the storage pool, the profile, its NIC and that NIC's
 * managed network named in agent.conf exist (backend.h's doctor hook).
 */
#ifndef CTGATE_LXD_DOCTOR_H
#define CTGATE_LXD_DOCTOR_H

#include "backend.h"
#include "lxd-client.h"
#include "lxd-config.h"

void lxd_doctor(struct lxd *lxd, const struct lxd_config *settings, backend_say_fn say, void *ctx);

#endif
