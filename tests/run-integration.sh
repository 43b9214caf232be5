#!/bin/bash
# tests/run-integration.sh - bring up the rig with the freshly built binaries
# (CTGATE_BIN_DIR) and run every tests/integration/*.sh; fail if any fails.
# Usage: tests/run-integration.sh [TEST_NAME ...]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/rig.sh" up || exit 1

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
    for t in "$here"/integration/*.sh; do tests+=("$(basename "$t" .sh)"); done
fi
failed=()
for t in "${tests[@]}"; do
    echo "=== $t"
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
    echo "integration: ${#failed[@]} of ${#tests[@]} FAILED: ${failed[*]}"
    exit 1
fi
echo "integration: all ${#tests[@]} passed"
