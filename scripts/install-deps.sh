#!/usr/bin/env bash
# Installs every Debian package stopd needs to build, test and run its integration tests.
# Idempotent and non-interactive: when everything is installed it changes nothing and touches
# no network; otherwise it runs `apt-get update` once and installs only what is missing.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/install-deps.sh [--demo] [--check] [--list] [--help]

Installs the Debian 12 packages stopd needs (with sudo when not run as root).
Idempotent: packages already installed are left alone, and `apt-get update` runs only when
something is missing.

Options:
  --demo    only what scripts/demo.sh needs: the compiler, CMake, Ninja and the libraries stopd
            builds with; not the test tools, the fuzzing compiler or the packaging tools
  --check   install nothing; list missing packages and exit 1 if any are missing
  --list    print every package this project needs (with --demo: the demo's), one per line
  -h, --help
EOF
}

# Configuring and building stopd: every library the configure step looks for, GoogleTest
# included (the SDK's conformance suite is configured even without the tests). With
# RUNTIME_PACKAGES, all that the demo installs (--demo).
readonly BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libboost-dev libboost-filesystem-dev
  nlohmann-json3-dev libvalijson-dev
  libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev
  mold # the linker of the presets ci, asan and fuzz (STOPD_LINKER): links several times faster
)

# The daemon (gRPC, SQLite journal, metrics), batch plans in YAML (yaml-cpp), schedules' time
# zones (Howard Hinnant's date/tz over the system's tz database, tzdata), the Huawei Cloud
# clients and their emulator (libcurl, cpp-httplib), and tcmalloc, the executables' allocator
# (cmake/StopdAllocator.cmake; libgoogle-perftools-dev has its minimal build).
readonly RUNTIME_PACKAGES=(
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev libgoogle-perftools-dev
  libsqlite3-dev libcurl4-openssl-dev libcpp-httplib-dev prometheus-cpp-dev libyaml-cpp-dev
  libhowardhinnant-date-dev tzdata
)

# The test command's checks and tools: formatting and shell checks, ccache (a build reuses what
# an earlier build on this machine compiled, in any clone: cmake/StopdCcache.cmake), Google
# Benchmark (tests/bench, configured with the tests), and the CRI integration tests against a
# real, private containerd (containerd, runc, CNI plugins, busybox for a test image; gcc, in
# build-essential, builds the static pause binary), openssl to make the test certificates the
# emulator serves HTTPS with, and the sqlite3 shell: the journal tests hold a journal's lock
# from another process and run the README's salvage procedure with it.
readonly TEST_PACKAGES=(
  clang-format shellcheck ccache libbenchmark-dev
  containerd runc containernetworking-plugins busybox-static openssl sqlite3
)

# The Debian packages and their install test (cmake/StopdPackaging.cmake, scripts/install-test.sh,
# CI's install stage): dpkg-shlibdeps (dpkg-dev) and file for cpack's Depends, help2man for the man
# pages, systemd for systemd-analyze verify of the unit (and man-db: verify looks up the man
# pages its Documentation= names), and bash-completion and zsh for the completion tests.
readonly PACKAGING_PACKAGES=(dpkg-dev file help2man systemd man-db bash-completion zsh)

# The fuzz targets (scripts/fuzz.sh, CI's fuzz stage): GCC has no libFuzzer, so clang-16 with its
# sanitizer and libFuzzer runtimes, and llvm (llvm-symbolizer) for stacks with names and lines.
readonly FUZZ_PACKAGES=(clang-16 libclang-rt-16-dev libfuzzer-16-dev llvm)

log() { printf 'install-deps: %s\n' "$*"; }
die() {
  printf 'install-deps: error: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  usage >&2
  printf 'install-deps: error: %s\n' "$*" >&2
  exit 2
}

mode=install
demo=false
while (($#)); do
  case "$1" in
    --demo) demo=true ;;
    --check) mode=check ;;
    --list) mode=list ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) usage_error "unknown argument: $1" ;;
  esac
  shift
done

packages=("${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}")
if [[ "$demo" == false ]]; then
  packages+=("${TEST_PACKAGES[@]}" "${PACKAGING_PACKAGES[@]}" "${FUZZ_PACKAGES[@]}")
fi

if [[ "$mode" == list ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  die "apt-get/dpkg not found: this script supports Debian 12 (bookworm) and derivatives.
On another system install the equivalents of: ${packages[*]}"
fi

is_installed() {
  local status
  status="$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" || return 1
  [[ "$status" == installed ]]
}

missing=()
for package in "${packages[@]}"; do
  is_installed "$package" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  log "all ${#packages[@]} packages are installed"
  exit 0
fi

log "missing ${#missing[@]} of ${#packages[@]} packages: ${missing[*]}"
if [[ "$mode" == check ]]; then
  exit 1
fi

# Root runs apt directly; anyone else goes through sudo (non-interactively under CI, where a
# password prompt would hang the run).
as_root=()
if ((EUID != 0)); then
  command -v sudo >/dev/null 2>&1 ||
    die "not root and sudo is not installed: run this script as root, or install as root: ${missing[*]}"
  if [[ "${CI:-}" == true ]]; then
    as_root=(sudo -n)
  else
    as_root=(sudo)
  fi
fi

# Waits for another apt/dpkg run to release its lock instead of failing at once, and keeps
# existing configuration files without asking.
apt_get=(
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get
  -o DPkg::Lock::Timeout=600
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
)

log "apt-get update"
if ! "${apt_get[@]}" -q update; then
  log "warning: apt-get update failed; trying with the package lists already on this machine"
fi

unknown=()
for package in "${missing[@]}"; do
  candidate="$(apt-cache policy "$package" 2>/dev/null | awk '/Candidate:/ {print $2}')"
  if [[ -z "$candidate" || "$candidate" == "(none)" ]]; then
    unknown+=("$package")
  fi
done
if ((${#unknown[@]})); then
  die "no installable version of: ${unknown[*]} (is this Debian 12 with the main component enabled?)"
fi

# No recommends: nothing here needs them (only criu, recommended by runc, would come along).
log "apt-get install ${missing[*]}"
"${apt_get[@]}" -q -y --no-install-recommends install "${missing[@]}"

still_missing=()
for package in "${missing[@]}"; do
  is_installed "$package" || still_missing+=("$package")
done
if ((${#still_missing[@]})); then
  die "apt-get finished but these are still not installed: ${still_missing[*]}"
fi
log "installed ${#missing[@]} packages; all ${#packages[@]} are present"
