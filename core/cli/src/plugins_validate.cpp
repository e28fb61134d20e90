#include "stopd/cli/plugins_validate.hpp"

#include <filesystem>
#include <system_error>

#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/local_core.hpp"
#include "stopd/core/isolation.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/core/plugin_validation.hpp"

namespace stopd::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The config's providers.<type>.settings, by type: what the daemon would hand each factory.
json settings_by_type(const GlobalOptions& global) {
  json settings = json::object();
  if (!global.config_file) return settings;
  const core::HostConfig config = load_config(global);
  for (const auto& [type, provider] : config.providers) settings[type] = provider.settings;
  return settings;
}

// Refused here rather than by the checking process: "no such file" says more than a loader error.
void check_readable_file(const std::string& file) {
  if (file.empty()) throw usage_error("FILE is empty: name a plugin library (.so)");
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (ec || !fs::exists(status))
    throw config_error(
        file + ": cannot open: " + (ec ? ec.message() : std::string("No such file or directory")));
  if (!fs::is_regular_file(status))
    throw config_error(file + ": not a regular file: expected a plugin library (.so)");
}

std::string check_title(const std::string& name) {
  if (name == "library") return "library";
  if (name == "abi") return "ABI";
  if (name == "toolchain") return "toolchain";
  if (name == "descriptor") return "descriptor";
  if (name == "config_schema") return "config schema";
  if (name == "settings") return "settings";
  if (name == "constructor") return "constructor";
  if (name == "info") return "info()";
  if (name == "capabilities") return "capabilities";
  return name;  // target_schema, options_schema, selector_schema: the names authors write
}

std::string fact(const core::PluginCheck& check, const char* key) {
  const auto it = check.facts.find(key);
  return it != check.facts.end() && it->is_string() ? it->get<std::string>() : "?";
}

// What a passing check says beyond "ok": both sides of the ABI and toolchain verdicts.
std::string detail_of(const core::PluginCheck& check, const std::string& config_note) {
  if (check.name == "abi")
    return "plugin " + fact(check, "plugin") + ", this stopctl " + fact(check, "host");
  if (check.name == "toolchain")
    return "plugin " + fact(check, "plugin") + " (" + fact(check, "plugin_compiler") +
           "), this stopctl " + fact(check, "host") + " (" + fact(check, "host_compiler") + ")";
  if (check.name == "settings") return config_note;
  if (check.name == "capabilities") {
    const json& c = check.facts.value("capabilities", json::object());
    std::string text = c.value("asynchronous", false) ? "asynchronous" : "synchronous";
    for (const char* name : {"inspect", "list", "drain"})
      if (c.value(name, false)) text += std::string(", ") + name;
    return text;
  }
  return "";
}

std::string descriptor_field(const json& descriptor, const char* key) {
  const auto it = descriptor.find(key);
  return it != descriptor.end() && it->is_string() ? core::printable(it->get<std::string>()) : "";
}

void print_human(const std::string& file, const core::PluginValidation& validation,
                 const std::string& config_note, Console& console) {
  console.out("plugin " + core::printable(file));
  if (validation.descriptor.is_object()) {
    const json& d = validation.descriptor;
    console.out("  name:         " + descriptor_field(d, "name"));
    console.out("  version:      " + descriptor_field(d, "version"));
    const std::string description = descriptor_field(d, "description");
    console.out("  description:  " + (description.empty() ? "(none)" : description));
    console.out("  ABI:          " + descriptor_field(d, "abi"));
    console.out("  toolchain:    " + descriptor_field(d, "toolchain"));
    console.out("  compiler:     " + descriptor_field(d, "compiler"));
  }
  console.out("checks:");
  std::size_t problems = 0;
  for (const auto& check : validation.checks) {
    std::string line = "  " + std::string(check.ok ? "ok    " : "FAIL  ") + check_title(check.name);
    const std::string detail = check.ok ? detail_of(check, config_note) : check.message;
    if (!check.ok && (check.name == "abi" || check.name == "toolchain"))
      line += ": " + core::printable(detail) + " [" + detail_of(check, config_note) + "]";
    else if (!detail.empty())
      line += ": " + core::printable(detail);
    console.out(line);
    if (!check.ok) ++problems;
  }
  if (!validation.crash.empty()) {
    console.out("  FAIL  crashed: the plugin ended the checking process (" + validation.crash +
                ") while " + validation.crashed_while);
    ++problems;
  }
  console.out("");
  console.out(validation.ok() ? "valid: stopd would load this plugin"
                              : "invalid: " + std::to_string(problems) + " problem" +
                                    (problems == 1 ? "" : "s"));
}

json as_json(const std::string& file, const core::PluginValidation& validation,
             const std::string& config_note) {
  json out = {{"file", file},
              {"valid", validation.ok()},
              {"descriptor", validation.descriptor},
              {"checks", json::array()}};
  for (const auto& check : validation.checks) {
    json entry = check.facts;
    entry["check"] = check.name;
    entry["ok"] = check.ok;
    if (!check.ok) entry["message"] = check.message;
    if (check.name == "settings") entry["source"] = config_note;
    out["checks"].push_back(std::move(entry));
  }
  if (!validation.crash.empty())
    out["crash"] = {{"ended", validation.crash}, {"while", validation.crashed_while}};
  return out;
}

}  // namespace

int run_plugins_validate(const GlobalOptions& global, const ValidateArguments& args,
                         Console& console) {
  check_readable_file(args.file);
  const json settings = settings_by_type(global);
  core::PluginValidation validation;
  try {
    validation = core::validate_plugin_file(core::default_plugin_host_executable(),
                                            fs::absolute(args.file), settings);
  } catch (const std::exception& e) {
    throw outcome_error(
        sdk::Code::internal,
        std::string("cannot run the plugin in a stopd-plugin-host process: ") + e.what());
  }
  const std::string type = validation.descriptor.is_object()
                               ? descriptor_field(validation.descriptor, "name")
                               : std::string("<type>");
  const std::string config_note = global.config_file
                                      ? "providers." + type + ".settings of " + *global.config_file
                                      : "no --config: checked with empty settings";
  if (console.json())
    console.out_json(as_json(args.file, validation, config_note));
  else
    print_human(args.file, validation, config_note, console);
  return validation.ok() ? core::exit_code::ok : core::exit_code::config;
}

}  // namespace stopd::cli
