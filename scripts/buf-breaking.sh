#!/usr/bin/env bash
# Checks proto/ for breaking changes against the last commit that touched it
# before this one (or against origin/main when a branch is being built).
set -euo pipefail
cd "$(dirname "$0")/.."
against=""
if git rev-parse --verify -q origin/main >/dev/null && [ "$(git rev-parse HEAD)" != "$(git rev-parse origin/main)" ]; then
  against="$(git merge-base HEAD origin/main)"
else
  against="$(git rev-list -n 1 HEAD~1 -- proto 2>/dev/null || true)"
fi
if [ -z "$against" ]; then
  echo "buf breaking: no earlier version of proto/ in history; nothing to compare"
  exit 0
fi
echo "buf breaking: comparing proto/ against $against"
cd proto
../node_modules/.bin/buf breaking --against "../.git#ref=${against},subdir=proto"
