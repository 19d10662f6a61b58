#!/bin/bash
# The quorum example in QEMU (scripts/quorum-example): the hello-quorum image boots behind
# vigil-host, a 2-of-3 manifest set approves, share holders check the mock attestation and
# provision the enclave, which starts quorum-hello; its signature over the approved challenge
# verifies with the namespace's quorum key. The image's vigil-enclave and quorum-hello are
# the static release builds in build/bin (make test builds them).
. "$(dirname "$0")/lib.sh"
STATIC_BIN="$ROOT/build/bin"
for b in vigil-enclave quorum-hello; do
  linkage=$(LC_ALL=C ldd "$STATIC_BIN/$b" 2>&1 || true)
  if [ -x "$STATIC_BIN/$b" ] && [[ $linkage == *"not a dynamic executable"* ]]; then pass "$b is static ($STATIC_BIN)"; else fail "$STATIC_BIN/$b is missing or not static: run make test"; fi
done
expect_exit 0 "scripts/quorum-example" -- "$ROOT/scripts/quorum-example" "$BIN" "$KERNEL" "$STATIC_BIN"
if grep -q "^    the signature verifies with the quorum key$" "$WORK/stdout"; then pass "quorum-hello's signature over the challenge verifies with the quorum key"; else fail "no signature check: $(tail -5 "$WORK/stdout")"; fi
if grep -q "enclave: QuorumKeyProvisioned" "$WORK/stdout"; then pass "the enclave ends QuorumKeyProvisioned"; else fail "phase: $(grep enclave: "$WORK/stdout")"; fi
if grep -q "share accepted: the enclave waits for more shares" "$WORK/stdout" && grep -q "share accepted: the quorum key is reconstructed" "$WORK/stdout"; then pass "one share waits, the second reconstructs"; else fail "shares: $(grep share "$WORK/stdout")"; fi
grep "provisioning in QEMU" "$WORK/stdout" | sed 's/^ */  (figure) /'
finish
