// local.process: the embedded default resource type. Stops a local process, a process group, the
// process named by a pidfile, or every process of a cgroup: the stop signal, the grace, then
// SIGKILL, every signal sent through a pidfd. All stops of one provider run on one event-loop
// thread (epoll over pidfds, one timerfd, one eventfd), started with the first stop.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "stopd/sdk/provider.hpp"
#include "stopd/sdk/provider_config.hpp"

namespace stopd::process {

class StopEngine;

class ProcessProvider final : public sdk::IStopProvider {
 public:
  static constexpr char kName[] = "local.process";
  static constexpr char kVersion[] = "1.0.0";
  static constexpr char kDescription[] =
      "Stops local processes: a pid (optionally pinned by start_time against pid reuse), a process "
      "group, the pid in a pidfile, or every process of a cgroup (v1 or v2, descendants included). "
      "Sends the stop signal (SIGTERM unless configured otherwise), waits for the grace, then "
      "sends "
      "SIGKILL; every signal goes through a pidfd, so a reused pid is never hit. Groups and "
      "cgroups "
      "are rescanned until empty, so processes forked during the stop are stopped too.";
  static constexpr char kConfigSchema[] = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "local.process settings",
  "type": "object",
  "properties": {
    "stop_signal": {
      "description": "The graceful stop signal when a request names none: \"SIGTERM\", \"TERM\" or 15.",
      "oneOf": [
        {"type": "string", "pattern": "^[A-Za-z0-9+-]+$"},
        {"type": "integer", "minimum": 1, "maximum": 64}
      ]
    }
  },
  "additionalProperties": false
})json";

  // Throws std::invalid_argument for a stop_signal that is not a signal.
  explicit ProcessProvider(const sdk::ProviderConfig& config);
  ~ProcessProvider() override;
  ProcessProvider(const ProcessProvider&) = delete;
  ProcessProvider& operator=(const ProcessProvider&) = delete;

  sdk::ProviderInfo info() const override;

  // Never blocks for long: parses the request, resolves the target (a /proc scan for a process
  // group), sends the first signal and hands the rest to the loop thread.
  void start(const sdk::StopRequest& request, std::shared_ptr<sdk::StopContext> context) override;

  // For callers that want to block: start() and wait for the outcome.
  sdk::StopOutcome stop(const sdk::StopRequest& request, sdk::StopContext& context) override;

  // running, or stopped (no such pid, nothing left in the group or cgroup, a zombie), or absent
  // (no such pidfile or cgroup directory). Throws StopError for invalid targets and for a pid now
  // owned by a different process than start_time says.
  sdk::Inspection inspect(const nlohmann::json& target) override;

  // {"cgroup": path} | {"pgid": N} | {"comm": name} → [{"pid": N, "start_time": T}, …], each a
  // valid target. This process and kernel threads are never listed.
  std::vector<nlohmann::json> list(const nlohmann::json& selector) override;

  // The configured graceful stop signal.
  int stop_signal() const { return stop_signal_; }

  // The loop thread's kernel thread id, 0 before the first stop; for diagnostics and tests.
  long loop_thread_tid() const;

 private:
  std::shared_ptr<sdk::Logger> logger_;
  int stop_signal_;
  std::shared_ptr<StopEngine> engine_;
};

}  // namespace stopd::process
