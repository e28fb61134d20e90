#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and shows stopd stopping real
# local processes through `stopctl --local` with the embedded default provider, local.process.
# Needs no cloud account and no container runtime.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/demo.sh [--no-install] [--no-build] [--help]

Installs the Debian packages stopd needs (scripts/install-deps.sh), builds the default preset
(scripts/build.sh), then starts a few real processes and stops every one of them through
`stopctl --local`, printing each outcome:

  1. a process that exits on SIGTERM             -> stopped gracefully
  2. a process that ignores SIGTERM (grace 2 s)  -> forced with SIGKILL when the grace runs out
  3. a process group of three                    -> stopped as a whole, by pgid
  4. a dry run on a daemon known by its pidfile  -> says what it would do, changes nothing
  5. the same daemon for real, JSON output       -> stopped, by pidfile
  6. the first process again                     -> already_stopped (success, nothing sent)

Options:
  --no-install  do not run scripts/install-deps.sh
  --no-build    use the existing build in build/default
  -h, --help
EOF
}

install=true
build=true
while (($#)); do
  case "$1" in
    --no-install) install=false ;;
    --no-build) build=false ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      printf 'demo: error: unknown argument: %s\n' "$1" >&2
      exit 2
      ;;
  esac
  shift
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[[ "$install" == false ]] || scripts/install-deps.sh
[[ "$build" == false ]] || scripts/build.sh default

stopctl="$root/build/default/bin/stopctl"
[[ -x "$stopctl" ]] || {
  printf 'demo: error: %s is missing; run without --no-build\n' "$stopctl" >&2
  exit 1
}

work="$(mktemp -d "${TMPDIR:-/tmp}/stopd-demo.XXXXXX")"
started=()
cleanup() {
  # Whatever the demo did not stop (because something failed) does not outlive it.
  for pid in "${started[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; }
run() {
  step "$@"
  # A failed stop is part of what the demo shows; keep going and report its exit code.
  "${@:2}" || printf '(exit code %d)\n' "$?"
}
# Reaps a stopped child quietly: bash would otherwise announce "Killed" for the forced one.
reap() { { wait "$1"; } 2>/dev/null || true; }

# Started with setsid so each is its own process group: the group demo cannot reach the shell.
setsid sleep 600 &
polite=$!
setsid bash -c 'trap "" TERM; exec sleep 600' &
stubborn=$!
setsid bash -c 'sleep 600 & sleep 600 & wait' &
group=$!
setsid sleep 600 &
daemon=$!
echo "$daemon" >"$work/daemon.pid"
started+=("$polite" "$stubborn" "$group" "$daemon")
sleep 0.3 # let the shells install their traps and fork their children

printf 'Started: polite=%s stubborn=%s group=%s (3 processes) daemon=%s (pidfile %s)\n' \
  "$polite" "$stubborn" "$group" "$daemon" "$work/daemon.pid"

run "The plugins this host loaded" "$stopctl" --local plugins list
run "1. A process that exits on SIGTERM" "$stopctl" --local stop local.process "pid=$polite" --grace 5
reap "$polite"
run "2. A process that ignores SIGTERM, 2 s grace" "$stopctl" --local stop local.process "pid=$stubborn" --grace 2
reap "$stubborn"
run "3. A whole process group" "$stopctl" --local stop local.process "pgid=$group" --grace 5
run "4. A dry run: nothing is signalled" "$stopctl" --local stop local.process "pidfile=$work/daemon.pid" --dry-run
run "5. The daemon by its pidfile, JSON for scripts" "$stopctl" --local stop local.process "pidfile=$work/daemon.pid" -o json
run "6. The first process again" "$stopctl" --local stop local.process "pid=$polite"

reap "$group"
reap "$daemon"
printf '\nEvery process the demo started is gone. See README.md for the CLI, the daemon and plugins.\n'
