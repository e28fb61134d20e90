// Findings that are reported and not fixed yet (issue 15). The libFuzzer build leaves their
// inputs out, so that a run explores everything else instead of stopping at the same finding
// again. The replay build (ctest) runs every input: tests/fuzz/regressions/ holds a minimized
// input of each, and those tests fail until the fix is in. Delete an entry with its fix.
#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"

namespace stopd::fuzz {

#ifdef STOPD_FUZZ_LIBFUZZER
inline constexpr bool kSkipKnownCrashes = true;
#else
inline constexpr bool kSkipKnownCrashes = false;
#endif

// dump() throws type_error 316 on a string that is not UTF-8: json_schema.cpp's show() dumps the
// offending value into the error, and the daemon journals a plan as dumped JSON. A YAML file may
// hold any bytes, and valid UTF-8 may turn into invalid: yaml-cpp reads text that starts with
// NUL bytes as UTF-32 (regressions/json_schema/invalid-utf8-string-in-error,
// regressions/target_arguments/invalid-utf8-value-in-error, regressions/plan/invalid-utf8-*,
// regressions/plan/utf32-detected-invalid-utf8.yaml).
inline bool skip_invalid_utf8(std::string_view text) {
  return kSkipKnownCrashes && !is_utf8(text);
}
inline bool skip_invalid_utf8(const nlohmann::json::type_error& e) {
  return kSkipKnownCrashes && e.id == 316;
}

// plan_document.cpp's yaml_to_json() expands aliases without limit: a few hundred bytes of
// nested anchors grow into gigabytes (regressions/plan/yaml-alias-expansion.yaml). A handful of
// aliases cannot grow a 4 KiB input much, so only inputs with more are left out.
inline bool skip_yaml_alias_bomb(std::string_view text) {
  constexpr std::size_t kMaxAliases = 8;
  std::size_t stars = 0;
  for (const char c : text) stars += c == '*' ? 1 : 0;
  return kSkipKnownCrashes && stars > kMaxAliases;
}

// Recursion on nesting depth: nlohmann's dump() and copies, valijson's validation, convert.cpp's
// to_struct() overflow the stack on a value nested tens of thousands deep
// (regressions/{plan,json_schema}/deep-nesting*, regressions/proto_convert/json-deep-nesting).
// Only reachable with a -max_len far above the default; inputs nested deeper than 512 are left
// out.
inline bool skip_deep_nesting(std::string_view text) {
  constexpr int kMaxDepth = 512;
  int depth = 0;
  for (const char c : text) {
    if (c == '[' || c == '{') ++depth;
    if ((c == ']' || c == '}') && depth > 0) --depth;
    if (depth > kMaxDepth) return kSkipKnownCrashes;
  }
  return false;
}

// valijson matches "pattern" with std::regex, whose matcher recurses once per character of a
// repetition: a string of some 50,000 characters against an unbounded pattern overflows the
// stack (plan: failure_policy.max_failures; local.process options: signal; DLF target:
// script_name; config: listen.tcp, an env name) (regressions/plan/
// failure-policy-regex-stack-overflow.yaml, regressions/json_schema/
// process-signal-regex-stack-overflow). Only reachable with a -max_len far above the default;
// inputs over 16 KiB are left out.
inline bool skip_long_input(std::string_view text) {
  return kSkipKnownCrashes && text.size() > 16 * 1024;
}

// convert.cpp's to_struct() converts any depth, but protobuf parses messages nested at most 100
// deep (a JSON value about 50 deep): stopctl can send a target the daemon cannot read
// (regressions/proto_convert/struct-deeper-than-protobuf-parses).
inline bool skip_unparsable_depth() {
  return kSkipKnownCrashes;
}

// A JSON number beyond a double ("1e400") makes nlohmann throw out_of_range 406, and
// parse_plan_document, read_config_document and parse_target_arguments catch parse_error only
// (regressions/{plan,config}/json-number-overflow.json,
// regressions/target_arguments/raw-json-number-overflow).
inline bool skip_number_overflow(const nlohmann::json::out_of_range& e) {
  return kSkipKnownCrashes && e.id == 406;
}

// A record whose checksum holds but whose row has more values than its statement has parameters
// fails with SQLITE_RANGE, which JobStore::apply_intents takes for a passing failure and retries:
// the journal never applies it and refuses to open (regressions/intent_record/
// more-values-than-parameters).
inline bool skip_retried_forever() {
  return kSkipKnownCrashes;
}

// plan_parser.cpp reads a failure_policy percentage with std::stod, which throws out_of_range
// for one of more than 308 digits (regressions/plan/failure-policy-percent-out-of-range.yaml).
inline bool skip_percent_out_of_range(const std::out_of_range&) {
  return kSkipKnownCrashes;
}

// plan_document.cpp turns a YAML number beyond a double into infinity, which dump() writes as
// null: the journaled plan a resume reads is not the plan that ran
// (regressions/plan/yaml-number-overflow-lost-in-journal.yaml).
inline bool skip_non_finite_number(const nlohmann::json& document) {
  if (!kSkipKnownCrashes) return false;
  std::vector<const nlohmann::json*> pending{&document};
  while (!pending.empty()) {
    const nlohmann::json* value = pending.back();
    pending.pop_back();
    if (value->is_number_float() && !std::isfinite(value->get<double>())) return true;
    if (value->is_structured())
      for (const auto& child : *value) pending.push_back(&child);
  }
  return false;
}

// convert.cpp's from_timestamp() converts seconds to nanoseconds in 64 bits: beyond ±292 years
// of 1970 that is a signed overflow (regressions/proto_convert/timestamp-seconds-overflow).
inline bool skip_timestamp_overflow(std::int64_t seconds) {
  constexpr std::int64_t kLimit = 9'223'372'035;
  return kSkipKnownCrashes && (seconds > kLimit || seconds < -kLimit);
}

// service_error.cpp cuts a message at 512 bytes, also inside a UTF-8 character
// (regressions/service_error/message-cut-inside-a-character.json).
inline bool skip_cut_message(std::string_view message) {
  return kSkipKnownCrashes && message.size() >= 512;
}

}  // namespace stopd::fuzz
