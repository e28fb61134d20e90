#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, starts the daemon `stopd` with its
# built-in local config (socket and journal in a temp dir) and stops real local processes through
# `stopctl`, the daemon's client, with the embedded default provider, local.process. Needs no cloud
# account and no container runtime.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/demo.sh [--no-install] [--no-build] [--help]

Installs the Debian packages the demo needs (scripts/install-deps.sh --demo), builds only what it
runs (scripts/build.sh --target stopd_demo demo: stopd, stopctl and the local.process plugin,
unoptimized, which compiles quickest, in build/demo; no tests: scripts/test.sh builds those),
starts `stopd --state-dir DIR` (the built-in config: a unix socket and the job journal in a temp
dir) and stops real processes through `stopctl`, printing each outcome. It prints how long it
took to the first stop and in all (apt, build, the demo itself), and checks at the end that no
process it started still runs:

  1. a process that exits on SIGTERM             -> stopped gracefully (--wait)
  2. a process that ignores SIGTERM (grace 2 s)  -> a job; 'jobs watch' follows it live until
                                                    SIGKILL ends it when the grace runs out
  3. a process group of three                    -> stopped as a whole, by pgid
  4. a dry run on a daemon known by its pidfile  -> says what it would do, changes nothing
  5. the same daemon for real, JSON output       -> stopped, by pidfile
  6. the first process again                     -> already_stopped (success, nothing sent)
  7. a batch plan in two waves                   -> dry run (the order, nothing sent), then the
                                                    batch: a web process, then every process
                                                    named demo-worker (a selector) and, once they
                                                    are gone, a queue by pidfile; a JSON report
  8. kill -9 of stopd while a 3 s stop runs      -> the restarted daemon resumes the job and
                                                    finishes it (nothing acknowledged is lost)
  9. the jobs the daemon recorded, then SIGTERM  -> it drains and exits 0

Options:
  --no-install  do not run scripts/install-deps.sh
  --no-build    use the existing build in build/demo
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

