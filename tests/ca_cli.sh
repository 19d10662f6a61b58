#!/bin/bash
# vigil ca init | issue: certificates that `openssl verify` accepts against the deployment
# CA only, names and tags where policies find them, private keys 0600, nothing overwritten.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "ca init" -- "$VIGIL" ca init "$WORK/ca"
if [ "$(stat -c %a "$WORK/ca/ca.key")" = 600 ]; then pass "ca.key is 0600"; else fail "ca.key mode $(stat -c %a "$WORK/ca/ca.key")"; fi
expect_exit 0 "issue a certificate for the ledger" -- "$VIGIL" ca issue "$WORK/ca" ledger --tag logs --tag farm --days 30
if [ "$(stat -c %a "$WORK/ca/ledger.key")" = 600 ]; then pass "ledger.key is 0600"; else fail "ledger.key mode"; fi
if openssl verify -CAfile "$WORK/ca/ca.crt" "$WORK/ca/ledger.crt" >/dev/null 2>&1; then pass "openssl verify accepts the role certificate"; else fail "openssl verify refused"; fi
text=$(openssl x509 -in "$WORK/ca/ledger.crt" -noout -text)
if grep -q "Subject: CN = ledger" <<<"$text"; then pass "subject CN is the role name"; else fail "subject: $(grep Subject: <<<"$text")"; fi
if grep -q "URI:vigil:tag:logs" <<<"$text" && grep -q "URI:vigil:tag:farm" <<<"$text"; then pass "tags are subjectAltName URIs"; else fail "tags missing"; fi
if grep -q "TLS Web Server Authentication, TLS Web Client Authentication" <<<"$text"; then pass "usable for mutual TLS"; else fail "no server+client EKU"; fi
if openssl x509 -in "$WORK/ca/ca.crt" -noout -text | grep -q "CA:TRUE, pathlen:0"; then pass "the CA is a CA that cannot delegate"; else fail "CA constraints"; fi
if openssl pkey -in "$WORK/ca/ledger.key" -pubout 2>/dev/null | cmp -s - <(openssl x509 -in "$WORK/ca/ledger.crt" -noout -pubkey); then pass "key matches certificate"; else fail "key does not match"; fi

"$VIGIL" ca init "$WORK/other" >/dev/null
if ! openssl verify -CAfile "$WORK/other/ca.crt" "$WORK/ca/ledger.crt" >/dev/null 2>&1; then pass "another CA does not vouch for it"; else fail "other CA accepted it"; fi

before=$(sha256sum "$WORK/ca/ledger.key")
expect_exit 2 "issuing the same name again is refused" -- "$VIGIL" ca issue "$WORK/ca" ledger
if [ "$(sha256sum "$WORK/ca/ledger.key")" = "$before" ]; then pass "the existing key is untouched"; else fail "key changed"; fi
expect_exit 2 "ca init over an existing directory is refused" -- "$VIGIL" ca init "$WORK/ca"
expect_exit 2 "a bad role name" -- "$VIGIL" ca issue "$WORK/ca" "Bad Name"
for name in a..b ab.; do
  expect_exit 2 "a role name with an empty DNS label: $name (finding D21)" -- "$VIGIL" ca issue "$WORK/ca" "$name"
done
expect_exit 2 "a bad tag" -- "$VIGIL" ca issue "$WORK/ca" signer --tag "x y"
expect_exit 2 "a repeated --tag is refused (finding D21)" -- "$VIGIL" ca issue "$WORK/ca" signer --tag farm --tag logs --tag farm
expect_stderr "tag 'farm' is given twice; give each tag once" "the repeated tag is named"
expect_exit 2 "zero days" -- "$VIGIL" ca issue "$WORK/ca" signer --days 0
if [ ! -e "$WORK/ca/signer.key" ] && [ ! -e "$WORK/ca/signer.crt" ]; then pass "nothing written for refused requests"; else fail "signer files written"; fi
expect_exit 2 "issue without a CA" -- "$VIGIL" ca issue "$WORK/nowhere" signer

# Never past the CA's own expiry; the same number of days ends with the CA.
"$VIGIL" ca init "$WORK/short" --days 30 >/dev/null
expect_exit 2 "a role certificate outliving its CA is refused" -- "$VIGIL" ca issue "$WORK/short" signer --days 31
expect_stderr "would outlive the CA" "the CA's expiry is named"
if [ ! -e "$WORK/short/signer.key" ]; then pass "nothing written for a certificate outliving its CA"; else fail "signer.key written"; fi
expect_exit 0 "as many days as the CA" -- "$VIGIL" ca issue "$WORK/short" signer --days 30 --json
if jq -e '.name == "signer" and .days == 30 and (.certificate | endswith("signer.crt"))' "$WORK/stdout" >/dev/null; then pass "ca issue --json"; else fail "json: $(cat "$WORK/stdout")"; fi
ca_end=$(openssl x509 -in "$WORK/short/ca.crt" -noout -enddate | cut -d= -f2)
role_end=$(openssl x509 -in "$WORK/short/signer.crt" -noout -enddate | cut -d= -f2)
if [ "$(date -d "$role_end" +%s)" -le "$(date -d "$ca_end" +%s)" ]; then pass "the role certificate ends no later than the CA"; else fail "role ends $role_end, CA $ca_end"; fi
expect_exit 0 "ca init --json" -- "$VIGIL" ca init "$WORK/third" --json
if jq -e '.days == 3650 and (.key | endswith("ca.key"))' "$WORK/stdout" >/dev/null; then pass "ca init --json"; else fail "json: $(cat "$WORK/stdout")"; fi
finish
