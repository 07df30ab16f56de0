#!/usr/bin/env bash
# Sets up everything CaseLedger needs on a fresh machine, then runs one job:
#
#   bash infra/run.sh demo     the end-to-end demo (the main job)
#   bash infra/run.sh test     the whole test suite (what CI runs)
#   bash infra/run.sh setup    set-up only
#
# Set-up: Java, Maven and the PostgreSQL server from Debian's packages when absent;
# a virtualenv in .venv with the pinned dependencies (re-installed only when
# pyproject.toml changes, so a second run downloads nothing). The Kafka broker's
# jars are fetched from Maven Central by `caseledger stack up` on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

job="${1:-}"; shift || true
case "$job" in demo|test|setup) ;; *)
  echo "usage: bash infra/run.sh demo|test|setup [args...]" >&2; exit 2 ;;
esac

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

# -- system packages --------------------------------------------------------
missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || [ -n "$(ls .stack/cache/kafka-*/libs 2>/dev/null)" ] || missing+=(maven)
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# The web app's browser tests drive Debian's Chromium (Playwright's own browser download cannot work here).
if [ "$job" = test ]; then command -v chromium >/dev/null 2>&1 || missing+=(chromium); fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]} from Debian's packages"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "missing: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# -- python -----------------------------------------------------------------
py=python3
if ! $py -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11 or newer is needed (found: $($py --version 2>&1))." >&2; exit 1
fi
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  $py -m venv .venv
fi
stamp=".venv/.caseledger-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing the pinned Python dependencies into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
  echo "$want" > "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"

case "$job" in
  setup)
    say "set-up done; start the servers with: .venv/bin/caseledger stack up" ;;
  demo)
    say "starting the local stack"
    caseledger stack up
    say "running the demo"
    exec caseledger demo "$@" ;;
  test)
    say "running the test suite (the servers start and stop with it)"
    exec python -m pytest "$@" ;;
esac
