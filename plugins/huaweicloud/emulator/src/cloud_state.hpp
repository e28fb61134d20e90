// What the emulated services know, and how it changes: clusters shutting down (at once, after a
// delay, or when their jobs finish), script instances and workflow executions running until they
// are stopped. Time-driven changes are applied when the state is read, so no timer threads are
// needed. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "fixture.hpp"

namespace stopd::hwemu {

class CloudState {
 public:
  using Clock = std::chrono::steady_clock;

  explicit CloudState(const Fixture& fixture) { reset(fixture); }
  // Back to the fixture's state; job durations count from now.
  void reset(const Fixture& fixture);

  // ---- CDM -------------------------------------------------------------------------------
  struct ClusterView {
    std::string id;
    std::string name;
    int status = 200;
    bool accepting_jobs = true;
    std::size_t running_jobs = 0;
  };
  std::optional<ClusterView> cluster(const std::string& project, const std::string& id);

  struct ClusterStop {
    enum class Result { accepted, not_found, refused } result = Result::accepted;
    std::string message;  // why it was refused
    std::vector<std::string> job_ids;
  };
  // delay_seconds: -1 = when the jobs finish, N > 0 = after N seconds; ignored if immediately.
  ClusterStop stop_cluster(const std::string& project, const std::string& id, bool immediately,
                           int delay_seconds);

  // ---- DLF -------------------------------------------------------------------------------
  enum class Lookup { found, no_script, no_instance };
  struct InstanceView {
    Lookup lookup = Lookup::found;
    std::string status;
  };
  InstanceView script_instance(const std::string& project, const std::string& workspace,
                               const std::string& script, const std::string& instance);
  InstanceView stop_script_instance(const std::string& project, const std::string& workspace,
                                    const std::string& script, const std::string& instance);

  // ---- FunctionGraph ---------------------------------------------------------------------
  struct ExecutionView {
    enum class Lookup { found, no_graph, no_execution } lookup = Lookup::found;
    std::string status;
    std::string stopped_at;
  };
  ExecutionView stop_execution(const std::string& project, const std::string& graph_urn,
                               const std::string& execution_urn);

  // Everything, for GET /_emulator/state.
  nlohmann::json snapshot();

 private:
  struct Cluster {
    ClusterSpec spec;
    int status = 200;
    std::vector<Clock::time_point> job_ends;
    bool draining = false;
    std::optional<Clock::time_point> stops_at;
    std::vector<std::string> job_ids;
  };
  struct Instance {
    ScriptInstanceSpec spec;
    std::string status;
    std::optional<Clock::time_point> ends_at;  // stopped: FAILED from then on
  };
  struct Execution {
    ExecutionSpec spec;
    std::string status;
    std::string stopped_at;
  };

  void advance(Cluster& cluster, Clock::time_point now);
  void advance(Instance& instance, Clock::time_point now);
  std::string new_job_id();

  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, Cluster> clusters_;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, Instance> instances_;
  std::map<std::tuple<std::string, std::string, std::string>, Execution> executions_;
  unsigned long long job_counter_ = 0;
  std::chrono::milliseconds delay_second_{1000};  // Fixture::cdm_delay_second
};

// "2024-01-02T03:04:05.678Z", FunctionGraph's stopped_at format.
std::string iso8601_now_utc();

}  // namespace stopd::hwemu
