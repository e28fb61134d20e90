# bash completion for stopd, the daemon: its options and their values.
# Installed as /usr/share/bash-completion/completions/stopd; try it with `source FILE`.
# shellcheck shell=bash

_stopd() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  if [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
    prev=${COMP_WORDS[COMP_CWORD - 2]}
  fi
  case $prev in
    --config)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      ;;
    --state-dir)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      ;;
    --log-level)
      mapfile -t COMPREPLY < <(compgen -W "trace debug info warn error off" -- "$cur")
      ;;
    *)
      mapfile -t COMPREPLY < <(compgen -W "--config --state-dir --log-level --check-config
        --hash-token --print-default-config --version --help" -- "$cur")
      ;;
  esac
}

complete -F _stopd stopd
