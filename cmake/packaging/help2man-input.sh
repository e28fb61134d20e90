#!/usr/bin/env bash
# What help2man reads to write stopd.8 and stopctl.1 (cmake/StopdPackaging.cmake): a program's own
# --help and --version, with the help of each named command appended, so the man page says
# exactly what the binary says and never drifts from it.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: cmake/packaging/help2man-input.sh PROGRAM [COMMAND...] --help|--version
       cmake/packaging/help2man-input.sh -h|--help

For help2man (its EXECUTABLE argument is this script with PROGRAM and the COMMANDs):
  --help     PROGRAM --help, then for each COMMAND (words joined by '/', e.g. jobs/list) a
             section "PROGRAM COMMAND" with PROGRAM COMMAND --help
  --version  the first line of PROGRAM --version ("NAME VERSION"); the build details after it
             (commit, toolchain) describe a build, not the program, and stay out of the page

Only layout changes, never words: example lines get help2man's "$ " marker (so they are set
verbatim), and in a command's help its "Options:"/"Examples:" headings name the command (so
help2man keeps them in the command's section) and its "Usage:" line is a paragraph of its own.

Example:
  help2man --no-info "cmake/packaging/help2man-input.sh build/ci/bin/stopctl stop jobs/list"
EOF
}

die() {
  printf 'help2man-input: error: %s\n' "$*" >&2
  exit 1
}

if (($# == 0)) || [[ "$1" == -h || ("$1" == --help && $# == 1) ]]; then
  usage
  exit 0
fi
(($# >= 2)) || die "expected PROGRAM [COMMAND...] --help|--version (see --help)"
program="$1"
what="${*: -1}"
commands=("${@:2:$#-2}")
[[ -x "$program" ]] || die "$program is not an executable file"
name="$(basename -- "$program")"

# Example lines (indented, after an "Examples:" heading, up to a blank line) get help2man's "$ ".
# In a command's help (TITLE set): its "Options:" and "Examples:" headings become "Options of
# TITLE:", which help2man would otherwise take for the page's OPTIONS and EXAMPLES sections; an
# example block starts a paragraph of its own (help2man sets only a paragraph's first lines
# verbatim), and so does "Usage:". A usage line continued on the next (indented) line is joined
# into one: help2man takes only "or:" lines for continuations.
layout() {
  awk -v title="$1" '
    usage != "" && /^         *[^ ]/ { sub(/^ +/, ""); usage = usage " " $0; next }
    usage != "" { print usage; usage = "" }
    /^Usage: / { if (title != "") print ""; usage = $0; next }
    /^$/ { examples = 0 }
    /^(Options|Examples):$/ {
      if ($0 == "Examples:") examples = 1
      if (title == "") { print; next }
      sub(/:$/, " of " title ":")
      print
      if (examples) print ""
      next
    }
    examples && /^  [^ ]/ { print "  $ " substr($0, 3); next }
    { print }
    END { if (usage != "") print usage }
  '
}

case "$what" in
  --help)
    "$program" --help | layout ""
    for command in "${commands[@]}"; do
      read -r -a words <<<"${command//\// }"
      printf '\n*%s %s*\n' "$name" "${words[*]}"
      "$program" "${words[@]}" --help | layout "$name ${words[*]}"
    done
    ;;
  --version)
    version="$("$program" --version)"
    printf '%s\n' "${version%%$'\n'*}"
    ;;
  *) die "the last argument must be --help or --version, got: $what" ;;
esac
