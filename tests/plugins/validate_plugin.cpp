// A plugin for `stopctl plugins validate`, broken as its compile definitions say:
//   (none)                   well-behaved; its constructor checks `endpoint` (names the setting
//                            when it refuses it), needs the environment variable `token_env`
//                            names, as a secret would be given, and crashes (SIGSEGV) when
//                            `crash` is true
//   VALIDATE_BAD_PATTERN=1   its target schema's pattern is not a regular expression
//   VALIDATE_LIST_NO_SELECTOR=1  implements list() without a selector schema
//   VALIDATE_CRASH_ON_LOAD=1     a static initialiser dies of SIGSEGV as the library loads
#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <stopd/sdk.hpp>
#include <string>
#include <vector>

namespace {

#if defined(VALIDATE_CRASH_ON_LOAD)
// The kernel's own SIGSEGV, also in a sanitized build, whose handler would report it its way.
const int crashed_on_load = [] {
  std::signal(SIGSEGV, SIG_DFL);
  return std::raise(SIGSEGV);
}();
#endif

class ValidateProvider final : public stopd::sdk::IStopProvider {
 public:
  static constexpr char kName[] = "test.validate";
  static constexpr char kVersion[] = "2.1.0";
  static constexpr char kDescription[] = "Exists to be checked by stopctl plugins validate.";
  static constexpr char kConfigSchema[] = R"({"type": "object", "additionalProperties": false,
    "properties": {"endpoint": {"type": "string"}, "crash": {"type": "boolean"},
                   "token_env": {"type": "string"}}})";

  explicit ValidateProvider(const stopd::sdk::ProviderConfig& config) {
    if (config.settings.value("crash", false)) {
      // The kernel's own SIGSEGV, also in a sanitized build, whose handler would report it its way
      // (an exit status) instead.
      std::signal(SIGSEGV, SIG_DFL);
      std::raise(SIGSEGV);
    }
    if (const std::string name = config.settings.value("token_env", "");
        !name.empty() && std::getenv(name.c_str()) == nullptr)
      throw std::invalid_argument("settings.token_env: the environment variable " + name +
                                  " is not set");
    const std::string endpoint = config.settings.value("endpoint", "https://localhost");
    if (endpoint.rfind("https://", 0) != 0)
      throw std::invalid_argument("settings.endpoint: expected an https:// URL, got '" + endpoint +
                                  "'");
  }

  stopd::sdk::ProviderInfo info() const override {
    stopd::sdk::ProviderInfo info;
    info.name = kName;
    info.version = kVersion;
    info.description = kDescription;
#if defined(VALIDATE_BAD_PATTERN)
    const char* id_pattern = "^([a-z0-9]+$";
#else
    const char* id_pattern = "^[a-z0-9]+$";
#endif
    info.target_schema = {{"type", "object"},
                          {"required", {"id"}},
                          {"properties", {{"id", {{"type", "string"}, {"pattern", id_pattern}}}}}};
    return info;
  }

#if defined(VALIDATE_LIST_NO_SELECTOR)
  // list() without a selector schema: the host derives capabilities.list from this override.
  std::vector<nlohmann::json> list(const nlohmann::json&) override {
    return {};
  }
#endif

  stopd::sdk::StopOutcome stop(const stopd::sdk::StopRequest&, stopd::sdk::StopContext&) override {
    return stopd::sdk::StopOutcome::make(stopd::sdk::Code::stopped, "nothing to stop");
  }
};

}  // namespace

STOPD_PLUGIN(ValidateProvider)
