#!/usr/bin/env bash
# The reliability campaign (docs/reliability.md): the model-based test over every user-visible
# operation with MODEL_SEEDS sequences of MODEL_STEPS operations (default 1,000 × 1,000), then
# every fuzzer with FUZZ_RUNS inputs per target (default 100,000). Each phase prints its figures
# and wall time; the script exits non-zero if any phase failed.
set -u
export MODEL_SEEDS="${MODEL_SEEDS:-1000}" MODEL_STEPS="${MODEL_STEPS:-1000}" FUZZ_RUNS="${FUZZ_RUNS:-100000}" MODEL_REPORT=1
# Running figures of the model phase, one JSON line every 25 sequences.
export MODEL_PROGRESS="${MODEL_PROGRESS:-stress-model-progress.log}"
status=0
phase() {
  local name="$1"
  shift
  local start
  start=$(date +%s)
  echo "== $name (MODEL_SEEDS=$MODEL_SEEDS MODEL_STEPS=$MODEL_STEPS FUZZ_RUNS=$FUZZ_RUNS)"
  npx vitest run --testTimeout=86400000 --reporter=verbose "$@" || status=1
  echo "== $name: $(($(date +%s) - start)) s"
}
phase model test/reliability/model.property.test.ts
phase fuzz-inputs test/reliability/fuzz.test.ts
phase fuzz-rules test/udev/rules-fuzz.test.ts
phase fuzz-spdm-doe test/protocols/spdm/fuzz.test.ts test/drivers/doe-mailbox.property.test.ts
exit $status
