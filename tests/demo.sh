#!/bin/bash
# tests/demo.sh - bring up the rig (sshd + slapd + LXD + agent on this machine)
# with the built binaries and print what to try.  Run as root: `make demo`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/rig.sh" up
eval "$("$here/rig.sh" env)"
key=$(cat "$CTGATE_KEY_alice.pub")
cat <<EOF

ctgate demo is up: sshd on $CTGATE_SSH_HOST:$CTGATE_SSH_PORT, slapd, LXD ($CTGATE_LXD_DIR).

The gateway account answers (create through it arrives with the gateway issue):

  ssh -i $CTGATE_KEY_alice -p $CTGATE_SSH_PORT -o UserKnownHostsFile=$CTGATE_KNOWN_HOSTS create-container@127.0.0.1 help

Create a container as alice through the agent, exactly as the gateway will:

  echo '{"v":1,"op":"create","caller":{"uid":"alice","uid_number":10001},"hostname":"demo1","template":"busybox","pubkey":"$key"}' \\
    | ssh -T -i $CTGATE_GATEWAY_KEY -p $CTGATE_SSH_PORT -o UserKnownHostsFile=$CTGATE_KNOWN_HOSTS $CTGATE_AGENT_USER@127.0.0.1

List and delete it the same way with {"v":1,"op":"list",...} and {"v":1,"op":"delete",...,"hostname":"demo1"}
(see docs/protocol.md).  LXD itself: LXD_DIR=$CTGATE_LXD_DIR lxc list
Stop everything: tests/rig.sh down
EOF
