#!/usr/bin/env bash
# The project's one test command (README, CI): installs what is missing, checks formatting and
# shell scripts, builds and runs the whole ctest suite with preset `ci` (warnings are errors) and
# `asan` (AddressSanitizer + UndefinedBehaviorSanitizer), installs and runs the `ci` build's Debian
# packages (scripts/install-test.sh), then runs every libFuzzer target briefly (preset `fuzz`).
# The suite includes the out-of-tree example plugin built against the installed SDK (ctest:
# e2e.example_plugin) and replays every fuzz target's seed corpus and regressions (ctest: fuzz.*).
# Exits non-zero if anything failed.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/test.sh [--quick] [--build-root DIR] [--help]

Runs everything CI runs, in this order (cheap checks first), then prints a summary:
  deps        scripts/install-deps.sh (installs only what is missing)
  format      clang-format --dry-run --Werror over every *.cpp/*.hpp/*.cc/*.h
              (git-tracked plus untracked, not ignored, files; all files outside git)
  shellcheck  every *.sh and .ci/run
  ci          configure + build preset ci, then ctest --preset ci (unit, integration and
              end-to-end tests, including the out-of-tree example plugin built against the
              SDK installed from this build)
  install     scripts/install-test.sh on the ci build: its Debian packages installed with
              dpkg (as root; through sudo otherwise), the systemd unit checked, a real process
              stopped by the installed stopd and stopctl, the example plugin built against the
              installed SDK, then everything purged
  asan        configure + build preset asan, then ctest --preset asan
  fuzz        build preset fuzz (clang-16, libFuzzer, ASan + UBSan), then scripts/fuzz.sh runs
              each fuzz target for STOPD_FUZZ_SECONDS, two at a time; any finding fails it

The asan build runs beside the ci tests, and the fuzz build beside the asan tests, at the lowest
CPU and I/O priority (nice 19, ionice idle): most tests wait on processes, sockets and containerd,
and the compiler takes only the CPU they leave idle. A build's output is shown when it ends.

A stage that cannot run because an earlier one failed is reported as failed, never skipped.

Options:
  --quick          developers: leave out the asan and fuzz stages (refused when CI=true)
                   (the install stage still runs: it takes about a minute)
  --build-root DIR build in DIR/<preset> instead of the presets' build/<preset>
  -h, --help

Environment:
  CI=true             nothing may be left out; no input is read
  STOPD_JOBS          parallel build jobs (default: nproc)
  STOPD_TEST_JOBS     parallel ctest jobs (default: 2)
  STOPD_TEST_TIMEOUT  seconds per test that sets no TIMEOUT property itself (default: 300)
  STOPD_FUZZ_SECONDS  seconds each fuzz target runs in the fuzz stage (default: 30)
EOF
}

usage_error() {
  usage >&2
  printf 'test: error: %s\n' "$*" >&2
  exit 2
}

quick=false
build_root=
while (($#)); do
  case "$1" in
    --quick) quick=true ;;
    --build-root)
      (($# >= 2)) || usage_error "--build-root needs a directory"
      build_root="$2"
      shift
      ;;
    --build-root=*) build_root="${1#*=}" ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) usage_error "unknown argument: $1" ;;
  esac
  shift
done

ci=false
if [[ "${CI:-}" == true ]]; then
  ci=true
  [[ "$quick" == false ]] ||
    usage_error "--quick leaves out the asan and fuzz stages, which CI=true forbids"
  exec </dev/null # nothing may wait for input
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts="$root/scripts"

test_jobs="${STOPD_TEST_JOBS:-2}"
test_timeout="${STOPD_TEST_TIMEOUT:-300}"
fuzz_seconds="${STOPD_FUZZ_SECONDS:-30}"
[[ "$test_jobs" =~ ^[1-9][0-9]*$ ]] || usage_error "STOPD_TEST_JOBS must be a positive integer"
[[ "$test_timeout" =~ ^[1-9][0-9]*$ ]] || usage_error "STOPD_TEST_TIMEOUT must be a positive integer"
[[ "$fuzz_seconds" =~ ^[1-9][0-9]*$ ]] || usage_error "STOPD_FUZZ_SECONDS must be a positive integer"

if [[ -n "$build_root" ]]; then
  build_root="$(realpath -m -- "$build_root")"
fi
# The build directory of a preset: the preset's own (build/<preset>) unless --build-root is given.
build_dir_of() {
  if [[ -n "$build_root" ]]; then
    printf '%s/%s\n' "$build_root" "$1"
  else
    printf '%s/build/%s\n' "$root" "$1"
  fi
}

tmp="$(mktemp -d "${TMPDIR:-/tmp}/stopd-test.XXXXXX")"
declare -A background_pid=() background_start=() background_description=()
cleanup() {
  local pid
  for pid in "${background_pid[@]}"; do
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Bookkeeping: one row per stage, and the totals of the closing line.

summary=()
failed_stages=0
total_passed=0
total_failed=0
declare -A stage_ok=()

banner() { printf '\n==> [%s] %s\n' "$1" "$2"; }

# record NAME STATUS SECONDS DETAIL [PASSED FAILED]
# PASSED/FAILED: test counts the stage contributes to the totals (default: the stage counts as
# one check that passed or failed).
record() {
  local name="$1" status="$2" seconds="$3" detail="$4"
  local passed="${5:-}" failed="${6:-}"
  if [[ -z "$passed" ]]; then
    if [[ "$status" == PASS ]]; then passed=1 failed=0; else passed=0 failed=1; fi
  fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  if [[ "$status" == PASS ]]; then
    stage_ok[$name]=1
  else
    failed_stages=$((failed_stages + 1))
  fi
  summary+=("$(printf '%-4s  %-12s %6ss  %s' "$status" "$name" "$seconds" "$detail")")
}

# run_stage NAME DESCRIPTION FUNCTION [ARGS…]: runs FUNCTION in a subshell with errexit in force
# (a failing command ends the stage, not the whole run) and records the result.
run_stage() {
  local name="$1" description="$2"
  shift 2
  banner "$name" "$description"
  local start=$SECONDS status
  set +e
  (
    set -euo pipefail
    "$@"
  )
  status=$?
  set -e
  local seconds=$((SECONDS - start))
  if ((status == 0)); then
    record "$name" PASS "$seconds" "$description"
  else
    record "$name" FAIL "$seconds" "$description (exit $status)"
  fi
  return 0
}

# start_background_stage NAME DESCRIPTION FUNCTION [ARGS…]: like run_stage, but FUNCTION runs
# in the background at the lowest CPU and I/O priority, its output kept until
# finish_background_stage NAME shows it and records the result. Its own process group, so that
# an interrupted run can end it with everything it started.
start_background_stage() {
  local name="$1" description="$2"
  shift 2
  banner "$name" "$description: started in the background (nice 19), beside what follows"
  set -m
  (
    renice -n 19 -p "$BASHPID" >/dev/null
    ionice -c 3 -p "$BASHPID" 2>/dev/null || true # not every kernel offers the idle class
    set -euo pipefail
    "$@"
  ) >"$tmp/background-$name.log" 2>&1 &
  background_pid[$name]=$!
  set +m
  background_start[$name]=$SECONDS
  background_description[$name]="$description"
}

finish_background_stage() {
  local name="$1" status=0
  wait "${background_pid[$name]}" || status=$?
  unset "background_pid[$name]"
  local seconds=$((SECONDS - background_start[$name])) description="${background_description[$name]}"
  banner "$name" "$description: ended after ${seconds}s (exit $status); its output:"
  cat "$tmp/background-$name.log"
  if ((status == 0)); then
    record "$name" PASS "$seconds" "$description (in the background)"
  else
    record "$name" FAIL "$seconds" "$description (in the background, exit $status)"
  fi
}

# not_run NAME REASON: a stage that could not run still counts as a failure.
not_run() {
  banner "$1" "NOT RUN: $2"
  record "$1" FAIL 0 "not run: $2"
}

print_summary() {
  printf '\n============================== stopd test summary ==============================\n'
  local row
  for row in "${summary[@]}"; do
    printf '%s\n' "$row"
  done
  printf -- '--------------------------------------------------------------------------------\n'
  if ((failed_stages == 0)); then
    printf 'RESULT: all %d stages passed\n' "${#summary[@]}"
  else
    printf 'RESULT: %d of %d stages FAILED\n' "$failed_stages" "${#summary[@]}"
  fi
  printf '(totals: every ctest test of every preset, plus each other stage as one check)\n'
  printf 'total: %d passed, %d failed\n' "$total_passed" "$total_failed"
  printf 'wall time: %ds (stages that ran in the background overlap the ones beside them)\n' \
    "$SECONDS"
}

# ---------------------------------------------------------------------------------------------
# Stages.

stage_deps() {
  "$scripts/install-deps.sh"
}

# Files to check, NUL-separated: tracked and untracked-but-not-ignored files in a git checkout
# (so a new file is checked before it is committed), every file below the root otherwise.
list_files() {
  if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    local file
    while IFS= read -r -d '' file; do
      [[ -f "$file" ]] || continue # a tracked file deleted in the work tree
      [[ "$file" != */CMakeFiles/* ]] || continue # in a build tree that .gitignore misses
      printf '%s\0' "$file"
    done < <(git -C "$root" ls-files -z --cached --others --exclude-standard -- "$@" | sort -zu)
  else
    local patterns=() pattern
    for pattern in "$@"; do
      if [[ "$pattern" == */* ]]; then
        patterns+=(-o -path "./$pattern")
      else
        patterns+=(-o -name "$pattern")
      fi
    done
    find . \( -path ./build -o -path ./.git -o -name CMakeFiles \) -prune -o \
      -type f \( -false "${patterns[@]}" \) -print0 | sort -z
  fi
}

