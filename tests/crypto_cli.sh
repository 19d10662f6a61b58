#!/bin/bash
# The quorum cryptography commands against QuorumOS's own key material (tests/data/qos):
# key derivation, the golden signature, share decryption and reconstruction, round trips,
# and bad input (clear error, exit 1 or 2, nothing written, no secret printed).
. "$(dirname "$0")/lib.sh"
# Secrets are used as a user keeps them: git stores the vectors 0644, so use a 0600 copy.
cp -r "$ROOT/tests/data/qos" "$WORK/qos"
find "$WORK/qos" -name '*.secret' -exec chmod 600 {} +
Q="$WORK/qos"
# secret_file NAME: NAME made readable by its owner only (the secrets this script writes).
secret_file() { : > "$1" && chmod 600 "$1"; }
PRIMARY_SIG=36c7f22c3831a32b8c8a9e823641e7df591c6e92848e7baa54f66d65963d15eaf02abbf5f01f99a8dddfe7a35453a4df486a708ffa3ef2d8159d4d0763f5ee89
MASTER_SEED=79922ba19779d7a54380ac1c7d3e1f28a0290207d187b7ed49762e431e4e85fc
declare -A SHARE=(
  [1]=01478202ca80a059745cc7aea502c0331d87885583c2adf386a8587395b84f141a
  [2]=0205b27977b9d0d01c7d0ea87583d94742ee70ac14f7d33f3b902a94f4494cbc2b
  [3]=033ba2501cae095ecd6249aaccfc276b77c9d1fb90e4f97b507104c922ef4d2dcd
)
hexof() { od -An -v -tx1 "$1" | tr -d ' \n'; }
strip() { tr -d '\n' < "$1"; }

# Key derivation.
for k in primary/primary boot-e2e/user1 boot-e2e/user2 boot-e2e/user3; do
  expect_exit 0 "key public of $k" -- "$VIGIL" key public "$Q/$k.secret"
  if [ "$(strip "$WORK/stdout")" = "$(strip "$Q/$k.pub")" ]; then pass "$k.secret derives $k.pub"; else fail "$k: derived $(cat "$WORK/stdout")"; fi
done

# The golden signature (RFC 6979, raw r||s) and verification.
printf 'test data' > "$WORK/msg"
expect_exit 0 "sign 'test data'" -- "$VIGIL" p256 sign --secret "$Q/primary/primary.secret" --in "$WORK/msg"
if [ "$(strip "$WORK/stdout")" = "$PRIMARY_SIG" ]; then pass "golden signature reproduced"; else fail "signature $(cat "$WORK/stdout")"; fi
expect_exit 0 "sign from standard input" -- "$VIGIL" p256 sign --secret "$Q/primary/primary.secret" < "$WORK/msg"
if [ "$(strip "$WORK/stdout")" = "$PRIMARY_SIG" ]; then pass "stdin gives the same signature"; else fail "stdin signature differs"; fi
expect_exit 0 "verify the golden signature" -- "$VIGIL" p256 verify --pub "$Q/primary/primary.pub" --signature "$PRIMARY_SIG" --in "$WORK/msg"
flipped="${PRIMARY_SIG:0:127}$(printf '%x' $(( (0x${PRIMARY_SIG:127:1} + 1) % 16 )))"
expect_exit 1 "a changed signature fails verification" -- "$VIGIL" p256 verify --pub "$Q/primary/primary.pub" --signature "$flipped" --in "$WORK/msg"
printf 'test datb' > "$WORK/msg2"
expect_exit 1 "a changed message fails verification" -- "$VIGIL" p256 verify --pub "$Q/primary/primary.pub" --signature "$PRIMARY_SIG" --in "$WORK/msg2"
expect_exit 1 "another key fails verification" -- "$VIGIL" p256 verify --pub "$Q/boot-e2e/user1.pub" --signature "$PRIMARY_SIG" --in "$WORK/msg"
expect_stderr "does not verify with this public key" "a failed verification says so"
expect_exit 2 "a short signature is bad input" -- "$VIGIL" p256 verify --pub "$Q/primary/primary.pub" --signature "${PRIMARY_SIG:0:126}" --in "$WORK/msg"
expect_exit 2 "non-hex signature is bad input" -- "$VIGIL" p256 verify --pub "$Q/primary/primary.pub" --signature "zz${PRIMARY_SIG:2}" --in "$WORK/msg"

