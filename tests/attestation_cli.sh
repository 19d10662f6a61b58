#!/bin/bash
# vigil quorum verify-attestation over a real AWS Nitro attestation document (July 2022,
# tests/data/nitro): it verifies against AWS's root when it was valid, and every check that
# fails is named, with exit 1; bad arguments exit 2.
. "$(dirname "$0")/lib.sh"
NITRO="$ROOT/tests/data/nitro"
DOC="$NITRO/aws_attestation_doc_2022.cbor"
T=1657117192

expect_exit 0 "the AWS document verifies at its time against the built-in AWS root" -- "$VIGIL" quorum verify-attestation "$DOC" --time $T
if grep -q "^ok: Nitro attestation document from i-07e25f3bada361dec-enc0181d3dff86da785, timestamp 1657117102484 ms, 16 PCRs$" "$WORK/stdout"; then pass "it says what it verified"; else fail "stdout: $(head -2 "$WORK/stdout")"; fi
expect_exit 0 "with the root given as a file, expectations met, --json" -- "$VIGIL" quorum verify-attestation "$DOC" --time $T --root "$NITRO/aws_root_cert.pem" --no-nonce \
  --user-data "$(jq -r .user_data < <("$VIGIL" quorum verify-attestation "$DOC" --time $T --json))" --pcr 1=bcdf05fefccaa8e55bf2c8d6dee9e79bbff31e34bf28a99aa19e6b29c37ee80b214a414b7607236edf26fcb78654e63f --json
if jq -e '.valid == true and .mock == false and (.pcrs | length) == 16 and .nonce == null and (.user_data | startswith("a2ec4272"))' "$WORK/stdout" >/dev/null; then pass "--json carries the fields"; else fail "--json: $(head -c 300 "$WORK/stdout")"; fi

expect_exit 1 "a day later the document is too old" -- "$VIGIL" quorum verify-attestation "$DOC" --time $((T + 86400))
expect_stderr "error: time: the document was made at 1657117102, 86490 s before the verifier's clock; it may be at most 600 s old" "it names the time check"
expect_exit 1 "older than --max-age (made 90 s before T)" -- "$VIGIL" quorum verify-attestation "$DOC" --time $T --max-age 89
expect_stderr "at most 89 s old" "it names the bound"
expect_exit 0 "within --max-age" -- "$VIGIL" quorum verify-attestation "$DOC" --time $T --max-age 90
expect_exit 0 "a day later with --max-age a day and more: the chain holds at the document's own time" -- "$VIGIL" quorum verify-attestation "$DOC" --time $((T + 86400)) --max-age 86490
expect_exit 1 "a day earlier it comes from the future" -- "$VIGIL" quorum verify-attestation "$DOC" --time $((T - 86400))
expect_stderr "s after the verifier's clock" "it says so"
expect_exit 2 "a negative --max-age is bad usage" -- "$VIGIL" quorum verify-attestation "$DOC" --max-age -1
expect_exit 1 "today (no --time) it has expired too" -- "$VIGIL" quorum verify-attestation "$DOC"
expect_exit 1 "a PCR that differs fails" -- "$VIGIL" quorum verify-attestation "$DOC" --time $T --pcr 0=00
expect_stderr "error: pcr0: the document holds" "it names the register"
expect_exit 1 "a nonce that is not there fails" -- "$VIGIL" quorum verify-attestation "$DOC" --time $T --nonce 01
expect_stderr "nonce: " "it names the nonce"
expect_exit 1 "the mock root is refused without --trust-mock" -- "$VIGIL" quorum verify-attestation "$DOC" --time $T --root "$NITRO/mock_pki/root.der"
expect_stderr "root: the pinned root is the mock NSM's test root" "it says the root is the mock's"
expect_exit 1 "with --trust-mock, an AWS document still does not chain to the mock root" -- "$VIGIL" quorum verify-attestation "$DOC" --time $T --root "$NITRO/mock_pki/root.der" --trust-mock
expect_stderr "root: cabundle[0] is not the pinned root" "it says the bundle's root differs"

cp "$DOC" "$WORK/tampered.cbor"
printf '\x01' | dd of="$WORK/tampered.cbor" bs=1 seek=$(( $(stat -c %s "$DOC") - 10 )) conv=notrunc status=none
expect_exit 1 "a changed signature byte fails" -- "$VIGIL" quorum verify-attestation "$WORK/tampered.cbor" --time $T
expect_stderr "signature: " "it names the signature check"
head -c 3000 "$DOC" > "$WORK/cut.cbor"
expect_exit 1 "a truncated document fails" -- "$VIGIL" quorum verify-attestation "$WORK/cut.cbor" --time $T
expect_stderr "syntax: " "it names the syntax check"
{ cat "$DOC"; printf '\x00'; } > "$WORK/trailing.cbor"
expect_exit 1 "a byte after the document fails" -- "$VIGIL" quorum verify-attestation "$WORK/trailing.cbor" --time $T --json
if jq -e '.valid == false and (.error | test("after its end"))' "$WORK/stdout" >/dev/null; then pass "--json says why"; else fail "--json: $(cat "$WORK/stdout")"; fi

expect_exit 2 "--pcr 40=.. is bad input" -- "$VIGIL" quorum verify-attestation "$DOC" --pcr 40=00
printf 'not a certificate' > "$WORK/root.pem"
expect_exit 2 "a root that is not a certificate is bad input" -- "$VIGIL" quorum verify-attestation "$DOC" --root "$WORK/root.pem"
expect_exit 2 "--user-data that is not hex is bad input" -- "$VIGIL" quorum verify-attestation "$DOC" --user-data xyz
expect_exit 2 "a missing document is bad input" -- "$VIGIL" quorum verify-attestation "$WORK/none.cbor"
finish
