#include "stopd/cli/render.hpp"

#include <algorithm>
#include <sstream>

#include "stopd/core/bounded_json.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;

// A detail value as a short human string.
std::string scalar_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  return json_text(value);
}

// "SIGTERM at 0 ms, SIGKILL at 1.0 s" from local.process-style details:
// "signals": [{"signal": "SIGTERM", "after_ms": 0, "processes": 1}, …].
std::string signals_text(const json& signals) {
  std::string out;
  for (const auto& batch : signals) {
    if (!out.empty()) out += ", ";
    if (!batch.is_object()) {
      out += scalar_text(batch);
      continue;
    }
    out += batch.contains("signal") ? scalar_text(batch["signal"]) : std::string("?");
    if (auto after = batch.find("after_ms"); after != batch.end() && after->is_number_integer())
      out += " at " + format_duration(std::chrono::milliseconds(after->get<long long>()));
    if (auto count = batch.find("processes");
        count != batch.end() && count->is_number_integer() && count->get<long long>() != 1)
      out += " to " + std::to_string(count->get<long long>()) + " processes";
  }
  return out.empty() ? "none" : out;
}

// The facts that matter from a provider's details, as "key: value" items. Known shapes first
// (signals sent, exit codes, process counts); for any other provider its top-level scalars.
std::vector<std::string> detail_items(const json& details) {
  std::vector<std::string> items;
  if (!details.is_object()) return items;
  bool known = false;
  if (auto signals = details.find("signals"); signals != details.end() && signals->is_array()) {
    items.push_back("signals: " + signals_text(*signals));
    known = true;
  }
  if (auto count = details.find("process_count");
      count != details.end() && count->is_number_integer() && count->get<long long>() > 1) {
    items.push_back("processes: " + scalar_text(*count));
    known = true;
  }
  for (const char* key : {"exit_code", "exit_status", "term_signal"}) {
    if (auto value = details.find(key); value != details.end() && !value->is_structured()) {
      items.push_back(std::string(key) + ": " + scalar_text(*value));
      known = true;
    }
  }
  if (known) return items;
  // Anything else: the short scalar facts, a few of them.
  static constexpr std::string_view kShownElsewhere[] = {"forced", "duration_ms", "dry_run"};
  for (const auto& [key, value] : details.items()) {
    if (items.size() >= 6) break;
    if (value.is_structured() || value.is_null()) continue;
    if (std::find(std::begin(kShownElsewhere), std::end(kShownElsewhere), key) !=
        std::end(kShownElsewhere))
      continue;
    items.push_back(key + ": " + shorten(scalar_text(value), 80));
  }
  return items;
}

// What a dry run says it would do: {"would": {"mode", "grace_ms", "deadline_ms"}, "state"}.
std::vector<std::string> dry_run_items(const json& details) {
  std::vector<std::string> items;
  if (!details.is_object()) return items;
  if (auto state = details.find("state"); state != details.end() && state->is_string())
    items.push_back("state: " + state->get<std::string>());
  if (auto would = details.find("would"); would != details.end() && would->is_object()) {
    if (auto mode = would->find("mode"); mode != would->end() && mode->is_string())
      items.push_back("mode: " + mode->get<std::string>());
    if (auto grace = would->find("grace_ms"); grace != would->end()) {
      items.push_back("grace: " +
                      (grace->is_number_integer()
                           ? format_duration(std::chrono::milliseconds(grace->get<long long>()))
                           : scalar_text(*grace)));
    }
  }
  return items;
}

}  // namespace

std::string json_text(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string pretty_json(const json& value, std::string_view indent) {
  const std::string text = value.dump(2, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  out += indent;
  for (const char c : text) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out;
}

std::string shorten(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  return core::text_excerpt(text, max) + " (" + std::to_string(text.size()) + " bytes)";
}

std::string format_duration(std::chrono::milliseconds duration) {
  const long long ms = duration.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms < 10'000) {
    const long long tenths = (ms + 50) / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
  }
  const long long seconds = (ms + 500) / 1000;
  if (seconds < 120) return std::to_string(seconds) + " s";
  return std::to_string(seconds / 60) + " min" +
         (seconds % 60 != 0 ? " " + std::to_string(seconds % 60) + " s" : std::string());
}

std::string shell_quote(std::string_view word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("-_=./:,@+%").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(word);
  std::string out = "'";
  for (const char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string target_text(const json& target) {
  if (!target.is_object()) return shorten(json_text(target), 200);
  std::string out;
  for (const auto& [key, value] : target.items()) {
    if (!out.empty()) out += ' ';
    std::string text;
    if (value.is_string()) {
      const std::string& s = value.get_ref<const std::string&>();
      // Quoted, a value's escapes cannot be mistaken for its text (a backslash is \\).
      const bool ambiguous =
          s.empty() || s.find_first_of(" \"'\\") != std::string::npos || !core::is_printable(s);
      text = ambiguous ? json_text(value) : s;
    } else {
      text = json_text(value);
    }
    out += key + (value.is_structured() ? ":=" : "=") + shorten(text, 200);
  }
  return out.empty() ? "{}" : out;
}

std::string human_result(std::string_view type, const json& target,
                         const std::vector<std::string>& arguments,
                         const core::StopResult& result) {
  const sdk::StopOutcome& outcome = result.outcome;
  std::string line(sdk::to_string(outcome.code));
  if (result.dry_run) line += " (dry run)";
  line += ": ";
  line += type.empty() ? std::string("''") : shorten(type, 100);
  std::string subject;
  if (!target.is_null()) {
    subject = target_text(target);
  } else {
    for (const auto& argument : arguments)
      subject += (subject.empty() ? "" : " ") + shorten(argument, 100);
  }
  if (!subject.empty()) line += " " + subject;
  line += ": " + (outcome.message.empty() ? std::string("(no message)") : outcome.message);

  std::vector<std::string> items;
  if (result.dry_run) {
    items = dry_run_items(outcome.details);
  } else if (result.attempts > 0) {
    items.push_back(std::string("forced: ") + (outcome.forced ? "yes" : "no"));
    items.push_back("took " + format_duration(result.duration()));
    for (auto& item : detail_items(outcome.details)) items.push_back(std::move(item));
    if (result.attempts > 1) items.push_back("attempts: " + std::to_string(result.attempts));
    if (result.joined) items.push_back("joined a stop already in flight");
  }
  if (!items.empty()) {
    line += " (";
    for (std::size_t i = 0; i < items.size(); ++i) line += (i > 0 ? ", " : "") + items[i];
    line += ")";
  }
  return line;
}

json result_json(std::string_view type, const json& target, const core::StopResult& result) {
  json out = core::to_json(result);
  out["type"] = std::string(type);
  out["target"] = target;
  return out;
}

json error_json(std::string_view code, std::string_view message, int exit_code) {
  return json{
      {"code", std::string(code)}, {"message", std::string(message)}, {"exit_code", exit_code}};
}

}  // namespace stopd::cli
