#!/usr/bin/env bash
# Regenerates libs/contracts/src/gen from proto/ with ts-proto, plus google.rpc's
# Status and error details (from npm's google-proto-files), so gRPC errors are
# encoded with generated messages like every other contract.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf libs/contracts/src/gen
cd proto
../node_modules/.bin/buf generate
../node_modules/.bin/buf generate ../node_modules/google-proto-files --template buf.gen.yaml \
  --path ../node_modules/google-proto-files/google/rpc/status.proto \
  --path ../node_modules/google-proto-files/google/rpc/error_details.proto
