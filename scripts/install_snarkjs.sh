#!/usr/bin/env bash
# Installs the pinned snarkjs (tests/js/package.json + package-lock.json) with `npm ci`.
# Its browser bundle, tests/js/node_modules/snarkjs/build/snarkjs.min.js, is what the nodes'
# auditor page serves at /vendor/snarkjs.min.js (or the file $ZKPOT_SNARKJS names).
set -euo pipefail
cd "$(dirname "$0")/../tests/js"
npm ci --no-audit --no-fund
echo "snarkjs bundle: $(pwd)/node_modules/snarkjs/build/snarkjs.min.js"
