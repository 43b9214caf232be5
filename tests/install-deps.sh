#!/bin/sh
# Installs, from Debian 12's packages, everything ctgate needs to build, test
# and run its demo.  Run as root.  Used by .ci/run and the README.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y \
    build-essential pkg-config \
    libssh-dev libldap-dev libcurl4-openssl-dev libjansson-dev libsodium-dev libconfig-dev \
    libcmocka-dev valgrind \
    openssh-server openssh-client slapd ldap-utils openssl \
    lxd lxd-client btrfs-progs iptables dnsmasq-base \
    nginx libnginx-mod-stream fcgiwrap git tmux busybox-static \
    python3 curl jq ca-certificates procps iproute2 mmdebstrap debhelper lintian \
    clang libclang-rt-14-dev clang-tidy cppcheck
