// test.sloppy_process: a deliberately broken asynchronous provider of local.process-style
// targets. It kills the process it names, but calls complete() twice, and throws a bare
// std::runtime_error (not a StopError) for a pidfile that does not exist. The conformance suite
// must catch both (tests/conformance/CMakeLists.txt pins the messages).
#include <signal.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "stopd/sdk.hpp"

namespace {

using stopd::sdk::Code;
using stopd::sdk::StopOutcome;

class SloppyProvider final : public stopd::sdk::IStopProvider {
 public:
  static constexpr char kName[] = "test.sloppy_process";
  static constexpr char kVersion[] = "1.0.0";

  explicit SloppyProvider(const stopd::sdk::ProviderConfig&) {}

  stopd::sdk::ProviderInfo info() const override {
    stopd::sdk::ProviderInfo info;
    info.name = kName;
    info.version = kVersion;
    info.target_schema = {{"type", "object"}};
    info.capabilities.asynchronous = true;
    return info;
  }

  void start(const stopd::sdk::StopRequest& request,
             std::shared_ptr<stopd::sdk::StopContext> context) override {
    if (request.target.contains("pidfile") &&
        !std::filesystem::exists(request.target["pidfile"].get<std::string>()))
      throw std::runtime_error("no such pidfile");  // the first defect: not a StopError
    const auto pid = request.target.value("pid", 0);
    const bool killed = pid > 0 && ::kill(pid, SIGKILL) == 0;
    const auto outcome = StopOutcome::make(killed ? Code::stopped : Code::already_stopped, "");
    context->complete(outcome);
    context->complete(outcome);  // the second defect
  }
};

}  // namespace

STOPD_PLUGIN(SloppyProvider)
