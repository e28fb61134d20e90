#!/usr/bin/env bash
# Builds the libFuzzer targets (preset fuzz: clang-16, ASan + UBSan) and runs each for a fixed
# time, starting from its seed corpus (tests/fuzz/corpus/<target>) and its regressions
# (tests/fuzz/regressions/<target>). New corpus entries go to a scratch directory, not the tree,
# unless --update-corpus. Exits non-zero if any target found anything, after printing what and
# where the input is. scripts/test.sh runs it with a short time in CI.
set -euo pipefail

readonly ALL_TARGETS=(plan target_arguments config json_schema intent_record service_error
  proto_convert cron plugin_frames)

usage() {
  cat <<EOF
Usage: scripts/fuzz.sh [TARGET...] [--seconds N] [--jobs N] [options] [-- LIBFUZZER_FLAG...]

Runs each TARGET (default: all) for N seconds under libFuzzer. Targets:
  ${ALL_TARGETS[*]}

Options:
  --seconds N        seconds per target (default 300)
  --jobs N           libFuzzer processes at once (default 1): several targets run side by side;
                     a single target runs N workers (-fork=N)
  --work-dir DIR     keep the new corpus entries, crashes and logs in DIR/<target>/ (default: a
                     temporary directory, removed when nothing was found)
  --update-corpus    afterwards, merge the inputs that add coverage into tests/fuzz/corpus/
  --build-dir DIR    build in DIR instead of build/fuzz
  --no-build         use the existing build
  -h, --help

Flags after -- go to every libFuzzer run and win over the script's own (-max_len=4096,
-timeout=25, -rss_limit_mb=2048), e.g. -- -max_len=100000 -use_value_profile=1.

A finding (crash, assertion, sanitizer report, leak, timeout over 25 s, more than 2 GiB) fails the
run: the input is printed and kept in the work directory, with the command to reproduce and to
minimize it. Save a minimized input under tests/fuzz/regressions/<target>/ so that ctest replays it.

Environment:
  STOPD_JOBS  parallel build jobs (default: nproc)
EOF
}

usage_error() {
  usage >&2
  printf 'fuzz: error: %s\n' "$*" >&2
  exit 2
}
die() {
  printf 'fuzz: error: %s\n' "$*" >&2
  exit 1
}

seconds=300
jobs=1
work_dir=
update_corpus=false
build_dir=
build=true
targets=()
extra_flags=()
while (($#)); do
  case "$1" in
    --seconds)
      (($# >= 2)) || usage_error "--seconds needs a number"
      seconds="$2"
      shift
      ;;
    --jobs)
      (($# >= 2)) || usage_error "--jobs needs a number"
      jobs="$2"
      shift
      ;;
    --work-dir)
      (($# >= 2)) || usage_error "--work-dir needs a directory"
      work_dir="$2"
      shift
      ;;
    --build-dir)
      (($# >= 2)) || usage_error "--build-dir needs a directory"
      build_dir="$2"
      shift
      ;;
    --update-corpus) update_corpus=true ;;
    --no-build) build=false ;;
    -h | --help)
      usage
      exit 0
      ;;
    --)
      shift
      extra_flags=("$@")
      break
      ;;
    -*) usage_error "unknown option: $1" ;;
    *)
      [[ " ${ALL_TARGETS[*]} " == *" $1 "* ]] || usage_error "unknown target: $1"
      targets+=("$1")
      ;;
  esac
  shift
