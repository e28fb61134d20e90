#!/usr/bin/env bash
# Configures and builds stopd with one of the CMake presets of CMakePresets.json.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/build.sh [--build-dir DIR] [--target TARGET]... [PRESET]

Configures and builds stopd with a CMake preset (default: default): every target, or only the
given ones.
Presets: default (RelWithDebInfo), ci (warnings are errors, -O2, no debug info), demo (-O0, no
debug info, no tests, benchmarks or -Werror: the quickest to compile; scripts/demo.sh builds its
target stopd_demo), asan (Debug + ASan/UBSan, line tables only), fuzz (clang-16 + libFuzzer; see
scripts/fuzz.sh).

Options:
  --build-dir DIR  build in DIR instead of the preset's build/<preset>
  --target TARGET  build only TARGET (and what it needs); repeatable. stopd_demo: what
                   scripts/demo.sh runs (stopd, stopctl, the local.process plugin)
  -h, --help

Environment:
  STOPD_JOBS       parallel build jobs (default: nproc)
  CCACHE_DISABLE=1 compile without ccache (used when installed; cmake/StopdCcache.cmake)

Missing tools or libraries? Run scripts/install-deps.sh first.
EOF
}

die() {
  printf 'build: error: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  usage >&2
  printf 'build: error: %s\n' "$*" >&2
  exit 2
}

preset=default
build_dir=
preset_given=false
targets=()
while (($#)); do
  case "$1" in
    --build-dir)
      (($# >= 2)) || usage_error "--build-dir needs a directory"
      build_dir="$2"
      shift
      ;;
    --build-dir=*) build_dir="${1#*=}" ;;
    --target)
      (($# >= 2)) || usage_error "--target needs a target"
      targets+=("$2")
      shift
      ;;
    --target=*) targets+=("${1#*=}") ;;
    -h | --help)
      usage
      exit 0
      ;;
    -*) usage_error "unknown option: $1" ;;
    *)
      [[ "$preset_given" == false ]] || usage_error "only one preset, got '$preset' and '$1'"
      preset="$1"
      preset_given=true
      ;;
  esac
  shift
done

command -v cmake >/dev/null 2>&1 || die "cmake not found: run scripts/install-deps.sh"
command -v ninja >/dev/null 2>&1 || die "ninja not found: run scripts/install-deps.sh"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

what="every target"
target_args=()
if ((${#targets[@]})); then
  what="${targets[*]}"
  target_args=(--target "${targets[@]}")
fi

jobs="${STOPD_JOBS:-$(nproc)}"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "STOPD_JOBS must be a positive integer, got '$jobs'"

if [[ -n "$build_dir" ]]; then
  printf 'build: configuring preset %s in %s\n' "$preset" "$build_dir"
  cmake --preset "$preset" -B "$build_dir"
  printf 'build: building %s in %s with %s jobs\n' "$what" "$build_dir" "$jobs"
  cmake --build "$build_dir" --parallel "$jobs" "${target_args[@]}"
else
  printf 'build: configuring preset %s\n' "$preset"
  cmake --preset "$preset"
  printf 'build: building %s of preset %s with %s jobs\n' "$what" "$preset" "$jobs"
  cmake --build --preset "$preset" --parallel "$jobs" "${target_args[@]}"
fi
