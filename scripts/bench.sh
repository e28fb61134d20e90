#!/usr/bin/env bash
# Builds the default preset and runs the benchmarks of tests/bench, each against its baseline in
# the same run. The machines are shared and noisy: quote the medians and ratios this prints, from
# one run, not single absolute times.
set -euo pipefail

usage() {
  cat <<'EOF_USAGE'
Usage: scripts/bench.sh [--no-build] [--help]

  dispatch     a no-op provider through the full dispatcher vs a direct virtual call
  mass stop    5,000 real processes stopped --immediate through local.process vs kill+waitpid
  escalation   2,000 TERM-ignoring processes, grace 1 s: SIGKILL punctuality, deaths, peak RSS
  rpc          Stop(wait) through a real stopd over its unix socket vs a bare gRPC echo, with the
               journal at sync=full and at sync=normal
  journal      what one journal write puts on disk: WAL pages per SQLite commit (sync=full) vs
               bytes per intent-log record (sync=normal)
  history      the scheduler's read of its runs on 1,000 batches of 1,000 items: whole batches
               (as before) vs runs by request_id prefix with their summary only
  memory       the daemon's resident memory with 10,000 jobs in flight (long graces)
  batch        a plan of 10,000 processes in 4 waves, --parallel 256, vs xargs -P 256 kill -9;
               the batch engine's own cost per item
  isolation    the same plugins in process and in a stopd-plugin-host (isolation: process): no-op
               latency and throughput at 64 in flight, 5,000 processes through local.process,
               restart after a crash, 100 crashes in a row
  huaweicloud  DLF stops against the emulator over pooled connections vs a new one per request,
               over HTTPS (the test certificates), then plain HTTP
  cri          50 containers on a private containerd, immediate: stopd vs a direct CRI
               StopContainer (needs root, containerd, runc and the CNI plugins)

Options:
  --no-build   use the existing build in build/default
  -h, --help
EOF_USAGE
}

build=true
while (($#)); do
  case "$1" in
    --no-build) build=false ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
  shift
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[[ "$build" == false ]] || scripts/build.sh default
bin="$root/build/default/bin"

printf '\n== dispatch overhead (Google Benchmark, 7 repetitions)\n'
"$bin/stopd_bench_dispatch" --benchmark_repetitions=7 --benchmark_report_aggregates_only=true
printf '\n== mass stop: 5,000 processes, immediate\n'
"$bin/stopd_bench_mass_stop" --processes 5000 --rounds 5
printf '\n== escalation: 2,000 TERM-ignoring processes, grace 1 s\n'
"$bin/stopd_bench_escalation" --processes 2000 --grace-ms 1000
printf '\n== for scale: the kernel alone killing 2,000 processes (kill+waitpid)\n'
"$bin/stopd_bench_mass_stop" --processes 2000 --rounds 5 | grep -E 'kill\+waitpid:'
printf '\n== daemon round trip: Stop(wait) vs a bare gRPC echo, journal sync=full, then sync=normal\n'
"$bin/stopd_bench_rpc" --sync full
"$bin/stopd_bench_rpc" --sync normal
printf '\n== journal: pages per commit vs bytes per intent record, on 100,000 jobs\n'
"$bin/stopd_bench_journal_pages" --jobs 100000
printf '\n== schedule history: the newest batches whole vs runs with their summary only\n'
"$bin/stopd_bench_schedule_history" --batches 1000 --items 1000
printf '\n== daemon memory: 10,000 jobs in flight\n'
"$bin/stopd_bench_daemon_memory" --jobs 10000
printf '\n== batch: 10,000 processes in 4 waves, --parallel 256, vs xargs -P 256 kill -9\n'
"$bin/stopd_bench_batch" --processes 10000 --rounds 3 --noop-items 100000
printf '\n== isolation: in process vs a stopd-plugin-host (no-op, 5,000 processes, crashes)\n'
"$bin/stopd_bench_isolation"
printf '\n== Huawei Cloud: pooled connections vs a new connection per request (emulator, HTTPS)\n'
"$bin/stopd_bench_hwcloud_stop" --tls
printf '\n== the same over plain HTTP (loopback: a new connection costs little)\n'
"$bin/stopd_bench_hwcloud_stop"
printf '\n== CRI: 50 containers, immediate, through stopd vs a direct StopContainer (root)\n'
"$bin/stopd_bench_cri_stop" --containers 50
