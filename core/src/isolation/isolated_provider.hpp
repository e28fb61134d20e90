// A provider whose plugin runs in a stopd-plugin-host process of its own
// (`providers.<type>.isolation: "process"`). To the dispatcher it is an ordinary asynchronous
// provider; behind it, a supervisor keeps the process running:
//   - its death (signal, exit, broken socket) is seen at once through a pidfd; the stops it had
//     in flight end `unavailable` ("the TYPE plugin host died: SIGSEGV"), which the dispatcher
//     retries, or `internal` once a stop has been in flight at quarantine_after_crashes deaths;
//   - it is restarted with capped, jittered exponential backoff (at once if it had served);
//   - stops that arrive while it is down wait for it until their deadline;
//   - a stop still running kill_after_deadline past its deadline gets the process killed.
// Nothing here waits on the plugin without a bound.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "stopd/core/isolation.hpp"
#include "stopd/sdk/provider.hpp"

namespace stopd::core {

struct IsolatedProviderSpec {
  std::string type;
  std::filesystem::path library;
  nlohmann::json settings = nlohmann::json::object();
  PluginHostSettings plugin_host;
  std::filesystem::path executable;  // stopd-plugin-host
  std::string log_level = "warn";
};

// The plugin host refused the plugin; `settings` when the refusal is about the settings given.
class PluginRefused : public std::runtime_error {
 public:
  PluginRefused(const std::string& reason, bool settings_refused)
      : std::runtime_error(reason), settings(settings_refused) {}
  bool settings;
};

class IsolatedProvider final : public sdk::IStopProvider, public SupervisedPlugin {
 public:
  // Starts the plugin host and opens the plugin in it. Throws std::runtime_error with the reason
  // when it cannot (refused by the loader, the factory threw, the process died or did not answer).
  static std::shared_ptr<IsolatedProvider> launch(IsolatedProviderSpec spec);
  ~IsolatedProvider() override;  // shut_down()

  sdk::ProviderInfo info() const override;
  void start(const sdk::StopRequest& request, std::shared_ptr<sdk::StopContext> context) override;
  sdk::Inspection inspect(const nlohmann::json& target) override;
  std::vector<nlohmann::json> list(const nlohmann::json& selector) override;

  PluginHostStatus status() const override;
  // Ends the process (closes its session, SIGKILL after kShutdownGrace) and forgets the stops it
  // had; bounded. Idempotent.
  void shut_down() override;

  struct State;

 private:
  explicit IsolatedProvider(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace stopd::core
