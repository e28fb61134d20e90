# bash completion for stopctl: commands, options and their fixed values, resource types from the
# plugins (stopctl plugins list), job ids and schedule names from the daemon (stopctl jobs list,
# stopctl schedules list).
# Installed as /usr/share/bash-completion/completions/stopctl; try it with `source FILE`.
# shellcheck shell=bash

# Options that take a value (their value is never a command or a positional).
_stopctl_value_options=" --config --log-level -o --output --socket --address --tls-ca --tls-cert
  --tls-key --tls-server-name --token --token-file --timeout --grace --deadline --selector
  --option --request-id --parallel --max-failures --report --resume --state --type --since --until
  --limit --cron --tz --count --after --plan --overlap --catch-up --jitter --history-succeeded
  --history-failed "
_stopctl_global_options="--local --config --log-level --output --socket --address --tls-ca
  --tls-cert --tls-key --tls-server-name --insecure --token --token-file --timeout --help"

# _stopctl_run STOPCTL ARGS...: stopctl with the connection options of the line being completed
# (_stopctl_connection) and ARGS; its JSON on stdout, nothing on stderr. Through the daemon it
# waits 2 s at most.
_stopctl_run() {
  local stopctl=$1
  shift
  if [[ " ${_stopctl_connection[*]} " == *" --local "* ]]; then
    "$stopctl" "${_stopctl_connection[@]}" -o json "$@" 2>/dev/null
  else
    "$stopctl" "${_stopctl_connection[@]}" --timeout 2 -o json "$@" 2>/dev/null
  fi
}

# Resource types: the daemon's; without a daemon, those stopctl --local would load (unless the
# line names a daemon with --socket or --address).
# IANA zone names from the system's tz database (what --tz accepts).
_stopctl_zones() {
  [[ -d /usr/share/zoneinfo ]] || return 0
  (cd /usr/share/zoneinfo && find . -type f ! -name '*.tab' ! -name '*.zi' ! -name 'leap*' \
    ! -path './posix/*' ! -path './right/*' -printf '%P\n' 2>/dev/null)
}

_stopctl_types() {
  local out
  out=$(_stopctl_run "$1" plugins list) ||
    [[ " ${_stopctl_connection[*]} " == *" --"@(local|socket|address)" "* ]] ||
    out=$("$1" --local -o json plugins list 2>/dev/null) || return 0
  grep -o '"name":"[^"]*"' <<<"$out" | cut -d'"' -f4
}

_stopctl_job_ids() {
  _stopctl_run "$1" jobs list --limit 200 | grep -o '"id":"j-[^"]*"' | cut -d'"' -f4
}

_stopctl_schedule_names() {
  _stopctl_run "$1" schedules list | grep -o '"name":"[^"]*"' | cut -d'"' -f4
}

_stopctl() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local stopctl=${COMP_WORDS[0]} word i
  local -a command=() positionals=()
  local -a _stopctl_connection=() # read by _stopctl_run
  # With the default COMP_WORDBREAKS, --output=json is three words: --output, =, json.
  if [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
    prev=${COMP_WORDS[COMP_CWORD - 2]}
  fi

  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ $_stopctl_value_options == *" $word "* ]]; then
      local value=${COMP_WORDS[i + 1]}
      if [[ $value == = ]]; then
        ((i++))
        value=${COMP_WORDS[i + 1]}
      fi
      ((i++))
      case $word in
        --config | --socket | --address | --tls-ca | --tls-cert | --tls-key | --tls-server-name | \
          --token | --token-file)
          ((i < COMP_CWORD)) && _stopctl_connection+=("$word" "$value")
          ;;
      esac
    elif [[ $word == --local || $word == --insecure ]]; then
      _stopctl_connection+=("$word")
    elif [[ $word == -* || $word == = ]]; then
      :
    elif ((${#command[@]} == 0)) && [[ $word == @(stop|batch|jobs|plugins|schedules) ]]; then
      command=("$word")
    elif [[ ${command[*]} == jobs && $word == @(list|show|watch|cancel) ]] ||
      [[ ${command[*]} == plugins && $word == @(list|describe|validate) ]] ||
      [[ ${command[*]} == schedules &&
        $word == @(next|list|show|create|update|delete|pause|resume|run-now) ]]; then
      command+=("$word")
    else
      positionals+=("$word")
    fi
  done

  local words=
  case $prev in
    --log-level) words="trace debug info warn error off" ;;
    --tz) words=$(_stopctl_zones) ;;
    -o | --output) words="human json" ;;
    --overlap) words="forbid replace" ;;
    --state) words="pending running finished" ;;
    --type) words=$(_stopctl_types "$stopctl") ;;
    --config | --tls-ca | --tls-cert | --tls-key | --token-file | --socket | --report | --resume | \
      --plan)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return 0
      ;;
    --address | --tls-server-name | --token | --timeout | --grace | --deadline | --selector | \
      --option | --request-id | --parallel | --max-failures | --since | --until | --limit | \
      --cron | --count | --after | --catch-up | --jitter | --history-succeeded | --history-failed)
      COMPREPLY=()
      return 0
      ;;
    *)
      if [[ $cur == -* ]]; then
        case ${command[*]} in
          stop)
            words="--grace --immediate --deadline --selector --option --dry-run --wait
              --request-id"
            ;;
          batch) words="--parallel --dry-run --fail-fast --max-failures --report --resume" ;;
          "jobs list") words="--state --type --since --until --limit" ;;
          "schedules next") words="--cron --tz --count --after" ;;
          "schedules create")
            words="--cron --tz --plan --overlap --catch-up --jitter --history-succeeded
              --history-failed --paused --dry-run"
            ;;
          "schedules update")
            words="--cron --tz --plan --overlap --catch-up --jitter --history-succeeded
              --history-failed --dry-run"
            ;;
        esac
        words+=" $_stopctl_global_options"
        ((${#command[@]} > 0)) || words+=" --version"
      else
        case ${command[*]} in
          "") words="stop batch jobs plugins schedules" ;;
          schedules) words="list show create update delete pause resume run-now next" ;;
          "schedules show" | "schedules update" | "schedules delete" | "schedules pause" | \
            "schedules resume" | "schedules run-now" | "schedules next")
            ((${#positionals[@]} > 0)) || words=$(_stopctl_schedule_names "$stopctl")
            ;;
          jobs) words="list show watch cancel" ;;
          plugins) words="list describe validate" ;;
          stop | "plugins describe")
            ((${#positionals[@]} > 0)) || words=$(_stopctl_types "$stopctl")
            ;;
          "jobs show" | "jobs watch" | "jobs cancel")
            ((${#positionals[@]} > 0)) || words=$(_stopctl_job_ids "$stopctl")
            ;;
          batch | "plugins validate")
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return 0
            ;;
        esac
      fi
      ;;
  esac
  mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}

complete -F _stopctl stopctl