# Decrypting the QuorumOS share envelopes, then reconstructing the quorum key from pairs.
for n in 1 2 3; do
  expect_exit 0 "decrypt user$n.share" -- "$VIGIL" p256 decrypt --secret "$Q/boot-e2e/user$n.secret" --in "$Q/boot-e2e/user$n.share" --out "$WORK/share$n.bin"
  if [ "$(hexof "$WORK/share$n.bin")" = "${SHARE[$n]}" ]; then pass "user$n's share decrypts to the vector"; else fail "user$n share: $(hexof "$WORK/share$n.bin")"; fi
  if [ "$(stat -c %a "$WORK/share$n.bin")" = 600 ]; then pass "decrypted share file is 0600"; else fail "decrypted share mode $(stat -c %a "$WORK/share$n.bin")"; fi
  secret_file "$WORK/share.$n" && printf '%s' "${SHARE[$n]}" > "$WORK/share.$n"
done
expect_exit 1 "decrypting with the wrong key fails" -- "$VIGIL" p256 decrypt --secret "$Q/boot-e2e/user2.secret" --in "$Q/boot-e2e/user1.share" --out "$WORK/wrong.bin"
expect_stderr "not made for this key or was modified" "the wrong key is explained"
if [ ! -e "$WORK/wrong.bin" ]; then pass "nothing written on a failed decryption"; else fail "wrong.bin written"; fi
for pair in "1 2" "1 3" "2 3" "1 2 3"; do
  files=(); for n in $pair; do files+=("$WORK/share.$n"); done
  expect_exit 0 "reconstruct from shares $pair" -- "$VIGIL" shamir reconstruct "${files[@]}" --out "$WORK/seed.bin"
  if [ "$(hexof "$WORK/seed.bin")" = "$MASTER_SEED" ]; then pass "shares $pair give the master seed"; else fail "shares $pair gave $(hexof "$WORK/seed.bin")"; fi
  rm -f "$WORK/seed.bin"
done
secret_file "$WORK/quorum.secret" && printf '%s' "$MASTER_SEED" > "$WORK/quorum.secret"
"$VIGIL" key public "$WORK/quorum.secret" > "$WORK/quorum.pub"
if [ "$(strip "$WORK/quorum.pub")" = "$(strip "$Q/boot-e2e/quorum_key.pub")" ]; then pass "the reconstructed seed is the quorum key"; else fail "quorum key differs"; fi

# Generated keys: files, modes, round trips.
expect_exit 0 "key generate" -- "$VIGIL" key generate "$WORK/alice"
if [ "$(stat -c %a "$WORK/alice.secret")" = 600 ] && [ "$(stat -c %a "$WORK/alice.pub")" = 644 ]; then pass "secret 0600, public 0644"; else fail "modes $(stat -c %a "$WORK/alice.secret") $(stat -c %a "$WORK/alice.pub")"; fi
if grep -q "$(cat "$WORK/alice.secret")" "$WORK/stdout" "$WORK/stderr"; then fail "key generate printed the secret"; else pass "the secret is not printed"; fi
before=$(sha256sum "$WORK/alice.secret")
expect_exit 2 "key generate refuses to overwrite" -- "$VIGIL" key generate "$WORK/alice"
if [ "$(sha256sum "$WORK/alice.secret")" = "$before" ]; then pass "existing key untouched"; else fail "existing key changed"; fi
head -c 100000 /dev/urandom > "$WORK/plain"
"$VIGIL" p256 encrypt --pub "$WORK/alice.pub" --in "$WORK/plain" --out "$WORK/env"
expect_exit 0 "envelope round trip" -- "$VIGIL" p256 decrypt --secret "$WORK/alice.secret" --in "$WORK/env" --out "$WORK/plain2"
if cmp -s "$WORK/plain" "$WORK/plain2"; then pass "decrypted bytes equal the plaintext"; else fail "round trip differs"; fi
if printf 'hi' | "$VIGIL" p256 encrypt --pub "$WORK/alice.pub" | "$VIGIL" p256 decrypt --secret "$WORK/alice.secret" | grep -qx hi; then pass "stdin/stdout round trip"; else fail "stdin/stdout round trip"; fi
size=$(stat -c %s "$WORK/env")
cp "$WORK/env" "$WORK/env.bad"; flip_byte "$WORK/env.bad" $((size - 1))
expect_exit 1 "a tampered tag fails" -- "$VIGIL" p256 decrypt --secret "$WORK/alice.secret" --in "$WORK/env.bad" --out "$WORK/x"
cp "$WORK/env" "$WORK/env.bad"; flip_byte "$WORK/env.bad" 200
expect_exit 1 "tampered ciphertext fails" -- "$VIGIL" p256 decrypt --secret "$WORK/alice.secret" --in "$WORK/env.bad" --out "$WORK/x"
head -c 50 "$WORK/env" > "$WORK/env.short"
expect_exit 2 "a truncated envelope is bad input" -- "$VIGIL" p256 decrypt --secret "$WORK/alice.secret" --in "$WORK/env.short" --out "$WORK/x"
if [ ! -e "$WORK/x" ]; then pass "nothing written for bad envelopes"; else fail "x written"; fi

