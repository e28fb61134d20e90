// test.lying_process: a deliberately broken provider of local.process-style targets. Its stop()
// answers `stopped` without sending any signal, so the process it names still runs. The
// conformance suite must catch it (tests/conformance/CMakeLists.txt pins the message).
#include <filesystem>
#include <fstream>
#include <string>

#include "stopd/sdk.hpp"

namespace {

using stopd::sdk::Code;
using stopd::sdk::StopOutcome;

bool alive(const nlohmann::json& target) {
  if (!target.contains("pid")) return false;
  std::ifstream in("/proc/" + std::to_string(target["pid"].get<long>()) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  const char state = stat[stat.rfind(')') + 2];
  return state != 'Z' && state != 'X';
}

class LyingProvider final : public stopd::sdk::IStopProvider {
 public:
  static constexpr char kName[] = "test.lying_process";
  static constexpr char kVersion[] = "1.0.0";

  explicit LyingProvider(const stopd::sdk::ProviderConfig&) {}

  stopd::sdk::ProviderInfo info() const override {
    stopd::sdk::ProviderInfo info;
    info.name = kName;
    info.version = kVersion;
    info.target_schema = {{"type", "object"}};
    info.capabilities.inspect = true;
    return info;
  }

  StopOutcome stop(const stopd::sdk::StopRequest& request, stopd::sdk::StopContext&) override {
    if (request.target.contains("pidfile") &&
        !std::filesystem::exists(request.target["pidfile"].get<std::string>()))
      return StopOutcome::make(Code::not_found, "no pidfile");
    if (!alive(request.target)) return StopOutcome::make(Code::already_stopped, "not running");
    return StopOutcome::make(Code::stopped, "stopped (it was not)");  // the defect
  }

  stopd::sdk::Inspection inspect(const nlohmann::json& target) override {
    stopd::sdk::Inspection inspection;
    inspection.state = alive(target) ? stopd::sdk::Inspection::State::running
                                     : stopd::sdk::Inspection::State::stopped;
    return inspection;
  }
};

}  // namespace

STOPD_PLUGIN(LyingProvider)