done
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || usage_error "--seconds must be a positive integer"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || usage_error "--jobs must be a positive integer"
((${#targets[@]})) || targets=("${ALL_TARGETS[@]}")

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
fuzz_dir="$root/tests/fuzz"
build_dir="$(realpath -m -- "${build_dir:-$root/build/fuzz}")"

if [[ "$build" == true ]]; then
  command -v clang++-16 >/dev/null 2>&1 || die "clang++-16 not found: run scripts/install-deps.sh"
  "$root/scripts/build.sh" --build-dir "$build_dir" fuzz
fi
for target in "${targets[@]}"; do
  [[ -x "$build_dir/bin/fuzz_$target" ]] || die "$build_dir/bin/fuzz_$target is not built"
done

keep_work=true
if [[ -z "$work_dir" ]]; then
  work_dir="$(mktemp -d "${TMPDIR:-/tmp}/stopd-fuzz.XXXXXX")"
  keep_work=false
fi
work_dir="$(realpath -m -- "$work_dir")"
mkdir -p "$work_dir"

# Symbolized stacks need llvm-symbolizer; clang-16's own if there is one.
for candidate in llvm-symbolizer-16 /usr/lib/llvm-16/bin/llvm-symbolizer llvm-symbolizer; do
  if command -v "$candidate" >/dev/null 2>&1; then
    ASAN_SYMBOLIZER_PATH="$(command -v "$candidate")"
    export ASAN_SYMBOLIZER_PATH
    break
  fi
done
[[ -n "${ASAN_SYMBOLIZER_PATH:-}" ]] ||
  printf 'fuzz: warning: no llvm-symbolizer: stacks will show addresses only\n' >&2
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# run_target TARGET: fuzzes it into $work_dir/TARGET/; the exit status is libFuzzer's.
run_target() {
  local target="$1" dir="$work_dir/$1"
  rm -rf "$dir/artifacts" "$dir/tmp" # a kept work directory's corpus carries over, findings do not
  mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/tmp"
  local inputs=("$dir/corpus" "$fuzz_dir/corpus/$target")
  [[ ! -d "$fuzz_dir/regressions/$target" ]] || inputs+=("$fuzz_dir/regressions/$target")
  # -max_len: libFuzzer's default is the largest seed, and a regression may be large on purpose.
  local flags=(-max_total_time="$seconds" -max_len=4096 -timeout=25 -rss_limit_mb=2048
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/")
  [[ ! -f "$fuzz_dir/dict/$target.dict" ]] || flags+=(-dict="$fuzz_dir/dict/$target.dict")
  ((jobs == 1 || ${#targets[@]} > 1)) || flags+=(-fork="$jobs")
  # The first corpus directory is where libFuzzer writes; the tree's are only read. The targets'
  # own scratch files go to $dir/tmp.
  TMPDIR="$dir/tmp" "$build_dir/bin/fuzz_$target" "${flags[@]}" "${extra_flags[@]}" \
    "${inputs[@]}" >"$dir/log" 2>&1
}

# report TARGET STATUS: one summary row, and for a finding the input and how to reproduce it.
report() {
  local target="$1" status="$2" dir="$work_dir/$1" log="$work_dir/$1/log"
  local runs cov corpus
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  # -fork prints no final stats; its status lines start with the runs so far ("#1234: cov: …").
  [[ -n "$runs" ]] || runs="$(sed -n 's/^#\([0-9]*\): cov: .*/\1/p' "$log" | tail -n 1)"
  cov="$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 || true)"
  corpus="$(find "$dir/corpus" -type f | wc -l)"
  local artifacts=()
  mapfile -t artifacts < <(find "$dir/artifacts" -type f | sort)
  if ((status == 0 && ${#artifacts[@]} == 0)); then
    rows+=("$(printf 'PASS  %-17s %5ss  %12s runs  %-20s  work corpus %s' "$target" "$seconds" \
      "${runs:-?}" "${cov:-cov: ?}" "$corpus")")
    return 0
  fi
  rows+=("$(printf 'FAIL  %-17s %5ss  %12s runs  %-20s  exit %s' "$target" "$seconds" \
    "${runs:-?}" "${cov:-cov: ?}" "$status")")
  printf '\n==> [%s] FINDING (exit %s); the end of its log (%s):\n' "$target" "$status" "$log"
  tail -n 60 "$log"
  local artifact
  for artifact in "${artifacts[@]}"; do
    printf '\n--- input %s (%s bytes), hex:\n' "$artifact" "$(stat -c %s "$artifact")"
    od -A d -t x1z -v "$artifact" | head -n 64
    printf -- '--- reproduce: %s %s\n' "$build_dir/bin/fuzz_$target" "$artifact"
    printf -- '--- minimize:  %s -minimize_crash=1 -runs=100000 %s\n' \
      "$build_dir/bin/fuzz_$target" "$artifact"
  done
  return 1
}

printf 'fuzz: %s for %s s each, %s at once; work directory %s\n' "${targets[*]}" "$seconds" \
  "$jobs" "$work_dir"
declare -A pid_of=()
declare -A status_of=()
running=0
for target in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
  printf 'fuzz: %s started\n' "$target"
  run_target "$target" &
  pid_of[$target]=$!
  running=$((running + 1))
done
for target in "${targets[@]}"; do
  status=0
  wait "${pid_of[$target]}" || status=$?
  status_of[$target]=$status
done

rows=()
failed=0
for target in "${targets[@]}"; do
  report "$target" "${status_of[$target]}" || failed=$((failed + 1))
done

if [[ "$update_corpus" == true && "$failed" == 0 ]]; then
  for target in "${targets[@]}"; do
    before="$(find "$fuzz_dir/corpus/$target" -type f | wc -l)"
    "$build_dir/bin/fuzz_$target" -merge=1 "$fuzz_dir/corpus/$target" "$work_dir/$target/corpus" \
      >"$work_dir/$target/merge.log" 2>&1 || die "merging into tests/fuzz/corpus/$target failed"
    after="$(find "$fuzz_dir/corpus/$target" -type f | wc -l)"
    printf 'fuzz: %s: %d inputs added to tests/fuzz/corpus/%s\n' "$target" \
      $((after - before)) "$target"
  done
fi

printf '\n================================ stopd fuzz summary ================================\n'
printf '%s\n' "${rows[@]}"
if ((failed == 0)); then
  [[ "$keep_work" == true ]] || rm -rf "$work_dir"
  printf 'RESULT: no findings in %d targets\n' "${#targets[@]}"
  exit 0
fi
printf 'RESULT: %d of %d targets found something; inputs and logs are in %s\n' "$failed" \
  "${#targets[@]}" "$work_dir"
exit 1