# Bad keys.
# A prefix without a file name would write hidden .secret/.pub (finding D16).
mkdir "$WORK/keydir"
for prefix in "" "$WORK/keydir/" "$WORK/keydir/.."; do
  expect_exit 2 "key generate '$prefix' (no file name)" -- bash -c "cd '$WORK/keydir' && '$VIGIL' key generate '$prefix'"
  expect_stderr "has no file name" "it says what is wrong"
done
if [ -z "$(ls -A "$WORK/keydir")" ]; then pass "no hidden key files written"; else fail "wrote $(ls -A "$WORK/keydir")"; fi
# A secret others may read is refused by every command that reads one (finding D15).
cp "$Q/primary/primary.secret" "$WORK/world.secret" && chmod 644 "$WORK/world.secret"
for cmd in "key public $WORK/world.secret" "p256 sign --secret $WORK/world.secret --in $WORK/msg" \
           "p256 decrypt --secret $WORK/world.secret --in $Q/boot-e2e/user1.share --out $WORK/never"; do
  expect_exit 2 "a world-readable secret: vigil ${cmd%% [/-]*}" -- "$VIGIL" $cmd
  expect_stderr "chmod 600" "it says chmod 600"
done
chmod 620 "$WORK/share.1"
expect_exit 2 "a group-writable share: shamir reconstruct" -- "$VIGIL" shamir reconstruct "$WORK/share.1" "$WORK/share.2"
chmod 600 "$WORK/share.1"
if [ ! -e "$WORK/never" ]; then pass "nothing written with a refused secret"; else fail "never written"; fi
secret_file "$WORK/short.secret" && printf '%s' "${MASTER_SEED:0:62}" > "$WORK/short.secret"
expect_exit 2 "a short secret key" -- "$VIGIL" key public "$WORK/short.secret"
if grep -q "${MASTER_SEED:0:20}" "$WORK/stderr"; then fail "error quotes the secret"; else pass "error does not quote the secret"; fi
pub=$(strip "$Q/primary/primary.pub")
printf '%s' "${pub:0:200}00${pub:202}" > "$WORK/offcurve.pub"
expect_exit 2 "a public key off the curve" -- "$VIGIL" p256 encrypt --pub "$WORK/offcurve.pub" --in "$WORK/msg" --out "$WORK/y"
expect_stderr "is not on the P-256 curve" "the off-curve point is named"
if [ ! -e "$WORK/y" ]; then pass "nothing encrypted to a bad key"; else fail "y written"; fi
expect_exit 2 "verify with a public key off the curve" -- "$VIGIL" p256 verify --pub "$WORK/offcurve.pub" --signature "$PRIMARY_SIG" --in "$WORK/msg"
expect_stderr "is not on the P-256 curve" "verify names the off-curve point"
printf '%s' "${pub:0:100}" > "$WORK/short.pub"
expect_exit 2 "a public key file of the wrong length" -- "$VIGIL" p256 encrypt --pub "$WORK/short.pub" --in "$WORK/msg" --out "$WORK/y"
expect_stderr "holds 50 bytes; expected 130" "the wrong public key length is named"
secret_file "$WORK/badhex.secret" && printf 'zz%s' "${MASTER_SEED:2}" > "$WORK/badhex.secret"
expect_exit 2 "bad hex in a secret key file" -- "$VIGIL" key public "$WORK/badhex.secret"
expect_stderr "not hex text: bad character at offset 0" "bad hex is located, not quoted"
if grep -q "${MASTER_SEED:2:20}" "$WORK/stderr"; then fail "bad hex error quotes the secret"; else pass "bad hex error does not quote the secret"; fi
secret_file "$WORK/twonl.secret" && printf '%s\n\n' "$MASTER_SEED" > "$WORK/twonl.secret"
expect_exit 2 "a secret key file with two final newlines" -- "$VIGIL" key public "$WORK/twonl.secret"
expect_stderr "only one final newline" "extra white space is named as such"
expect_exit 2 "key generate into a missing directory" -- "$VIGIL" key generate "$WORK/nodir/k"
expect_stderr "does not exist; create it first" "the missing directory is named"

