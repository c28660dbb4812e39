#!/usr/bin/env bash
# Regenerates libs/contracts/src/gen from proto/ with ts-proto.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf libs/contracts/src/gen
(cd proto && ../node_modules/.bin/buf generate)
