#include "stopd/core/plugin_validation.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <string_view>

#include "plugin_process.hpp"

extern char** environ;

namespace stopd::core {
namespace {

// The checking process writes a few short lines; a plugin that floods stdout is cut off here.
constexpr std::size_t kMaxValidationOutputBytes = 4 * 1024 * 1024;

// The caller's whole environment, as a plugin loaded in process sees it: a constructor that reads
// a secret from the environment (settings {"env": NAME}) must find it here too.
std::map<std::string, std::string> caller_environment() {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals != std::string_view::npos && equals > 0)
      variables.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return variables;
}

}  // namespace

bool PluginValidation::ok() const {
  return crash.empty() && !checks.empty() &&
         std::all_of(checks.begin(), checks.end(), [](const PluginCheck& c) { return c.ok; });
}

PluginValidation validate_plugin_file(const std::filesystem::path& plugin_host,
                                      const std::filesystem::path& file,
                                      const nlohmann::json& settings_by_type,
                                      std::chrono::seconds timeout) {
  PluginProcessSpec spec;
  spec.executable = plugin_host;
  spec.arguments = {"--validate", file.string()};
  spec.settings.environment = caller_environment();
  // On stdin, not the command line: settings may hold credentials, and argv is public.
  const PluginHostAnswer answer =
      run_for_answer(std::move(spec), settings_by_type.dump(), timeout, kMaxValidationOutputBytes);

  PluginValidation validation;
  std::string last_step;
  bool finished = false;  // the last check it makes was reported, or one that ends the run
  std::istringstream lines(answer.output);
  std::string line;
  while (std::getline(lines, line)) {
    const auto parsed = nlohmann::json::parse(line, nullptr, false);
    if (!parsed.is_object()) continue;  // a plugin's own printing on stdout
    if (auto step = parsed.find("step"); step != parsed.end() && step->is_string()) {
      last_step = step->get<std::string>();
    } else if (auto descriptor = parsed.find("descriptor"); descriptor != parsed.end()) {
      validation.descriptor = *descriptor;
    } else if (auto name = parsed.find("check"); name != parsed.end() && name->is_string()) {
      PluginCheck check;
      check.name = name->get<std::string>();
      check.ok = parsed.value("ok", false);
      check.message = parsed.value("message", "");
      for (const auto& [key, value] : parsed.items())
        if (key != "check" && key != "ok" && key != "message") check.facts[key] = value;
      validation.checks.push_back(std::move(check));
    } else if (parsed.contains("done")) {
      finished = true;
    }
  }
  // Exit 0 or 1 with its last line written is the checker's own verdict; anything else is the
  // plugin taking the process down (a signal, exit(), a hang) in the middle of a step.
  const bool answered = answer.ended == "exit 0" || answer.ended == "exit 1";
  if (!answered || !finished) {
    validation.crash = answer.ended;
    validation.crashed_while = last_step.empty() ? "starting" : last_step;
  }
  return validation;
}

}  // namespace stopd::core
