#!/bin/bash
# vigil kernel build: a cached build is reused and reported as such; bad input (a wrong pin,
# a package in neither cache nor archive, a missing fragment, an unknown symbol, a symbol
# Kconfig drops, an existing --out) exits 2 or 3 with what to do, and writes nothing.
# Needs the kernel built once (scripts/build-kernel, run by make test) for the cache.
. "$(dirname "$0")/lib.sh"
SPEC="$ROOT/kernel/vigil.toml"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/vigil"

expect_exit 0 "the kernel comes from the cache" -- "$VIGIL" kernel build "$SPEC" --out "$WORK/k" --json
if jq -e '.cache == "hit" and .kernel_release == "6.12.118" and (.cache_key | length) == 64' "$WORK/stdout" >/dev/null; then
  pass "--json says hit, the release and the cache key"
else
  fail "--json: $(cat "$WORK/stdout")"
fi
if cmp -s "$WORK/k/bzImage" "$KERNEL"; then pass "the cached bzImage is the pinned one"; else fail "cached bzImage differs from $KERNEL"; fi
if (cd "$WORK/k" && sha256sum -c --quiet SHA256SUMS); then pass "SHA256SUMS checks the output"; else fail "SHA256SUMS does not check"; fi
if grep -q "^CONFIG_NSM=y" "$WORK/k/config" && grep -q "^# CONFIG_MODULES is not set" "$WORK/k/config"; then
  pass "the resolved config is published beside the kernel"
else
  fail "config lacks NSM=y or MODULES unset"
fi
if grep -q "^gcc = 'gcc (Debian 12" "$WORK/k/kernel.toml" && grep -q "^binutils = " "$WORK/k/kernel.toml"; then
  pass "kernel.toml records the compiler and binutils"
else
  fail "kernel.toml lacks the toolchain: $(cat "$WORK/k/kernel.toml")"
fi
expect_exit 2 "an existing --out is refused" -- "$VIGIL" kernel build "$SPEC" --out "$WORK/k"
expect_stderr "already exists" "it says --out exists"

# A spec beside copies of the fragments, altered one way at a time.
variant() {  # NAME SED_EXPRESSION: $WORK/NAME/vigil.toml
  mkdir -p "$WORK/$1" && cp -r "$ROOT/kernel/fragments" "$WORK/$1/"
  sed -e "$2" "$SPEC" > "$WORK/$1/vigil.toml"
}
nothing_written() {  # DIR DESCRIPTION
  if [ ! -e "$1" ] && ! ls -d "$(dirname "$1")"/.*partial* >/dev/null 2>&1; then pass "$2: nothing written"; else fail "$2: $1 or a partial directory exists"; fi
}
variant wrongpin 's/^sha256 = .*/sha256 = "'"$(printf 'a%.0s' $(seq 64))"'"/'
expect_exit 2 "a wrong pinned hash is refused" -- "$VIGIL" kernel build "$WORK/wrongpin/vigil.toml" --out "$WORK/wrongpin/out" --cache "$WORK/cache1"
expect_stderr "kernel-pin-update" "it names scripts/kernel-pin-update"
nothing_written "$WORK/wrongpin/out" "wrong pin"

variant gone 's/^version = .*/version = "6.12.0-0~vigil1"/'
expect_exit 3 "a package in neither the cache nor the archive is exit 3" -- "$VIGIL" kernel build "$WORK/gone/vigil.toml" --out "$WORK/gone/out" --cache "$WORK/cache2"
expect_stderr "scripts/kernel-pin-update" "it names scripts/kernel-pin-update"
nothing_written "$WORK/gone/out" "missing package"

variant nofragment 's|"fragments/aws.config"|"fragments/nsm.config"|'
expect_exit 2 "a missing fragment is refused" -- "$VIGIL" kernel build "$WORK/nofragment/vigil.toml" --out "$WORK/nofragment/out"
expect_stderr "fragments/nsm.config" "it names the fragment"

variant unknown 's/^x$//'
echo "CONFIG_NO_SUCH_THING=y" >> "$WORK/unknown/fragments/generic.config"
expect_exit 2 "a symbol the source does not define is refused" -- "$VIGIL" kernel build "$WORK/unknown/vigil.toml" --out "$WORK/unknown/out"
expect_stderr "CONFIG_NO_SUCH_THING (generic.config)" "it names the symbol and its fragment"
nothing_written "$WORK/unknown/out" "unknown symbol"

# vsock over virtio without the networking core: Kconfig drops it.
variant dropped 's/^x$//'
sed -i 's/^CONFIG_NET=y$/# CONFIG_NET is not set/' "$WORK/dropped/fragments/aws.config"
expect_exit 2 "a symbol Kconfig drops is refused" -- "$VIGIL" kernel build "$WORK/dropped/vigil.toml" --out "$WORK/dropped/out"
expect_stderr "CONFIG_VSOCKETS: aws.config requests y, Kconfig resolved n" "it names the dropped symbol"
expect_stderr "CONFIG_VSOCKETS: aws.config requests y, Kconfig resolved n (inside if NET)" "and the dependency that dropped it"
nothing_written "$WORK/dropped/out" "dropped symbol"

variant clash 's/^x$//'
echo "# CONFIG_VIRTIO_CONSOLE is not set" >> "$WORK/clash/fragments/hardening.config"
expect_exit 2 "fragments that contradict each other are refused" -- "$VIGIL" kernel build "$WORK/clash/vigil.toml" --out "$WORK/clash/out"
expect_stderr "fragments may not override each other" "it says which fragments disagree"
finish
