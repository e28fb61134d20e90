#!/usr/bin/env bash
# The install test (issue 19; CI's "install" stage): stopd as an operator gets it. Builds the
# Debian packages from a built tree, installs them with dpkg, checks the unit, runs the installed
# stopd the way stopd.service runs it and stops a real process through it with the installed
# stopctl, builds the out-of-tree example plugin against the installed SDK, then purges the
# packages and checks that nothing of them is left.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/install-test.sh [--build-dir DIR] [--help]

Needs root (dpkg -i): as another user run it with sudo. It never skips: without root, or with
stopd already installed on this machine, it fails and says why. It leaves the machine as it
found it: on success and on failure it stops what it started and purges what it installed.

  1. cpack -G DEB in DIR (default build/ci, built): stopd, stopd-plugin-huaweicloud,
     stopd-hwcloud-emulator and stopd-sdk-dev; checks their Depends (dpkg-shlibdeps) and the
     conffile
  2. lists the files under /usr /etc /var/lib /opt, then dpkg -i the packages
  3. checks the installed files (binaries, plugins, man pages, completions), and
     systemd-analyze verify on the installed stopd.service (plus its security summary)
  4. starts /usr/bin/stopd as the unit does: its ExecStart= line, its RuntimeDirectory= and
     StateDirectory= made with their modes, its UMask=, LimitNOFILE=, LimitRTPRIO=,
     CapabilityBoundingSet= and NoNewPrivileges= (setpriv), a clean environment; not its mount
     namespace (ProtectSystem=, PrivateTmp=…), which needs systemd as PID 1
  5. stops a real process of another user (sleep 300 as nobody) with the installed stopctl
     --wait: the result must say stopped and the process must be gone; completes its job id
     with the installed bash completion; then SIGTERM, and stopd must drain and exit 0
  6. builds examples/out-of-tree-plugin against the installed stopd-sdk-dev (find_package from
     /usr), checks it with the installed stopctl plugins validate and runs its conformance ctest
  7. dpkg --purge every package, and lists the files again: anything added or removed fails

Options:
  --build-dir DIR  the configured and built stopd tree to package (default: build/ci)
  -h, --help

Environment:
  STOPD_JOBS  parallel jobs for the example plugin's build (default: nproc)
EOF
}