# Shamir split and its errors.
printf 'the quorum key...' > "$WORK/secret"
expect_exit 0 "split 3 of 5" -- "$VIGIL" shamir split --threshold 3 --shares 5 --in "$WORK/secret" --out-dir "$WORK/shares"
if [ "$(ls "$WORK/shares" | tr '\n' ' ')" = "share.1 share.2 share.3 share.4 share.5 " ]; then pass "five share files"; else fail "share files: $(ls "$WORK/shares")"; fi
expect_exit 0 "reconstruct from 3 of 5" -- "$VIGIL" shamir reconstruct "$WORK/shares/share.5" "$WORK/shares/share.2" "$WORK/shares/share.4" --threshold 3
if [ "$(cat "$WORK/stdout")" = "the quorum key..." ]; then pass "3 shares give the secret"; else fail "reconstructed $(cat "$WORK/stdout")"; fi
if [ "$(stat -c %a "$WORK/shares")" = 700 ] && [ "$(stat -c %a "$WORK/shares"/* | sort -u)" = 600 ]; then
  pass "share directory 0700, shares 0600"
else
  fail "share modes: $(stat -c '%a %n' "$WORK/shares" "$WORK/shares"/*)"
fi
expect_exit 0 "reconstruct --out" -- "$VIGIL" shamir reconstruct "$WORK/shares/share.1" "$WORK/shares/share.3" "$WORK/shares/share.4" --out "$WORK/rebuilt"
before=$(sha256sum < "$WORK/rebuilt")
expect_exit 2 "reconstruct never replaces an existing --out (finding D21)" -- "$VIGIL" shamir reconstruct "$WORK/shares/share.1" "$WORK/shares/share.2" "$WORK/shares/share.5" --out "$WORK/rebuilt"
expect_stderr "already exists; it is never replaced" "it says so"
if [ "$(sha256sum < "$WORK/rebuilt")" = "$before" ]; then pass "the existing file is untouched"; else fail "rebuilt changed"; fi
if [ "$(cat "$WORK/rebuilt")" = "the quorum key..." ] && [ "$(stat -c %a "$WORK/rebuilt")" = 600 ]; then pass "reconstruct --out writes the secret 0600"; else fail "reconstruct --out: mode $(stat -c %a "$WORK/rebuilt")"; fi
bad_reconstruct() {  # bad_reconstruct DESCRIPTION STDERR_TEXT SHARE_FILE... [--threshold K]
  local what=$1 text=$2
  shift 2
  expect_exit 2 "$what" -- "$VIGIL" shamir reconstruct "$@" --out "$WORK/never"
  expect_stderr "$text" "$what: the message names the problem"
  if [ ! -e "$WORK/never" ]; then pass "$what: nothing written"; else fail "$what: --out written"; rm -f "$WORK/never"; fi
}
bad_reconstruct "fewer shares than --threshold" "the threshold is 3" "$WORK/shares/share.1" "$WORK/shares/share.2" --threshold 3
bad_reconstruct "duplicate share indexes" "share" "$WORK/shares/share.1" "$WORK/shares/share.1"
bad_reconstruct "a single share" "at least 2" "$WORK/shares/share.1"
secret_file "$WORK/len3" && printf '01aabb' > "$WORK/len3"; secret_file "$WORK/len4" && printf '02aabbcc' > "$WORK/len4"
bad_reconstruct "shares of different lengths" "length" "$WORK/len3" "$WORK/len4"
secret_file "$WORK/x0" && printf '00aabb' > "$WORK/x0"
bad_reconstruct "a share with x = 0" "x = 0" "$WORK/x0" "$WORK/len3"
secret_file "$WORK/badshare" && printf '01zzbb' > "$WORK/badshare"
bad_reconstruct "bad hex in a share file" "not hex text" "$WORK/badshare" "$WORK/len3"
expect_exit 2 "split --threshold -1 is refused as itself" -- "$VIGIL" shamir split --threshold -1 --shares 5 --in "$WORK/secret" --out-dir "$WORK/bad-shares"
expect_stderr "Value -1 not in range 2 to 255" "a negative threshold is not wrapped around"
for bad in "1 5" "4 3" "2 256"; do
  set -- $bad
  expect_exit 2 "split --threshold $1 --shares $2 is refused" -- "$VIGIL" shamir split --threshold "$1" --shares "$2" --in "$WORK/secret" --out-dir "$WORK/bad-shares"
  if [ ! -e "$WORK/bad-shares" ]; then pass "nothing written for threshold $1 of $2"; else fail "bad-shares written"; fi
done
expect_exit 2 "split into an existing directory" -- "$VIGIL" shamir split --threshold 2 --shares 3 --in "$WORK/secret" --out-dir "$WORK/shares"
finish
