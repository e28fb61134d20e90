#include "plugin_self_check.hpp"

#include <cstddef>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "stopd/core/json_schema.hpp"
#include "stopd/core/plugin_loader.hpp"
#include "stopd/sdk/plugin.hpp"

namespace stopd::core {
namespace {

using nlohmann::json;

class Report {
 public:
  void line(const json& value) {
    std::cout << value.dump(-1, ' ', false, json::error_handler_t::replace) << '\n' << std::flush;
  }
  void step(const std::string& what) { line({{"step", what}}); }
  bool check(const std::string& name, const std::function<void()>& run,
             json facts = json::object()) {
    facts["check"] = name;
    try {
      run();
      facts["ok"] = true;
    } catch (const std::exception& e) {
      facts["ok"] = false;
      facts["message"] = e.what();
      failed_ = true;
    } catch (...) {
      facts["ok"] = false;
      facts["message"] = "threw a non-standard exception";
      failed_ = true;
    }
    const bool ok = facts["ok"].get<bool>();
    line(facts);
    return ok;
  }
  bool failed() const { return failed_; }

 private:
  bool failed_ = false;
};

std::string text_or_empty(const char* text) {
  return text ? text : "";
}

std::string version_pair(unsigned major, unsigned minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// What info() and the descriptor say that cannot all be true. Each rule returns the problem in
// words, or nothing; a rule is one entry here.
using CapabilityRule = std::function<std::optional<std::string>(const sdk::ProviderInfo&)>;

bool is_empty_schema(const json& schema) {
  return schema.is_null() || (schema.is_object() && schema.empty()) ||
         (schema.is_boolean() && schema.get<bool>());
}

const std::vector<CapabilityRule>& capability_rules() {
  static const std::vector<CapabilityRule> rules = {
      [](const sdk::ProviderInfo& info) -> std::optional<std::string> {
        if (info.capabilities.list && is_empty_schema(info.selector_schema))
          return "capabilities.list is set but selector_schema is empty: every selector would be "
                 "accepted unchecked; publish the keys list() understands";
        return std::nullopt;
      },
      [](const sdk::ProviderInfo& info) -> std::optional<std::string> {
        if (!info.capabilities.list && !is_empty_schema(info.selector_schema))
          return "selector_schema is published but capabilities.list is not set: the host never "
                 "calls list(), so selectors are refused; set capabilities.list or drop the schema";
        return std::nullopt;
      },
  };
  return rules;
}

void check_capabilities(const sdk::ProviderInfo& info) {
  std::string problems;
  for (const auto& rule : capability_rules())
    if (auto problem = rule(info)) problems += (problems.empty() ? "" : "; ") + *problem;
  if (!problems.empty()) throw std::runtime_error(problems);
}

json capabilities_json(const sdk::Capabilities& c) {
  return {{"asynchronous", c.asynchronous},
          {"inspect", c.inspect},
          {"list", c.list},
          {"drain", c.drain}};
}

void check_published_schema(const json& schema) {
  try {
    JsonSchema compiled(schema);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
}

// Each check that fails ends the run where what follows would need it to have passed.
void run_checks(Report& report, const std::filesystem::path& file, const json& settings_by_type) {
  const sdk::PluginDescriptor* descriptor = nullptr;
  report.step("loading the library (its static initialisers run)");
  if (!report.check("library", [&] { descriptor = &plugin_steps::open(file); })) return;
  const sdk::PluginDescriptor& d = *descriptor;

  const std::string host_abi = version_pair(sdk::kAbiMajor, sdk::kAbiMinor);
  const bool abi_readable = d.struct_size >= offsetof(sdk::PluginDescriptor, toolchain);
  const json abi_facts = {
      {"plugin", abi_readable ? version_pair(d.abi_major, d.abi_minor) : std::string("unreadable")},
      {"host", host_abi}};
  // Past a failed ABI check the struct's layout is unknown: nothing more is read from it.
  if (!report.check(
          "abi", [&] { plugin_steps::check_abi(d); }, abi_facts))
    return;

  report.line({{"descriptor",
                {{"name", text_or_empty(d.name)},
                 {"version", text_or_empty(d.version)},
                 {"description", text_or_empty(d.description)},
                 {"abi", version_pair(d.abi_major, d.abi_minor)},
                 {"toolchain", text_or_empty(d.toolchain)},
                 {"compiler", text_or_empty(d.compiler)},
                 {"has_config_schema", d.config_schema != nullptr && *d.config_schema != '\0'}}}});
  const json toolchain_facts = {{"plugin", text_or_empty(d.toolchain)},
                                {"plugin_compiler", text_or_empty(d.compiler)},
                                {"host", STOPD_SDK_TOOLCHAIN_TAG},
                                {"host_compiler", STOPD_SDK_COMPILER}};
  // A foreign toolchain's C++ objects cannot be touched: the constructor is not called.
  if (!report.check(
          "toolchain", [&] { plugin_steps::check_toolchain(d); }, toolchain_facts))
    return;
  if (!report.check("descriptor", [&] { plugin_steps::check_identity(d); })) return;

  const std::string name = d.name;
  const std::string config_schema = text_or_empty(d.config_schema);
  const bool config_schema_usable = report.check("config_schema", [&] {
    if (config_schema.empty()) return;
    json parsed;
    try {
      parsed = json::parse(config_schema);
    } catch (const json::parse_error& e) {
      throw std::runtime_error(std::string("not JSON: ") + e.what());
    }
    check_published_schema(parsed);
  });
  if (!config_schema_usable) return;

  json settings = json::object();
  if (settings_by_type.is_object())
    if (auto it = settings_by_type.find(name); it != settings_by_type.end()) settings = *it;
  // The loader never constructs a provider with settings its schema refuses.
  if (!report.check("settings", [&] { plugin_steps::check_settings(d, settings); })) return;

  std::shared_ptr<sdk::IStopProvider> provider;
  report.step("constructing the provider");
  if (!report.check("constructor", [&] { provider = plugin_steps::create(d, settings); })) return;

  sdk::ProviderInfo info;
  report.step("calling info()");
  if (!report.check("info", [&] { info = plugin_steps::info(d, *provider); })) return;

  report.check("target_schema", [&] { check_published_schema(info.target_schema); });
  report.check("options_schema", [&] { check_published_schema(info.options_schema); });
  report.check("selector_schema", [&] { check_published_schema(info.selector_schema); });
  report.check("capabilities", [&] { check_capabilities(info); },
               {{"capabilities", capabilities_json(info.capabilities)}});
}

}  // namespace

int self_check_plugin(const std::filesystem::path& file, const json& settings_by_type) {
  Report report;
  run_checks(report, file, settings_by_type);
  report.line({{"done", true}});  // what tells a finished run from a plugin that exit()ed
  return report.failed() ? 1 : 0;
}

}  // namespace stopd::core