die() {
  printf 'install-test: error: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  usage >&2
  printf 'install-test: error: %s\n' "$*" >&2
  exit 2
}
log() { printf '\n== install-test: %s\n' "$*"; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$root/build/ci"
while (($#)); do
  case "$1" in
    --build-dir)
      (($# >= 2)) || usage_error "--build-dir needs a directory"
      build_dir="$2"
      shift
      ;;
    --build-dir=*) build_dir="${1#*=}" ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) usage_error "unknown argument: $1" ;;
  esac
  shift
done
build_dir="$(realpath -m -- "$build_dir")"
[[ "${CI:-}" != true ]] || exec </dev/null

# ---------------------------------------------------------------------------------------------
# Preconditions: each refusal says what to do.

((EUID == 0)) || die "must run as root: it installs packages with dpkg -i (run: sudo $0)"
for tool in cpack dpkg dpkg-deb dpkg-query systemd-analyze setpriv prlimit cmake; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found: run scripts/install-deps.sh"
done
[[ -f "$build_dir/CPackConfig.cmake" ]] ||
  die "$build_dir is not a configured stopd build (no CPackConfig.cmake): run scripts/build.sh ci"
[[ -x "$build_dir/bin/stopd" && -x "$build_dir/bin/stopctl" ]] ||
  die "$build_dir is not built (no bin/stopd, bin/stopctl): run scripts/build.sh ci"

readonly packages=(stopd stopd-plugin-huaweicloud stopd-hwcloud-emulator stopd-sdk-dev)
# This test purges what it installs: it must not take over an installation of an operator's.
for package in "${packages[@]}"; do
  if status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null)" &&
    [[ "$status" != "un " && -n "$status" ]]; then
    die "$package is already installed (dpkg status '$status'); this test installs and purges the
stopd packages, so it refuses to touch an existing installation: remove it first
(dpkg --purge ${packages[*]})"
  fi
done
for path in /etc/stopd /var/lib/stopd /run/stopd /usr/lib/stopd; do
  [[ ! -e "$path" ]] || die "$path exists: an installation of stopd is on this machine, which this
test would delete; move it away first"
done

work="$(mktemp -d "${TMPDIR:-/tmp}/stopd-install-test.XXXXXX")"
installed=false
stopd_pid=
sleep_pid=
cleanup() {
  local status=$?
  set +e
  if [[ -n "$sleep_pid" ]]; then kill -KILL "$sleep_pid" 2>/dev/null; fi
  if [[ -n "$stopd_pid" ]] && kill -0 "$stopd_pid" 2>/dev/null; then
    echo "install-test: cleanup: killing stopd (pid $stopd_pid); its log:"
    cat "$work/stopd.log" 2>/dev/null
    kill -KILL "$stopd_pid"
    wait "$stopd_pid" 2>/dev/null
  fi
  if [[ "$installed" == true ]]; then
    echo "install-test: cleanup: purging the packages"
    dpkg --purge "${packages[@]}" >/dev/null
    rm -rf /run/stopd
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failures=0
checks=0
check() { # check DESCRIPTION COMMAND...: runs COMMAND, counts a failure if it fails
  local description="$1"
  shift
  checks=$((checks + 1))
  if "$@"; then
    printf 'ok    %s\n' "$description"
  else
    printf 'FAIL  %s\n' "$description"
    failures=$((failures + 1))
  fi
}
has() { grep -q -- "$1" <<<"$2"; }     # has PATTERN TEXT
lacks() { ! grep -q -- "$1" <<<"$2"; } # lacks PATTERN TEXT
# Steps after a failed check that would only fail for the same reason end the test here.
require_no_failures() {
  ((failures == 0)) || die "$failures of $checks checks failed (above); stopping before: $*"
}

# Files that a package may add or remove, or that change on their own: dpkg's and apt's
# databases (checked with dpkg-query instead), caches and logs.
snapshot() {
  find /usr /etc /var/lib /opt -xdev \
    \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/lib/ucf \) -prune \
    -o -printf '%y %p\n' 2>/dev/null | LC_ALL=C sort
}

# ---------------------------------------------------------------------------------------------
log "1. cpack -G DEB from $build_dir"
(cd "$work" && cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$work/debs") \
  >"$work/cpack.log" 2>&1 || {
  cat "$work/cpack.log"
  die "cpack failed (its output is above)"
}
grep -E '^CPack: - package: ' "$work/cpack.log" || true
debs=()
for package in "${packages[@]}"; do
  mapfile -t found < <(find "$work/debs" -maxdepth 1 -name "${package}_*.deb")
  ((${#found[@]} == 1)) || die "cpack made ${#found[@]} ${package}_*.deb files, expected one"
  debs+=("${found[0]}")
done
for deb in "${debs[@]}"; do
  printf '%s\n' "$(basename "$deb")"
  dpkg-deb -f "$deb" Package Version Architecture Depends | sed 's/^/    /'
done
field() { dpkg-deb -f "$1" "$2"; }
check "stopd depends on the libraries dpkg-shlibdeps found (libc6, libgrpc++)" \
  grep -Eq 'libc6 .*libgrpc\+\+|libgrpc\+\+.*libc6' <<<"$(field "${debs[0]}" Depends)"
check "stopd-plugin-huaweicloud depends on libcurl and on stopd of its version" \
  grep -Eq 'libcurl4.*stopd \(= |stopd \(= .*libcurl4' <<<"$(field "${debs[1]}" Depends)"
check "stopd does not depend on libcurl (the Huawei Cloud plugins are split off)" \
  lacks libcurl "$(field "${debs[0]}" Depends)"
check "stopd-sdk-dev depends on stopd and nlohmann-json3-dev" \
  grep -Eq 'stopd \(= .*nlohmann-json3-dev' <<<"$(field "${debs[3]}" Depends)"
check "stopd marks /etc/stopd/stopd.json a conffile" \
  grep -qx /etc/stopd/stopd.json <<<"$(dpkg-deb --ctrl-tarfile "${debs[0]}" | tar -xOf - ./conffiles)"
check "only stopd ships stopd-plugin-host" \
  lacks stopd-plugin-host "$(dpkg-deb -c "${debs[3]}")"
require_no_failures "installing packages that are wrong"

# ---------------------------------------------------------------------------------------------
log "2. dpkg -i"
snapshot >"$work/before.txt"
installed=true
dpkg -i "${debs[@]}"
for package in "${packages[@]}"; do
  check "$package is installed" \
    test "$(dpkg-query -W -f='${db:Status-Abbrev}' "$package")" = "ii "
done

# ---------------------------------------------------------------------------------------------
log "3. the installed files and the unit"
unit=/lib/systemd/system/stopd.service
for file in /usr/bin/stopd /usr/bin/stopctl /usr/lib/stopd/stopd-plugin-host \
  /usr/lib/stopd/plugins/libstopd_process.so /usr/lib/stopd/plugins/libstopd_cri_container.so \
  /usr/lib/stopd/plugins/libstopd_hwcloud_cdm_cluster.so /usr/bin/stopd-hwcloud-emulator \
  /usr/bin/stopd-conformance /usr/lib/cmake/stopd-sdk/stopd-sdk-config.cmake \
  /usr/include/stopd/sdk.hpp /usr/share/man/man8/stopd.8.gz /usr/share/man/man1/stopctl.1.gz \
  /usr/share/man/man1/stopd-hwcloud-emulator.1.gz \
  /usr/share/bash-completion/completions/stopctl /usr/share/bash-completion/completions/stopd \
  /usr/share/zsh/vendor-completions/_stopctl /usr/share/zsh/vendor-completions/_stopd \
  /etc/stopd/stopd.json "$unit"; do
  check "installed: $file" test -e "$file"
done
check "stopd --version runs" /usr/bin/stopd --version
check "stopctl --version runs" /usr/bin/stopctl --version
check "the man page stopd(8) names its config file" \
  has /etc/stopd/stopd.json "$(gzip -dc /usr/share/man/man8/stopd.8.gz)"
check "the man page stopctl(1) has every command's options" \
  has "STOPCTL JOBS LIST" "$(gzip -dc /usr/share/man/man1/stopctl.1.gz)"
check "systemd-analyze verify $unit" systemd-analyze verify "$unit"
systemd-analyze security --offline=yes "$unit" 2>/dev/null | tail -n 1 || true
require_no_failures "running what was installed"

# ---------------------------------------------------------------------------------------------
log "4. /usr/bin/stopd as stopd.service runs it"
unit_value() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
exec_start="$(unit_value ExecStart)"
read -r -a command <<<"$exec_start"
[[ "${command[0]}" == /usr/bin/stopd ]] || die "unexpected ExecStart=$exec_start in $unit"
runtime_dir="/run/$(unit_value RuntimeDirectory)"
state_dir="/var/lib/$(unit_value StateDirectory)"
# As systemd does before ExecStart=: the directories, owned by the service's user (root).
install -d -m "$(unit_value RuntimeDirectoryMode)" "$runtime_dir"
install -d -m "$(unit_value StateDirectoryMode)" "$state_dir"
check "stopd --check-config accepts the installed config" \
  /usr/bin/stopd --config /etc/stopd/stopd.json --check-config --log-level warn
caps="$(unit_value CapabilityBoundingSet)"
bounding="-all"
mask=0 # the same set as /proc/PID/status shows it (CapBnd:), from the kernel's numbers
for cap in $caps; do
  number="$(sed -n "s/^#define $cap  *\([0-9][0-9]*\)\$/\1/p" /usr/include/linux/capability.h)"
  [[ -n "$number" ]] || die "$unit: unknown capability $cap (not in linux/capability.h)"
  mask=$((mask | (1 << number)))
  cap="${cap#CAP_}"
  bounding+=",+${cap,,}"
done
# systemd sets the limits with its own CAP_SYS_RESOURCE; a container may lack it (a hard limit
# cannot be raised then), and the test then keeps the hard limit it has, and says so.
limit() { # limit PRLIMIT_NAME UNIT_VALUE ULIMIT_FLAG
  if prlimit --"$1=$2:$2" true 2>/dev/null; then
    printf '%s\n' "$2"
  else
    local hard
    hard="$(ulimit -H"$3")"
    printf 'install-test: note: %s %s cannot be set here (no CAP_SYS_RESOURCE?); using the hard limit %s\n' \
      "$1" "$2" "$hard" >&2
    printf '%s\n' "$hard"
  fi
}
nofile="$(limit nofile "$(unit_value LimitNOFILE)" n)"
rtprio="$(limit rtprio "$(unit_value LimitRTPRIO)" r)"
[[ "$(unit_value NoNewPrivileges)" == yes ]] || die "$unit: expected NoNewPrivileges=yes"
printf 'ExecStart=%s\n  in %s and %s, umask %s, bounding set %s, no new privileges,\n  LimitNOFILE=%s LimitRTPRIO=%s\n' \
  "$exec_start" "$runtime_dir" "$state_dir" "$(unit_value UMask)" "$caps" "$nofile" "$rtprio"
(
  umask "$(unit_value UMask)"
  cd /
  exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    prlimit --nofile="$nofile:$nofile" --rtprio="$rtprio:$rtprio" -- \
    setpriv --bounding-set="$bounding" --inh-caps=-all --no-new-privs -- "${command[@]}"
) >"$work/stopd.log" 2>&1 &
stopd_pid=$!
socket="$runtime_dir/stopd.sock"
for _ in $(seq 100); do
  [[ -S "$socket" ]] && break
  kill -0 "$stopd_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ ! -S "$socket" ]]; then
  cat "$work/stopd.log"
  die "the installed stopd did not create $socket within 10 s (its log is above)"
fi
check "stopd runs with the unit's capability bounding set" \
  grep -q "^CapBnd:[[:space:]]*$(printf '%016x' "$mask")$" "/proc/$stopd_pid/status"
check "stopd runs with no_new_privs" grep -q "^NoNewPrivs:.*1$" "/proc/$stopd_pid/status"
check "the socket is the config's mode, 0660" test "$(stat -c %a "$socket")" = 660
check "the journal is in $state_dir" test -e "$state_dir/journal.db"

# ---------------------------------------------------------------------------------------------
log "5. stop a real process with the installed stopctl"
/usr/bin/stopctl plugins list
providers="$(/usr/bin/stopctl plugins list -o json)"
for type in local.process cri.container huaweicloud.cdm.cluster; do
  check "stopctl plugins list (through stopd) shows $type" has "\"name\":\"$type\"" "$providers"
done
# Another user's process: signalling it needs the CAP_KILL the unit keeps.
setpriv --reuid=65534 --regid=65534 --clear-groups sleep 300 &
sleep_pid=$!
sleep 0.2
status=0
/usr/bin/stopctl stop local.process "pid=$sleep_pid" --grace 5 --wait -o json >"$work/stop.json" ||
  status=$?
cat "$work/stop.json"
echo
check "stopctl stop --wait exited 0" test "$status" = 0
check "the outcome says stopped" grep -q '"code":"stopped"' "$work/stop.json"
exit_status=0
wait "$sleep_pid" || exit_status=$?
sleep_pid=
check "the process is gone, ended by SIGTERM (exit status 143, got $exit_status)" \
  test "$exit_status" = 143
job_id="$(grep -o '"id":"j-[^"]*"' "$work/stop.json" | head -n 1 | cut -d'"' -f4)"
/usr/bin/stopctl jobs list
check "stopctl jobs show $job_id says stopped" has stopped "$(/usr/bin/stopctl jobs show "$job_id")"
# The installed completion, loaded as an interactive bash loads it (bash-completion's loader
# when that package is there): a job id from this stopd, and resource types from its plugins.
completion_of() { # completion_of WORD...: the candidates for the last word, one line
  # shellcheck disable=SC2016 # expanded by that bash
  bash -c '
    [[ ! -r /usr/share/bash-completion/bash_completion ]] ||
      source /usr/share/bash-completion/bash_completion
    if declare -F _completion_loader >/dev/null; then _completion_loader stopctl
    else source /usr/share/bash-completion/completions/stopctl; fi
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _stopctl; printf "%s\n" "${COMPREPLY[*]}"' _ "$@"
}
check "bash completes the job id (stopctl jobs show j-<TAB>)" \
  grep -qw -- "$job_id" <<<"$(completion_of stopctl jobs show j-)"
check "bash completes the daemon's resource types (stopctl stop hua<TAB>)" \
  grep -qw huaweicloud.fgs.workflow_execution <<<"$(completion_of stopctl stop hua)"

log "5b. SIGTERM: stopd drains and exits 0"
kill -TERM "$stopd_pid"
timeout_s="$(unit_value TimeoutStopSec)"
timeout_s="${timeout_s%s}"
for _ in $(seq $((timeout_s * 10))); do
  kill -0 "$stopd_pid" 2>/dev/null || break
  sleep 0.1
done
stopd_status=0
if kill -0 "$stopd_pid" 2>/dev/null; then
  stopd_status=timeout
else
  wait "$stopd_pid" || stopd_status=$?
  stopd_pid=
fi
tail -n 5 "$work/stopd.log"
check "stopd exited 0 within TimeoutStopSec=${timeout_s}s after SIGTERM (got $stopd_status)" \
  test "$stopd_status" = 0
rm -rf "$runtime_dir" # RuntimeDirectory= goes when the service stops

# ---------------------------------------------------------------------------------------------
log "6. the out-of-tree example plugin against the installed stopd-sdk-dev"
example="$work/example"
# No CMAKE_PREFIX_PATH: find_package(stopd-sdk) finds the package in /usr.
if ! cmake -S "$root/examples/out-of-tree-plugin" -B "$example" -G Ninja \
  -DCMAKE_COMPILE_WARNING_AS_ERROR=ON >"$work/example.log" 2>&1 ||
  ! nice -n 19 cmake --build "$example" --parallel "${STOPD_JOBS:-$(nproc)}" \
    >>"$work/example.log" 2>&1; then
  cat "$work/example.log"
  die "the example plugin did not configure or build against the installed SDK (above)"
fi
check "the example found the installed SDK in /usr" \
  grep -q 'stopd-sdk_DIR:PATH=/usr/lib/cmake/stopd-sdk' "$example/CMakeCache.txt"
plugin="$example/libstopd_example_marker_file.so"
check "the installed stopctl validates the example plugin" \
  /usr/bin/stopctl plugins validate "$plugin"
check "the example's conformance ctest passes with the installed stopd-conformance" \
  ctest --test-dir "$example" --output-on-failure

# ---------------------------------------------------------------------------------------------
log "7. dpkg --purge, then nothing of stopd is left"
dpkg --purge "${packages[@]}"
installed=false
for package in "${packages[@]}"; do
  check "$package is gone from dpkg's database" \
    lacks . "$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null || true)"
done
snapshot >"$work/after.txt"
if diff -u --label "before dpkg -i" --label "after dpkg --purge" "$work/before.txt" \
  "$work/after.txt" >"$work/left.diff"; then
  check "the files under /usr /etc /var/lib /opt are as before the installation" true
else
  head -n 50 "$work/left.diff"
  check "the files under /usr /etc /var/lib /opt are as before the installation" false
fi
for path in /etc/stopd /var/lib/stopd /usr/lib/stopd "$unit" /run/stopd; do
  check "gone: $path" test ! -e "$path"
done

printf '\ninstall-test: %d checks, %d failed\n' "$checks" "$failures"
((failures == 0))