stage_format() {
  local files=()
  mapfile -d '' files < <(list_files '*.cpp' '*.hpp' '*.cc' '*.h')
  ((${#files[@]} > 0)) || {
    echo "no C++ files found: nothing to check is an error" >&2
    return 1
  }
  echo "clang-format $(clang-format --version | sed 's/.*version //') on ${#files[@]} files"
  # Many files per clang-format (starting one per file costs 30 s); each violation it reports
  # begins with the file's name.
  local file unformatted=()
  mapfile -t unformatted < <(printf '%s\0' "${files[@]}" |
    xargs -0 -n 64 -P "$(nproc)" clang-format --dry-run --Werror 2>&1 >/dev/null |
    sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | sort -u)
  if ((${#unformatted[@]} == 0)); then
    echo "all ${#files[@]} files are formatted"
    return 0
  fi
  # What would change, as diffs (the first 300 lines), then the list and the fix.
  for file in "${unformatted[@]}"; do
    clang-format "$file" | diff -u --label "$file" --label "$file (clang-format)" "$file" - || true
  done | head -n 300
  printf '%d of %d files are not clang-formatted:\n' "${#unformatted[@]}" "${#files[@]}"
  printf '  %s\n' "${unformatted[@]}"
  echo "fix with: clang-format -i FILE…"
  return 1
}

stage_shellcheck() {
  local files=()
  mapfile -d '' files < <(list_files '*.sh' '*.bash' '.ci/run')
  ((${#files[@]} > 0)) || {
    echo "no shell scripts found: nothing to check is an error" >&2
    return 1
  }
  echo "shellcheck $(shellcheck --version | sed -n 's/^version: //p') on ${#files[@]} files"
  shellcheck --external-sources --source-path=SCRIPTDIR "${files[@]}"
  echo "all ${#files[@]} scripts are clean"
}

build_preset() {
  local preset="$1"
  if [[ -n "$build_root" ]]; then
    "$scripts/build.sh" --build-dir "$(build_dir_of "$preset")" "$preset"
  else
    "$scripts/build.sh" "$preset"
  fi
}

# test_preset PRESET: runs ctest and records the stage with ctest's own counts.
test_preset() {
  local preset="$1" name="$1 tests"
  banner "$name" "ctest --preset $preset"
  local dir log="$tmp/ctest-$preset.log" start=$SECONDS status
  dir="$(build_dir_of "$preset")"
  local args=(--preset "$preset" --output-on-failure -j"$test_jobs" --no-tests=error
    --timeout "$test_timeout")
  [[ -z "$build_root" ]] || args+=(--test-dir "$dir")
  set +e
  ctest "${args[@]}" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  set -e
  local seconds=$((SECONDS - start)) line failed total
  line="$(grep -Eo '[0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)"
  if [[ "$line" =~ ^([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+)$ ]]; then
    failed="${BASH_REMATCH[1]}"
    total="${BASH_REMATCH[2]}"
    if ((status != 0 && failed == 0)); then failed=1; fi # ctest failed for another reason
    local status_word=PASS
    ((status == 0)) || status_word=FAIL
    record "$name" "$status_word" "$seconds" \
      "$((total - failed)) passed, $failed failed (exit $status)" "$((total - failed))" "$failed"
  else
    record "$name" FAIL "$seconds" "ctest ran no tests or crashed (exit $status), see above"
  fi
}

# The install test needs root for dpkg: through sudo when not root (non-interactive under CI,
# where a password prompt would hang; it then fails and says why, it never skips).
stage_install() {
  local command=("$scripts/install-test.sh" --build-dir "$(build_dir_of ci)")
  if ((EUID == 0)); then
    "${command[@]}"
  elif [[ "$ci" == true ]]; then
    sudo -n "${command[@]}"
  else
    sudo "${command[@]}"
  fi
}

# Runs every fuzz target of the fuzz build two at a time (the machine's two cores). The work
# directory is kept in the build directory: a finding's input stays there after the run, and the
# corpus a run grows is where the next run starts.
stage_fuzz() {
  "$scripts/fuzz.sh" --no-build --seconds "$fuzz_seconds" --jobs 2 \
    --build-dir "$(build_dir_of fuzz)" --work-dir "$(build_dir_of fuzz)/runs"
}

# ---------------------------------------------------------------------------------------------

printf 'stopd tests: %s%s, build dirs %s\n' \
  "$([[ "$ci" == true ]] && echo "CI" || echo "local")" \
  "$([[ "$quick" == true ]] && echo ", --quick (no asan, no fuzz)" || echo "")" \
  "$(build_dir_of '<preset>')"

run_stage deps "install missing Debian packages" stage_deps
if [[ -z "${stage_ok[deps]:-}" ]]; then
  print_summary
  exit 1
fi

run_stage format "clang-format --dry-run --Werror" stage_format
run_stage shellcheck "shellcheck" stage_shellcheck

asan_build=("configure + build preset asan (ASan + UBSan)" build_preset asan)
fuzz_build=("configure + build preset fuzz (clang-16, libFuzzer)" build_preset fuzz)

run_stage "ci build" "configure + build preset ci (warnings are errors)" build_preset ci
if [[ -n "${stage_ok[ci build]:-}" ]]; then
  [[ "$quick" == true ]] || start_background_stage "asan build" "${asan_build[@]}"
  test_preset ci
  run_stage install "Debian packages: install, run, stop a process, purge" stage_install
else
  not_run "ci tests" "the ci build failed"
  not_run install "the ci build failed"
  [[ "$quick" == true ]] || run_stage "asan build" "${asan_build[@]}"
fi

if [[ "$quick" == false ]]; then
  [[ -z "${background_pid[asan build]:-}" ]] || finish_background_stage "asan build"
  if [[ -n "${stage_ok[asan build]:-}" ]]; then
    start_background_stage "fuzz build" "${fuzz_build[@]}"
    test_preset asan
    finish_background_stage "fuzz build"
  else
    not_run "asan tests" "the asan build failed"
    run_stage "fuzz build" "${fuzz_build[@]}"
  fi
  if [[ -n "${stage_ok[fuzz build]:-}" ]]; then
    run_stage fuzz "each libFuzzer target ${fuzz_seconds} s, two at a time" stage_fuzz
  else
    not_run fuzz "the fuzz build failed"
  fi
fi

print_summary
((failed_stages == 0))
