// A plugin that misbehaves on request, for the tests of what the host survives: the target says
// what its stop() does. {"id": "any", "do": …}
//   "ok"        answer `stopped` at once
//   "hang"      block for `hang_seconds` (setting; default 120) ignoring the deadline and
//               cancellation, then answer `stopped`
//   "throw"     throw std::runtime_error
//   "exit"      call std::exit(1), as a plugin that gives up on the whole process would
//   "abort"     call std::abort()
//   "segfault"  write through a null pointer
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <stopd/sdk.hpp>
#include <thread>

namespace {

using stopd::sdk::Code;
using stopd::sdk::StopOutcome;

class MisbehavingProvider final : public stopd::sdk::IStopProvider {
 public:
  static constexpr char kName[] = "test.misbehave";
  static constexpr char kVersion[] = "1.0.0";
  static constexpr char kDescription[] = "Misbehaves as its target says (tests only).";
  static constexpr char kConfigSchema[] =
      R"({"type":"object","additionalProperties":false,"properties":{"hang_seconds":{"type":"number","minimum":0}}})";

  explicit MisbehavingProvider(const stopd::sdk::ProviderConfig& config)
      : hang_(std::chrono::duration<double>(config.settings.value("hang_seconds", 120.0))) {}

  stopd::sdk::ProviderInfo info() const override {
    stopd::sdk::ProviderInfo info;
    info.name = kName;
    info.version = kVersion;
    info.description = kDescription;
    info.target_schema = nlohmann::json::parse(R"({
      "type": "object", "required": ["id", "do"], "additionalProperties": false,
      "properties": {
        "id": {"type": "string"},
        "do": {"enum": ["ok", "hang", "throw", "exit", "abort", "segfault"]}
      }})");
    return info;
  }

  StopOutcome stop(const stopd::sdk::StopRequest& request, stopd::sdk::StopContext&) override {
    const std::string what = request.target["do"].get<std::string>();
    if (what == "hang") {
      std::this_thread::sleep_for(hang_);  // deliberately deaf to deadline and cancellation
    } else if (what == "throw") {
      throw std::runtime_error("misbehaving on purpose");
    } else if (what == "exit") {
      std::exit(1);
    } else if (what == "abort") {
      std::abort();
    } else if (what == "segfault") {
      volatile int* nowhere = nullptr;
      *nowhere = 1;
    }
    return StopOutcome::make(Code::stopped, "did " + what);
  }

 private:
  std::chrono::duration<double> hang_;
};

}  // namespace

STOPD_PLUGIN(MisbehavingProvider)
