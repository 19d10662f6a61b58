#!/bin/bash
# vigil policy check | eval against a real policy directory: decisions, the deciding rule,
# default deny, and a typo reported with file and line.
. "$(dirname "$0")/lib.sh"

P="$WORK/policy"
mkdir -p "$P"
cat > "$P/10-ledger.policy" <<'POLICY'
# The ledger takes build logs from the farm's builders only.
vigil.BuildLog * @tag:builder ledger allow
vigil.BuildLog * @any ledger deny
!include common.inc
POLICY
printf 'vigil.Ping + @any @any allow\n' > "$P/common.inc"
printf 'vigil.Sign +release builder-1 signer allow\n' > "$P/20-signer.policy"

expect_exit 0 "policy check of a valid directory" -- "$VIGIL" policy check "$P"
if grep -q "^OK: 4 rules" "$WORK/stdout"; then pass "4 rules counted"; else fail "check said $(cat "$WORK/stdout")"; fi
expect_exit 0 "policy check --json" -- "$VIGIL" policy check "$P" --json
if jq -e '.valid == true and .rules == 4' "$WORK/stdout" >/dev/null; then pass "check --json counts the rules"; else fail "json: $(cat "$WORK/stdout")"; fi
expect_exit 0 "a tagged builder may stream logs" -- "$VIGIL" policy eval "$P" --service vigil.BuildLog --argument b-42 --source builder-1 --source-tag builder --target ledger
if grep -q "allow by .*10-ledger.policy:2" "$WORK/stdout"; then pass "the deciding rule is named"; else fail "eval said $(cat "$WORK/stdout")"; fi
expect_exit 1 "an untagged caller is denied" -- "$VIGIL" policy eval "$P" --service vigil.BuildLog --argument b-42 --source laptop --target ledger
if grep -q "deny by .*10-ledger.policy:3" "$WORK/stdout"; then pass "denied by line 3"; else fail "eval said $(cat "$WORK/stdout")"; fi
expect_exit 0 "an included rule allows Ping with an empty argument" -- "$VIGIL" policy eval "$P" --service vigil.Ping --source anyone --target signer
expect_exit 1 "Ping with an argument is not the empty argument" -- "$VIGIL" policy eval "$P" --service vigil.Ping --argument x --source anyone --target signer
expect_exit 0 "signing key 'release' for builder-1" -- "$VIGIL" policy eval "$P" --service vigil.Sign --argument release --source builder-1 --target signer --json
if jq -e '.allow == true and (.rule.line == 1)' "$WORK/stdout" >/dev/null; then pass "JSON decision"; else fail "json: $(cat "$WORK/stdout")"; fi
expect_exit 1 "no matching rule: default deny" -- "$VIGIL" policy eval "$P" --service vigil.Append --source signer --target ledger
if grep -q "default deny" "$WORK/stdout"; then pass "default deny is said"; else fail "eval said $(cat "$WORK/stdout")"; fi

# eval answers as a host would (finding D12): a redirect is not served here, and a call no
# host could receive is bad input, not a decision.
mkdir "$WORK/redirect" && echo 'vigil.Echo * @any @any allow target=signer' > "$WORK/redirect/10.policy"
expect_exit 1 "a call redirected elsewhere is denied, as the host denies it" -- "$VIGIL" policy eval "$WORK/redirect" --service vigil.Echo --source builder --target ledger
if grep -q "deny: allow by .*10.policy:1 sends the call to signer" "$WORK/stdout"; then pass "the redirect is explained"; else fail "eval said $(cat "$WORK/stdout")"; fi
expect_exit 0 "the redirect's own target is served" -- "$VIGIL" policy eval "$WORK/redirect" --service vigil.Echo --source builder --target signer
mkdir "$WORK/any" && echo '* * @any @any allow' > "$WORK/any/10.policy"
eval_any() { "$VIGIL" policy eval "$WORK/any" "$@"; }
expect_exit 2 "eval refuses a bad service" -- eval_any --service 'bad!service' --source builder --target ledger
expect_stderr "is not a service name" "the service is named"
expect_exit 2 "eval refuses a bad argument" -- eval_any --service vigil.Echo --argument 'x y' --source builder --target ledger
expect_stderr "is not a call argument" "the argument is named"
for who in "--source NOT-A-NAME --target ledger" "--source builder --target ../../x" "--source @tag:build --target ledger"; do
  # shellcheck disable=SC2086
  expect_exit 2 "eval refuses $who" -- eval_any --service vigil.Echo $who
  expect_stderr "is not a role name" "the name is said to be no role name"
done
expect_exit 2 "eval refuses a bad tag" -- eval_any --service vigil.Echo --source builder --source-tag 'Bad!' --target ledger
expect_stderr "is not a valid tag" "the tag is named"

# An include bomb (finding D3): 100 x 100 includes of an empty file is refused at once.
mkdir "$WORK/bomb" && : > "$WORK/bomb/c"
python3 -c "open('$WORK/bomb/10.policy','w').write('!include b\n'*100); open('$WORK/bomb/b','w').write('!include c\n'*100)"
expect_exit 2 "an include bomb is refused" -- timeout 20 "$VIGIL" policy check "$WORK/bomb"
expect_stderr "reads more than 1000 files" "the bound is named"

printf 'vigil.Sign +release builder-1 signer alow\n' > "$P/30-typo.policy"
expect_exit 2 "a typo makes the directory invalid" -- "$VIGIL" policy check "$P"
expect_stderr "30-typo.policy:1: unknown action 'alow'" "the typo is reported with file and line"
expect_exit 2 "check --json of an invalid directory" -- "$VIGIL" policy check "$P" --json
if jq -e '.valid == false and (.error | contains("30-typo.policy:1"))' "$WORK/stdout" >/dev/null; then pass "check --json names the error"; else fail "json: $(cat "$WORK/stdout")"; fi
expect_exit 2 "an invalid policy decides nothing" -- "$VIGIL" policy eval "$P" --service vigil.Ping --source anyone --target signer
printf '# a rule no certificate could ever match\nvigil.Sign +release Builder-1 signer allow\n' > "$P/30-typo.policy"
expect_exit 2 "a source name outside the role-name grammar is an error" -- "$VIGIL" policy check "$P"
expect_stderr "30-typo.policy:2: bad source 'Builder-1'" "the impossible name is reported with file and line"
finish
