#!/usr/bin/env bash
# End to end for the out-of-tree example plugin (examples/out-of-tree-plugin): builds it against
# the SDK installed from this build tree (scripts/build-example-plugin.sh), loads it into the
# built stopctl with --local --config, lists it, stops a real marker file with it, and runs the
# conformance suite against it with the example's own ctest.
#
# Usage: example_plugin_test.sh STOPCTL BUILD_DIR SOURCE_DIR
set -euo pipefail

if (($# != 3)); then
  echo "usage: $0 STOPCTL BUILD_DIR SOURCE_DIR" >&2
  exit 2
fi
stopctl="$1"
build_dir="$2"
source_dir="$3"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/stopd-example-e2e.XXXXXX")"
cleanup() {
  rm -rf "$tmp"
}
trap cleanup EXIT

failures=0
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  failures=$((failures + 1))
}

# run EXPECTED_EXIT ARGS…: runs stopctl, keeps its stdout in $out and stderr in $err, and
# checks the exit code.
out=
err=
run() {
  local expected="$1" status=0
  shift
  printf '$ stopctl %s\n' "$*"
  "$stopctl" "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
  out="$(cat "$tmp/out")"
  err="$(cat "$tmp/err")"
  printf '%s\n' "$out"
  [[ -z "$err" ]] || printf 'stderr: %s\n' "$err"
  if ((status != expected)); then
    fail "expected exit $expected, got $status: stopctl $*"
  fi
}

expect_in() {
  local what="$1" text="$2" where="$3"
  [[ "$text" == *"$what"* ]] || fail "$where does not contain '$what'"
}

# A JSON string literal for a path.
json_string() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  printf '"%s"' "$s"
}

echo "== building the example plugin against the SDK installed from $build_dir"
so="$(STOPD_JOBS="${STOPD_JOBS:-2}" "$source_dir/scripts/build-example-plugin.sh" \
  --example-build-dir "$tmp/example-build" "$tmp/prefix" "$build_dir")"
[[ -f "$so" ]] || {
  echo "FAIL: build-example-plugin.sh printed '$so', which is not a file" >&2
  exit 1
}
echo "built $so"

# stopd_add_plugin() promises a plugin exports its descriptor and nothing else.
exported="$(nm -D --defined-only "$so" | awk '{print $NF}' | sort -u | tr '\n' ' ')"
[[ "$exported" == "stopd_plugin_descriptor " ]] ||
  fail "a plugin must export only stopd_plugin_descriptor; this one exports: $exported"

markers="$tmp/markers"
mkdir -p "$markers"
printf 'not yours\n' >"$tmp/outside.run"
config="$tmp/stopd.json"
cat >"$config" <<JSON
{
  "plugins": [$(json_string "$so")],
  "providers": {
    "example.marker_file": { "settings": { "root": $(json_string "$markers") } }
  }
}
JSON
cli=(--local --config "$config")

echo "== plugins list / describe"
run 0 "${cli[@]}" plugins list
expect_in "example.marker_file" "$out" "plugins list"
expect_in "local.process" "$out" "plugins list" # the in-tree plugin still loads beside it
[[ "$out" != *"Refused"* ]] || fail "plugins list refused a plugin"
run 0 "${cli[@]}" plugins list -o json
expect_in '"name":"example.marker_file"' "$out" "plugins list -o json"
expect_in "\"library\":$(json_string "$so")" "$out" "plugins list -o json"
# Said once, in kVersion: the host fills it into info().
expect_in '"version":"1.0.0"' "$out" "plugins list -o json (version from kVersion)"
run 0 "${cli[@]}" plugins describe example.marker_file
expect_in "target schema" "$out" "plugins describe"
expect_in '"path"' "$out" "plugins describe"
expect_in "stopctl --local --config" "$out" "plugins describe (example command)"

echo "== a marker without an owner: removed"
printf 'nightly\n' >"$markers/a.run"
run 0 "${cli[@]}" stop example.marker_file "path=$markers/a.run"
expect_in "stopped: example.marker_file path=$markers/a.run" "$out" "stop"
[[ ! -e "$markers/a.run" ]] || fail "stopped, but $markers/a.run still exists"

# Repeat stops, dry runs, forcing at the grace, immediate mode, deadline, cancellation,
# escalation and concurrency: the conformance suite, run by the example's own ctest against the
# stopd-conformance installed with the SDK.
echo "== the conformance suite (ctest in the example's build)"
ctest --test-dir "$tmp/example-build" --output-on-failure ||
  fail "the example plugin does not pass the conformance suite"

echo "== bad targets: invalid_argument (11), nothing outside the root touched"
run 11 "${cli[@]}" stop example.marker_file "path=$markers/../outside.run"
expect_in "invalid_argument" "$err" "outside the root"
[[ -e "$tmp/outside.run" ]] || fail "a refused stop removed $tmp/outside.run"
run 11 "${cli[@]}" stop example.marker_file "path=relative.run" -o json
expect_in '"code":"invalid_argument"' "$out" "relative path"
run 11 "${cli[@]}" stop example.marker_file "path=$markers/e.run" --option wait_for_owner=maybe
expect_in "wait_for_owner" "$err" "bad option"
run 11 "${cli[@]}" stop example.marker_file "file=$markers/e.run"
expect_in "file" "$err" "unknown key"

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "the example plugin builds against the installed SDK, loads into stopctl and stops marker files"
