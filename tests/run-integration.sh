#!/bin/bash
# tests/run-integration.sh - bring up the rig with the freshly built binaries
# (CTGATE_BIN_DIR) and run every tests/integration/*.sh; fail if any fails.
# Usage: tests/run-integration.sh [TEST_NAME ...]
#
# CTGATE_BACKEND=proxmox runs them with the agent on its proxmox backend
# against tests/pve-sim (rig.sh): without names, the suites that are about
# what every backend must do (PROXMOX_SUITES) and proxmox.sh, which is about
# Proxmox alone and is not run on LXD.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
backend=${CTGATE_BACKEND:-lxd}
"$here/rig.sh" up || exit 1

PROXMOX_SUITES="agent-create gateway-create power agent-rollback crash idempotency publish quota reap reconcile proxmox"

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
    if [ "$backend" = proxmox ]; then
        read -ra tests <<<"$PROXMOX_SUITES"
    else
        for t in "$here"/integration/*.sh; do
            t=$(basename "$t" .sh)
            [ "$t" = proxmox ] || tests+=("$t")
        done
    fi
fi
failed=()
for t in "${tests[@]}"; do
    echo "=== $t ($backend)"
    start=$(date +%s)
    if bash "$here/integration/$t.sh"; then
        echo "=== $t passed ($(( $(date +%s) - start ))s)"
    else
        echo "=== $t FAILED"
        failed+=("$t")
    fi
done
echo
if [ ${#failed[@]} -gt 0 ]; then
    echo "integration ($backend): ${#failed[@]} of ${#tests[@]} FAILED: ${failed[*]}"
    exit 1
fi
echo "integration ($backend): all ${#tests[@]} passed"