# "4 min 12 s", "12 s", or "not run" for a step the options left out.
duration() {
  if [[ "$1" == - ]]; then
    printf 'not run'
  elif (($1 >= 60)); then
    printf '%d min %d s' $(($1 / 60)) $(($1 % 60))
  else
    printf '%d s' "$1"
  fi
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# SECONDS counts from the demo's start.
apt_seconds=- build_seconds=-
if [[ "$install" == true ]]; then
  scripts/install-deps.sh --demo
  apt_seconds=$SECONDS
fi
if [[ "$build" == true ]]; then
  build_start=$SECONDS
  scripts/build.sh --target stopd_demo demo
  build_seconds=$((SECONDS - build_start))
fi
timings() { printf 'apt %s, build %s' "$(duration "$apt_seconds")" "$(duration "$build_seconds")"; }

bin="$root/build/demo/bin"
for file in "$bin/stopd" "$bin/stopctl" "$root/build/demo/lib/stopd/plugins/libstopd_process.so"; do
  [[ -f "$file" ]] || {
    printf 'demo: error: %s is missing; run without --no-build\n' "$file" >&2
    exit 1
  }
done

demo_start=$SECONDS
work="$(mktemp -d "${TMPDIR:-/tmp}/stopd-demo.XXXXXX")"
state="$work/state"
export STOPD_SOCKET="$state/stopd.sock" # where stopctl finds the daemon
started=()
daemon_pid=
cleanup() {
  # Whatever the demo did not stop (because something failed) does not outlive it.
  [[ -z "$daemon_pid" ]] || kill -KILL "$daemon_pid" 2>/dev/null || true
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

# Starts stopd in the background (log in $work/stopd.log) and waits until it answers.
start_daemon() {
  "$bin/stopd" --state-dir "$state" >>"$work/stopd.log" 2>&1 &
  daemon_pid=$!
  local tries
  for ((tries = 0; tries < 100; tries++)); do
    if "$bin/stopctl" --timeout 1 plugins list >/dev/null 2>&1; then return 0; fi
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  printf 'demo: error: stopd did not start; its log:\n' >&2
  cat "$work/stopd.log" >&2
  exit 1
}
# Submits a stop without waiting (stopctl stop ... -o json) and prints the job's id.
submit() { "$bin/stopctl" stop "$@" -o json | sed -n 's/.*"id":"\([^"]*\)".*/\1/p'; }

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
setsid bash -c 'trap "" TERM; exec sleep 600' &
survivor=$!
started+=("$polite" "$stubborn" "$group" "$daemon" "$survivor")
# The batch's processes: a web server, three workers the plan finds by name, a queue.
cp "$(command -v sleep)" "$work/demo-worker"
setsid sleep 600 &
web=$!
setsid sleep 600 &
queue=$!
echo "$queue" >"$work/queue.pid"
started+=("$web" "$queue")
for _ in 1 2 3; do
  setsid "$work/demo-worker" 600 &
  started+=("$!")
done
# Out of the shell's job table: bash would otherwise announce "Killed" for the forced ones.
disown -a
sleep 0.3 # let the shells install their traps and fork their children

printf 'Started: polite=%s stubborn=%s group=%s (3 processes) daemon=%s (pidfile %s) survivor=%s\n' \
  "$polite" "$stubborn" "$group" "$daemon" "$work/daemon.pid" "$survivor"

step "Start the daemon with its built-in config" "$bin/stopd" --state-dir "$state" '&'
start_daemon
printf 'stopd is serving on %s (pid %s); its journal is %s\n' "$STOPD_SOCKET" "$daemon_pid" \
  "$state/journal.db"

run "The plugins the daemon loaded" "$bin/stopctl" plugins list
run "1. A process that exits on SIGTERM" \
  "$bin/stopctl" stop local.process "pid=$polite" --grace 5 --wait
printf '\n-- first stop %s after the start (%s)\n' "$(duration "$SECONDS")" "$(timings)"

step "2. A process that ignores SIGTERM, 2 s grace: submit it as a job" \
  "$bin/stopctl" stop local.process "pid=$stubborn" --grace 2
job="$(submit local.process "pid=$stubborn" --grace 2)"
printf 'accepted: job %s\n' "$job"
run "   ...and follow it live" "$bin/stopctl" jobs watch "$job"

run "3. A whole process group" "$bin/stopctl" stop local.process "pgid=$group" --grace 5 --wait
run "4. A dry run: nothing is signalled" \
  "$bin/stopctl" stop local.process "pidfile=$work/daemon.pid" --dry-run
run "5. The daemon by its pidfile, JSON for scripts" \
  "$bin/stopctl" stop local.process "pidfile=$work/daemon.pid" --wait -o json
run "6. The first process again" "$bin/stopctl" stop local.process "pid=$polite" --wait

cat >"$work/plan.yaml" <<EOF
version: 1
waves: [frontends, workers]
defaults: {mode: graceful, grace: 5}
steps:
  - name: web
    wave: frontends
    type: local.process
    target: {pid: $web}
  - name: workers                 # every process named demo-worker, one item each
    wave: workers
    type: local.process
    selector: {comm: demo-worker}
  - name: queue
    wave: workers
    type: local.process
    needs: [workers]              # only once every worker is gone
    target: {pidfile: $work/queue.pid}
EOF
step "7. A batch plan: two waves, a selector, a dependency" cat "$work/plan.yaml"
cat "$work/plan.yaml"
run "   Its dry run: the order and what each item would do; nothing is signalled" \
  "$bin/stopctl" batch "$work/plan.yaml" --dry-run
run "   The batch itself, with a JSON-lines report" \
  "$bin/stopctl" batch "$work/plan.yaml" --report "$work/report.jsonl"
run "   The report's last line: the summary" tail -n 1 "$work/report.jsonl"

step "8. Crash safety: a stop with a 3 s grace is accepted, then stopd gets SIGKILL" \
  "$bin/stopctl" stop local.process "pid=$survivor" --grace 3
job="$(submit local.process "pid=$survivor" --grace 3)"
printf 'accepted: job %s\n' "$job"
kill -KILL "$daemon_pid"
wait "$daemon_pid" 2>/dev/null || true
printf 'stopd is gone (SIGKILL); process %s still runs: %s\n' "$survivor" \
  "$(kill -0 "$survivor" 2>/dev/null && echo yes || echo no)"
step "   Restart stopd: it resumes the unfinished job from its journal" \
  "$bin/stopd" --state-dir "$state" '&'
start_daemon
run "   The resumed job runs to its end" "$bin/stopctl" jobs watch "$job"
run "   Its record says it was resumed" "$bin/stopctl" jobs show "$job"

run "9. Every job the daemon recorded" "$bin/stopctl" jobs list
step "   SIGTERM: stopd drains and exits" kill -TERM "$daemon_pid"
kill -TERM "$daemon_pid"
status=0
wait "$daemon_pid" || status=$?
daemon_pid=
printf 'stopd exited with status %d; the end of its log:\n' "$status"
tail -n 3 "$work/stopd.log"

# Checked, not just said: no process of the groups the demo started (each its own, by setsid)
# still runs. A zombie has exited; it waits only for this shell to reap it.
declare -A ours=()
for pid in "${started[@]}"; do ours[$pid]=1; done
left=()
for stat in /proc/[0-9]*/stat; do
  fields="$(sed 's/^.*) //' "$stat" 2>/dev/null)" || continue
  read -r state _ pgid _ <<<"$fields"
  [[ -n "${ours[$pgid]:-}" && "$state" != Z ]] || continue
  pid="${stat#/proc/}"
  left+=("${pid%/stat}")
done
if ((${#left[@]})); then
  printf '\ndemo: error: processes the demo started still run: %s\n' "${left[*]}" >&2
  exit 1
fi
printf '\nEvery process the demo started is gone. README.md explains the daemon, its API and plugins.\n'
printf 'The demo took %s in all (%s, the demo itself %s).\n' "$(duration "$SECONDS")" \
  "$(timings)" "$(duration $((SECONDS - demo_start)))"
