#!/usr/bin/env bash
# Re-records the two interop runs against DMTF spdm-emu and rewrites their replay fixtures
# (test/protocols/spdm/fixtures/interop-{a-requester-emu,b-responder-emu}.json).
#
#   (a) the real spdm_requester_emu against `auxbus spdm serve`, given libspdm's sample ECDSA
#       P-384 chain and key at run time (read from BIN/ecp384, never copied into the repo);
#   (b) `auxbus spdm connect` against the real spdm_responder_emu, trusting BIN/ecp384/ca.cert.der.
#
# BIN is spdm-emu's build/bin (shared/tools/spdm-emu/build.sh; default /var/tmp/spdm-emu/build/bin).
# Each run takes a few seconds. Exit status: 0 when both runs succeeded.
set -euo pipefail
BIN=${BIN:-/var/tmp/spdm-emu/build/bin}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$(mktemp -d)}
VERSIONS=${VERSIONS:-$(dirname "$(dirname "$BIN")")/VERSIONS.txt}
[ -x "$BIN/spdm_requester_emu" ] || { echo "no spdm-emu build at $BIN (run shared/tools/spdm-emu/build.sh)" >&2; exit 2; }

wait_listen() { # port 2323 = 0x0913; never probe it with a connect (that kills spdm_responder_emu)
  for _ in $(seq 1 100); do grep -q ':0913 00000000:0000 0A' /proc/net/tcp && return 0; sleep 0.2; done
  echo "nothing listens on 2323" >&2; return 1
}

cd "$REPO"
echo "== (a) spdm_requester_emu -> auxbus spdm serve"
npx tsx src/cli/main.ts spdm serve --port 2323 --cert-chain "$BIN/ecp384/bundle_responder.certchain.der" \
  --key "$BIN/ecp384/end_responder.key" --seed "auxbus interop a" --record "$OUT/a.json" > "$OUT/a-serve.log" 2>&1 &
SERVE=$!
wait_listen
set +e
(cd "$BIN" && ./spdm_requester_emu --trans PCI_DOE --ver 1.2 --exe_conn DIGEST,CERT,CHAL,MEAS --meas_op ALL \
  --exe_session KEY_EX,HEARTBEAT > "$OUT/a-requester.log" 2>&1)
A_REQ=$?
wait $SERVE; A_SRV=$?
set -e
echo "spdm_requester_emu exit $A_REQ, auxbus spdm serve exit $A_SRV"; cat "$OUT/a-serve.log"

echo "== (b) auxbus spdm connect -> spdm_responder_emu"
(cd "$BIN" && exec ./spdm_responder_emu --trans PCI_DOE --ver 1.2 > "$OUT/b-responder.log" 2>&1) &
RSP=$!
wait_listen
set +e
npx tsx src/cli/main.ts spdm connect 127.0.0.1:2323 --trust "$BIN/ecp384/ca.cert.der" --ver 1.2 --record "$OUT/b.json"
B_CON=$?
wait $RSP; B_RSP=$?
set -e
echo "auxbus spdm connect exit $B_CON, spdm_responder_emu exit $B_RSP"

npx tsx tools/spdm-interop/assemble.ts "$OUT" "$VERSIONS" "$BIN/ecp384/ca.cert.der" "$A_REQ" "$A_SRV" "$B_CON" "$B_RSP"
echo "logs in $OUT"
[ "$A_REQ$A_SRV$B_CON$B_RSP" = 0000 ]
