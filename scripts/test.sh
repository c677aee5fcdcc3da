#!/usr/bin/env bash
# The README's test command: installs the system packages the tests use when they are missing
# (scripts/test-deps.txt), then runs `cargo test --release` with any arguments given.
#   scripts/test.sh                       everything
#   scripts/test.sh --test integration    one test target
# As root, missing packages are installed with apt-get (and pip); as another user the script
# prints what to install and fails, so a missing tool never turns into a skipped test.
set -euo pipefail
cd "$(dirname "$0")/.."

missing_apt=()
missing_pip=()
while read -r kind what package; do
  case "$kind" in
    '' | '#'*) continue ;;
    apt)
      if [[ "$what" == /* ]]; then [[ -e "$what" ]] && continue
      else command -v "$what" >/dev/null && continue
      fi
      [[ " ${missing_apt[*]-} " == *" $package "* ]] || missing_apt+=("$package") ;;
    pip)
      python3 -c "import $what" 2>/dev/null && continue
      missing_pip+=("$package") ;;
    *) echo "scripts/test-deps.txt: unknown kind '$kind'" >&2; exit 2 ;;
  esac
done < scripts/test-deps.txt

if (( ${#missing_apt[@]} + ${#missing_pip[@]} > 0 )); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "The tests need system packages that are missing. As root, run:" >&2
    (( ${#missing_apt[@]} )) && echo "  apt-get install ${missing_apt[*]}" >&2
    (( ${#missing_pip[@]} )) && echo "  python3 -m pip install --break-system-packages ${missing_pip[*]}" >&2
    echo "(or run scripts/test.sh as root, which installs them)" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  if (( ${#missing_apt[@]} )); then
    echo "installing: ${missing_apt[*]}" >&2
    apt-get update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing_apt[@]}" >/dev/null
  fi
  if (( ${#missing_pip[@]} )); then
    command -v pip3 >/dev/null || apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends python3-pip >/dev/null
    echo "installing (pip): ${missing_pip[*]}" >&2
    python3 -m pip install -q --break-system-packages "${missing_pip[@]}"
  fi
fi

exec cargo test --release "$@"
