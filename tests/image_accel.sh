#!/bin/bash
# The accelerator choice of `vigil image run` on any machine: a KVM that fails the way
# half-working nested virtualisation fails (a stand-in QEMU, and the real QEMU given a
# /dev/kvm that is no KVM) makes `auto` stop it and boot with TCG, `--accel kvm` exit 3,
# and a machine without /dev/kvm boots with TCG at once. Uses tests/with-dev (a private
# /dev in a mount namespace) so the machine's own /dev/kvm, working or not, plays no part.
. "$(dirname "$0")/lib.sh"
WITH_DEV="$ROOT/tests/with-dev"
STAND_IN="$ROOT/tests/data/broken-kvm"
unset VIGIL_ACCEL

write_spec "$WORK/hello.toml"
"$VIGIL" image build "$WORK/hello.toml" --out "$WORK/dist" >/dev/null

# broken MODE ARGS...: vigil image run under the stand-in QEMU failing in MODE, with a
# /dev/kvm that opens; the stand-in logs its calls to $WORK/qemu.log.
broken() {
  local mode=$1
  shift
  : > "$WORK/qemu.log"
  PATH="$STAND_IN:$PATH" VIGIL_FAKE_KVM=$mode VIGIL_FAKE_KVM_LOG="$WORK/qemu.log" \
    "$WITH_DEV" kvm "$VIGIL" image run "$WORK/dist" --timeout 240 "$@"
}
# accel_env WORD COMMAND...: COMMAND with VIGIL_ACCEL=WORD in its environment.
accel_env() {
  local VIGIL_ACCEL=$1
  export VIGIL_ACCEL
  shift
  "$@"
}
# spinner_gone: the stand-in that spun under KVM no longer runs.
spinner_gone() {
  local pid
  pid=$(awk '$1 == "spin" {print $2}' "$WORK/qemu.log")
  [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null
}

expect_exit 0 "auto: KVM prints its internal error and spins; vigil boots again with TCG" -- broken error --json
if jq -e '.target_exit_status == 0 and .accelerator == "tcg" and (.fallback_reason | test("KVM internal error"))' "$WORK/stdout" >/dev/null; then
  pass "--json reports accelerator tcg and the fallback reason"; else fail "json: $(cat "$WORK/stdout")"; fi
if [ "$(grep -c 'KVM failed' "$WORK/stderr")" -eq 1 ] && ! grep -q "RAX=" "$WORK/stderr"; then
  pass "one line says KVM failed and why; the register dump is not shown"; else fail "stderr: $(head -c 600 "$WORK/stderr")"; fi
if grep -q "^hello from vigil: world" "$WORK/stderr"; then pass "the target ran under TCG"; else fail "no greeting: $(tail -5 "$WORK/stderr")"; fi
if [ "$(tr '\n' ' ' < "$WORK/qemu.log" | sed 's/spin [0-9]* //')" = "kvm tcg " ]; then pass "QEMU ran twice: KVM, then TCG"; else fail "qemu calls: $(cat "$WORK/qemu.log")"; fi
if spinner_gone; then pass "the spinning KVM QEMU was stopped"; else fail "the KVM QEMU still runs"; fi

expect_exit 3 "--accel kvm: a failing KVM is exit 3, not a fallback" -- broken error --accel kvm --json
if jq -e '.error == "kvm-unusable" and (.reason | test("KVM internal error"))' "$WORK/stdout" >/dev/null; then
  pass "--accel kvm --json: {error: kvm-unusable, reason}, told apart from a target's 3"; else fail "json: $(cat "$WORK/stdout")"; fi
if [ "$(cat "$WORK/qemu.log" | grep -vc '^spin')" -eq 1 ] && spinner_gone; then pass "--accel kvm never starts TCG"; else fail "qemu calls: $(cat "$WORK/qemu.log")"; fi
expect_stderr "use --accel auto or tcg" "--accel kvm says what to do instead"

expect_exit 0 "auto: a KVM boot silent on the console is stopped after --kvm-silence" -- broken silent --kvm-silence 2 --json
if jq -e '.accelerator == "tcg" and (.fallback_reason | test("printed nothing on its console for 2 s"))' "$WORK/stdout" >/dev/null; then
  pass "the silence is the fallback reason"; else fail "json: $(cat "$WORK/stdout")"; fi
if spinner_gone; then pass "the silent KVM QEMU was stopped"; else fail "the silent QEMU still runs"; fi

expect_exit 0 "auto: QEMU failing to initialise KVM and exiting falls back" -- broken exit
expect_stderr "failed to initialize kvm" "the notice quotes QEMU's error"
expect_stderr "target exited with status 0 (TCG: KVM failed" "the summary names TCG and why"

expect_exit 0 "VIGIL_ACCEL=tcg never tries KVM" -- accel_env tcg broken error
if [ "$(cat "$WORK/qemu.log")" = "tcg" ]; then pass "only TCG ran"; else fail "qemu calls: $(cat "$WORK/qemu.log")"; fi
expect_exit 0 "--accel tcg overrides VIGIL_ACCEL=kvm" -- accel_env kvm broken error --accel tcg
expect_exit 0 "the silence rule never applies to TCG (its first console byte comes after 1 s)" -- broken silent --accel tcg --kvm-silence 1

# The real QEMU, given a /dev/kvm that opens but is no KVM.
expect_exit 0 "real QEMU whose KVM cannot initialise: auto boots with TCG" -- "$WITH_DEV" kvm "$VIGIL" image run "$WORK/dist" --timeout 240 --json
if jq -e '.accelerator == "tcg" and (.fallback_reason | length > 0)' "$WORK/stdout" >/dev/null; then pass "fallback reported: $(jq -r .fallback_reason "$WORK/stdout")"; else fail "json: $(cat "$WORK/stdout")"; fi
expect_exit 3 "real QEMU whose KVM cannot initialise: --accel kvm is exit 3" -- "$WITH_DEV" kvm "$VIGIL" image run "$WORK/dist" --accel kvm

# No /dev/kvm at all.
expect_exit 0 "no /dev/kvm: auto boots with TCG at once" -- "$WITH_DEV" none "$VIGIL" image run "$WORK/dist" --timeout 240 --json
if jq -e '.accelerator == "tcg" and (has("fallback_reason") | not)' "$WORK/stdout" >/dev/null; then pass "no KVM attempt, no fallback"; else fail "json: $(cat "$WORK/stdout")"; fi
expect_exit 3 "no /dev/kvm: --accel kvm is exit 3" -- "$WITH_DEV" none "$VIGIL" image run "$WORK/dist" --accel kvm --json
if jq -e '.error == "kvm-unusable" and (.reason | test("cannot open /dev/kvm"))' "$WORK/stdout" >/dev/null; then pass "the reason names /dev/kvm"; else fail "json: $(cat "$WORK/stdout")"; fi

# Bad input changes nothing and names the choices.
expect_exit 2 "--accel with another word" -- "$VIGIL" image run "$WORK/dist" --accel hvf
expect_stderr "choose auto" "the error names the choices"
expect_exit 2 "VIGIL_ACCEL with another word" -- env VIGIL_ACCEL=fast "$VIGIL" image run "$WORK/dist"
expect_stderr "VIGIL_ACCEL: unknown accelerator 'fast'" "the error names VIGIL_ACCEL"
expect_exit 2 "--kvm-silence 0" -- "$VIGIL" image run "$WORK/dist" --kvm-silence 0

finish
