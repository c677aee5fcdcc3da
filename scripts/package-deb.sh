#!/usr/bin/env bash
# Builds the Debian package: the `dist` profile binary (LTO, stripped), its shell completions and
# manual pages generated from the CLI, then `cargo deb`. Checks the package by unpacking it into a
# scratch root and running `camsweep --version` from there. Prints the .deb's path on stdout.
# Needs cargo-deb (`cargo install --locked cargo-deb`; .ci/run installs it) and dpkg-deb.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}
# CI packages the release build it already has (DEB_PROFILE=release) to save a second full
# dependency build and a fat-LTO link; a real release uses the default, dist.
profile=${DEB_PROFILE:-dist}

cargo build --profile "$profile" --locked --quiet
bin="$target_dir/$profile/camsweep"

# The assets listed in Cargo.toml's [package.metadata.deb], always under ./target.
assets=target/dist-assets
rm -rf "$assets"
mkdir -p "$assets/completions" "$assets/man"
"$bin" completions bash >"$assets/completions/camsweep.bash"
"$bin" completions zsh >"$assets/completions/_camsweep"
"$bin" completions fish >"$assets/completions/camsweep.fish"
"$bin" man --out "$assets/man"

deb=$(cargo deb --profile "$profile" --no-build --locked 2>/dev/null | tail -1)
[[ -f "$deb" ]] || { echo "cargo deb did not produce a package" >&2; exit 1; }

# Install into a scratch root (no effect on this machine) and run it from there.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
dpkg-deb -x "$deb" "$scratch"
version=$("$scratch/usr/bin/camsweep" --version)
[[ "$version" == "camsweep $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)" ]] \
  || { echo "unexpected version from the packaged binary: $version" >&2; exit 1; }
for f in usr/share/bash-completion/completions/camsweep usr/share/zsh/vendor-completions/_camsweep \
  usr/share/fish/vendor_completions.d/camsweep.fish usr/share/doc/camsweep/README.zh-CN.md; do
  [[ -s "$scratch/$f" ]] || { echo "package lacks $f" >&2; exit 1; }
done
ls "$scratch"/usr/share/man/man1/camsweep.1* "$scratch"/usr/share/man/man1/camsweep-audit.1* >/dev/null \
  || { echo "package lacks the manual pages" >&2; exit 1; }
dpkg-deb -e "$deb" "$scratch/DEBIAN"
grep -q "setcap cap_net_raw,cap_net_admin+ep /usr/bin/camsweep" "$scratch/DEBIAN/postinst" \
  || { echo "the package's postinst does not grant the capabilities" >&2; exit 1; }
echo "$version from $deb (unpacked into a scratch root)" >&2
echo "$deb"
