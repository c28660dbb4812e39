#!/usr/bin/env bash
# Fails when the committed generated contracts differ from a fresh generation.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/generate-contracts.sh
if ! git diff --quiet --exit-code -- libs/contracts/src/gen || [ -n "$(git ls-files --others --exclude-standard libs/contracts/src/gen)" ]; then
  echo "libs/contracts/src/gen is stale: run 'npm run proto:generate' and commit the result." >&2
  git status --short -- libs/contracts/src/gen >&2
  exit 1
fi
echo "generated contracts are current"
