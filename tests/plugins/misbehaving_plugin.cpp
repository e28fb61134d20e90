// A plugin that misbehaves on request, for the tests of what the host survives: the target says
// what its stop() does. {"id": "any", "do": …}
//   "ok"        answer `stopped` at once
//   "hang"      block for `hang_seconds` (setting; default 120) ignoring the deadline and
//               cancellation, then answer `stopped`
//   "throw"     throw std::runtime_error
//   "exit"      call std::exit(1), as a plugin that gives up on the whole process would
//   "abort"     call std::abort()
//   "segfault"  die of SIGSEGV
//   "segfault_once"  segfault unless the file `marker` exists, creating it first: the first call
//               crashes, a retry (in a restarted plugin host) succeeds
//   "spin"      burn CPU for `hang_seconds` (what RLIMIT_CPU is for)
//   "alloc"     allocate 4 GiB (what RLIMIT_AS is for)
//   "whoami"    answer `stopped` with "uid=U gid=G" of the process running it
//   "env"       answer `stopped` with details.names: the names in its environment
// Its list() does as its selector says, {"do": "ok" | "hang", "marker": FILE}: "hang" creates
// FILE if given (a test sees list() has begun), then blocks for `hang_seconds`; both then list
// one target, {"id": "listed", "do": "ok"}.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <stopd/sdk.hpp>
#include <thread>
#include <vector>

extern char** environ;

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
    info.target_schema = nlohmann::json::parse(R"({
      "type": "object", "required": ["id", "do"], "additionalProperties": false,
      "properties": {
        "id": {"type": "string"},
        "do": {"enum": ["ok", "hang", "throw", "exit", "abort", "segfault", "segfault_once",
                        "spin", "alloc", "whoami", "env"]},
        "marker": {"type": "string"}
      }})");
    info.selector_schema = nlohmann::json::parse(R"({
      "type": "object", "required": ["do"], "additionalProperties": false,
      "properties": {"do": {"enum": ["ok", "hang"]}, "marker": {"type": "string"}}})");
    return info;
  }

  std::vector<nlohmann::json> list(const nlohmann::json& selector) override {
    if (selector["do"] == "hang") {
      if (selector.contains("marker"))
        std::ofstream(selector["marker"].get<std::string>()) << "listing\n";
      std::this_thread::sleep_for(hang_);  // deaf to everything, as stop()'s "hang"
    }
    return {{{"id", "listed"}, {"do", "ok"}}};
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
    } else if (what == "segfault" || what == "segfault_once") {
      if (what == "segfault_once") {
        const std::string marker = request.target.value("marker", "");
        if (marker.empty() || std::filesystem::exists(marker))
          return StopOutcome::make(Code::stopped, "did not crash: the marker exists");
        std::ofstream(marker) << "crashed\n";
      }
      // The kernel's own SIGSEGV, as a null dereference gets it, also where a sanitizer would
      // catch the dereference and report it its way (abort) instead.
      std::signal(SIGSEGV, SIG_DFL);
      std::raise(SIGSEGV);
    } else if (what == "spin") {
      const auto until = std::chrono::steady_clock::now() + hang_;
      volatile std::uint64_t sink = 0;
      while (std::chrono::steady_clock::now() < until) sink = sink + 1;
    } else if (what == "alloc") {
      std::unique_ptr<char[]> block(new char[std::size_t{4} << 30]);  // not zeroed: no touching
      block[0] = 1;
      return StopOutcome::make(Code::stopped, "allocated 4 GiB");
    } else if (what == "whoami") {
      return StopOutcome::make(
          Code::stopped, "uid=" + std::to_string(getuid()) + " gid=" + std::to_string(getgid()));
    } else if (what == "env") {
      std::vector<std::string> names;
      for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string text(*entry);
        names.push_back(text.substr(0, text.find('=')));
      }
      std::sort(names.begin(), names.end());
      return StopOutcome::make(Code::stopped, "environment", {{"names", names}});
    }
    return StopOutcome::make(Code::stopped, "did " + what);
  }

 private:
  std::chrono::duration<double> hang_;
};

}  // namespace

STOPD_PLUGIN(MisbehavingProvider)
