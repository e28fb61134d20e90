#!/usr/bin/env bash
# Builds examples/out-of-tree-plugin the way a third-party author would: against the stopd SDK
# installed into PREFIX from a stopd build directory, never against the source tree.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/build-example-plugin.sh [--example-build-dir DIR] PREFIX BUILD_DIR

  1. cmake --install BUILD_DIR --prefix PREFIX   (BUILD_DIR: a configured and built stopd tree)
  2. configures examples/out-of-tree-plugin with -DCMAKE_PREFIX_PATH=PREFIX (warnings are errors)
     and builds it
  3. prints the path of the built plugin (.so) on standard output; everything else goes to
     standard error, so `so=$(scripts/build-example-plugin.sh PREFIX BUILD_DIR)` works.

Options:
  --example-build-dir DIR  where to build the example (default: BUILD_DIR/out-of-tree-plugin)
  -h, --help

Example:
  scripts/build.sh ci && scripts/build-example-plugin.sh /tmp/stopd-prefix build/ci
EOF
}

die() {
  printf 'build-example-plugin: error: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  usage >&2
  printf 'build-example-plugin: error: %s\n' "$*" >&2
  exit 2
}
log() { printf 'build-example-plugin: %s\n' "$*" >&2; }

example_build=
positional=()
while (($#)); do
  case "$1" in
    --example-build-dir)
      (($# >= 2)) || usage_error "--example-build-dir needs a directory"
      example_build="$2"
      shift
      ;;
    --example-build-dir=*) example_build="${1#*=}" ;;
    -h | --help)
      usage
      exit 0
      ;;
    --)
      shift
      positional+=("$@")
      break
      ;;
    -*) usage_error "unknown option: $1" ;;
    *) positional+=("$1") ;;
  esac
  shift
done
((${#positional[@]} == 2)) || usage_error "expected PREFIX and BUILD_DIR"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_dir="$root/examples/out-of-tree-plugin"
# Absolute paths: CMAKE_PREFIX_PATH must not depend on the directory cmake runs in.
prefix="$(realpath -m -- "${positional[0]}")"
build_dir="$(realpath -m -- "${positional[1]}")"
example_build="$(realpath -m -- "${example_build:-$build_dir/out-of-tree-plugin}")"

[[ -f "$build_dir/cmake_install.cmake" ]] ||
  die "$build_dir is not a configured stopd build directory (run scripts/build.sh first)"
[[ -f "$source_dir/CMakeLists.txt" ]] || die "example not found at $source_dir"

log "installing stopd from $build_dir into $prefix"
cmake --install "$build_dir" --prefix "$prefix" >&2

log "configuring $source_dir in $example_build against $prefix"
# --fresh: a cache from an earlier run must not keep pointing at another prefix's SDK.
cmake --fresh -S "$source_dir" -B "$example_build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_COMPILE_WARNING_AS_ERROR=ON >&2

log "building"
cmake --build "$example_build" --parallel "${STOPD_JOBS:-$(nproc)}" >&2

mapfile -t plugins < <(find "$example_build" -maxdepth 1 -type f -name 'lib*.so' | sort)
((${#plugins[@]} == 1)) ||
  die "expected exactly one plugin library in $example_build, found ${#plugins[@]}: ${plugins[*]-}"
log "built ${plugins[0]}"
printf '%s\n' "${plugins[0]}"
