#!/usr/bin/env bash
# The shell completions (core/cli/completion, core/daemon/completion) against the built stopctl
# and its plugins: bash completes a command, an option, an option's values and resource types
# (from `stopctl plugins list`; with no daemon, from what --local loads); zsh parses its files.
# Job ids need a daemon: scripts/install-test.sh completes one from the installed stopd.
#
# Usage: completion_test.sh STOPCTL SOURCE_DIR
# Without zsh it checks bash only and exits 77 (ctest: skipped); under CI=true it fails instead.
set -euo pipefail

if (($# != 2)); then
  echo "usage: $0 STOPCTL SOURCE_DIR" >&2
  exit 2
fi
stopctl="$(realpath -- "$1")"
source_dir="$2"
stopctl_completion="$source_dir/core/cli/completion/stopctl.bash"
stopd_completion="$source_dir/core/daemon/completion/stopd.bash"

failures=0
checks=0

# expect WANTED WORD...: completes the command line WORD... (the last word is the one being
# completed, '' for a new word) and checks that WANTED is among the candidates, or with
# WANTED = -, that there are none.
expect() {
  local wanted="$1" function=_stopctl
  shift
  [[ "$1" != stopd ]] || function=_stopd
  local -a COMP_WORDS=("$@") COMPREPLY=()
  local COMP_CWORD=$(($# - 1))
  # As in an interactive shell: no errexit, no nounset inside the completion function.
  set +eu
  "$function"
  set -eu
  checks=$((checks + 1))
  local got="${COMPREPLY[*]}"
  printf '%-45s -> %s\n' "$*" "${got:-(nothing)}"
  if [[ "$wanted" == - ]]; then
    ((${#COMPREPLY[@]} == 0)) && return 0
  else
    local candidate
    for candidate in "${COMPREPLY[@]}"; do
      [[ "$candidate" == "$wanted" ]] && return 0
    done
  fi
  printf 'FAIL: completing "%s": expected %s\n' "$*" "$wanted" >&2
  failures=$((failures + 1))
}

# The built stopctl, its plugins beside it, and no daemon: STOPD_SOCKET names a socket that does
# not exist, so the resource types come from what `stopctl --local` loads.
PATH="$(dirname -- "$stopctl"):$PATH"
export STOPD_SOCKET=/nonexistent/stopd-completion-test.sock
# shellcheck source=../../core/cli/completion/stopctl.bash
source "$stopctl_completion"
# shellcheck source=../../core/daemon/completion/stopd.bash
source "$stopd_completion"

expect stop stopctl st                                  # a command
expect watch stopctl jobs wa                            # a command's command
expect --grace stopctl stop --gr                        # a command's option
expect --local stopctl --lo                             # a global option
expect json stopctl -o j                                # an option's values
expect running stopctl jobs list --state r
expect local.process stopctl stop loc                   # resource types, no daemon: --local's
expect local.process stopctl --local stop ''            # resource types with --local
expect cri.pod_sandbox stopctl plugins describe cri.p
expect huaweicloud.cdm.cluster stopctl jobs list --type huaweicloud.c
expect - stopctl stop local.process ''                  # target pairs: nothing to offer
expect - stopctl --socket /nonexistent/stopd.sock stop loc # a daemon named and not there
expect run-now stopctl schedules ru                     # the daemon's schedules (issue 20)
expect create stopctl schedules cr
expect update stopctl schedules up
expect --plan stopctl schedules update nightly --pl
expect --dry-run stopctl schedules create nightly --dr
expect --jitter stopctl schedules create nightly --ji
expect replace stopctl schedules create nightly --overlap r
expect - stopctl schedules show ''                      # schedule names: no daemon, none
expect --cron stopctl schedules next --cr
expect --check-config stopd --check                     # stopd's options
expect debug stopd --log-level d

zsh_status=skipped
if command -v zsh >/dev/null 2>&1; then
  for file in "$source_dir/core/cli/completion/_stopctl" "$source_dir/core/daemon/completion/_stopd"; do
    checks=$((checks + 1))
    if zsh -n "$file"; then
      printf 'zsh -n %s: ok\n' "$file"
    else
      printf 'FAIL: zsh -n %s\n' "$file" >&2
      failures=$((failures + 1))
    fi
  done
  zsh_status=checked
elif [[ "${CI:-}" == true ]]; then
  printf 'FAIL: zsh is not installed (scripts/install-deps.sh installs it)\n' >&2
  failures=$((failures + 1))
fi

printf '%d checks, %d failed (zsh: %s)\n' "$checks" "$failures" "$zsh_status"
((failures == 0)) || exit 1
if [[ "$zsh_status" == skipped ]]; then
  echo "zsh not installed: its completion files were not checked (skipped)"
  exit 77
fi
