#!/usr/bin/env bash
# The reliability campaign (docs/reliability.md): the model-based test over every user-visible
# operation with MODEL_SEEDS sequences of MODEL_STEPS operations (default 1,000 × 1,000), split
# across MODEL_SHARDS processes (default 2), then every fuzzer with FUZZ_RUNS inputs per target
# (default 100,000). Each phase prints its figures and wall time; the script exits non-zero if
# any phase failed. STRESS_PHASES picks phases (default "model fuzz-inputs fuzz-rules fuzz-spdm-doe").
set -u
export MODEL_SEEDS="${MODEL_SEEDS:-1000}" MODEL_STEPS="${MODEL_STEPS:-1000}" FUZZ_RUNS="${FUZZ_RUNS:-100000}" MODEL_REPORT=1
# Running figures of the model phase, one JSON line per chunk of sequences and shard.
export MODEL_PROGRESS="${MODEL_PROGRESS:-stress-model-progress.log}"
SHARDS="${MODEL_SHARDS:-2}"
PHASES="${STRESS_PHASES:-model fuzz-inputs fuzz-rules fuzz-spdm-doe}"
status=0
vitest() {
  npx vitest run --testTimeout=86400000 --reporter=verbose "$@"
}
phase() {
  local name="$1"
  shift
  case " $PHASES " in *" $name "*) ;; *) return 0 ;; esac
  local start
  start=$(date +%s)
  echo "== $name (MODEL_SEEDS=$MODEL_SEEDS MODEL_STEPS=$MODEL_STEPS MODEL_SHARDS=$SHARDS FUZZ_RUNS=$FUZZ_RUNS)"
  if [ "$name" = model ]; then
    local pids=() i
    for ((i = 0; i < SHARDS; i++)); do
      MODEL_SHARD="$i/$SHARDS" vitest "$@" >"stress-model-shard-$i.log" 2>&1 &
      pids+=($!)
    done
    for i in "${!pids[@]}"; do
      wait "${pids[$i]}" || status=1
      grep -h '"model"' "stress-model-shard-$i.log" || { tail -40 "stress-model-shard-$i.log"; status=1; }
    done
  else
    vitest "$@" || status=1
  fi
  echo "== $name: $(($(date +%s) - start)) s"
}
phase model test/reliability/model.property.test.ts -t 'every step'
phase fuzz-inputs test/reliability/fuzz.test.ts
phase fuzz-rules test/udev/rules-fuzz.test.ts
phase fuzz-spdm-doe test/protocols/spdm/fuzz.test.ts test/drivers/doe-mailbox.property.test.ts
exit $status
