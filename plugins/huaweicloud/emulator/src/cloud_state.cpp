#include "cloud_state.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

namespace stopd::hwemu {
namespace {

constexpr int kNormal = 200;
constexpr int kStopped = 900;
constexpr int kStopping = 910;

}  // namespace

std::string iso8601_now_utc() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  std::array<char, 40> text{};
  const auto size = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  std::array<char, 8> fraction{};
  std::snprintf(fraction.data(), fraction.size(), ".%03lldZ", static_cast<long long>(millis));
  return std::string(text.data(), size) + fraction.data();
}

void CloudState::reset(const Fixture& fixture) {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  clusters_.clear();
  instances_.clear();
  executions_.clear();
  delay_second_ = fixture.cdm_delay_second;
  for (const auto& spec : fixture.clusters) {
    Cluster cluster{spec, spec.status, {}, false, std::nullopt, {}};
    for (const auto& job : spec.jobs) cluster.job_ends.push_back(now + job.duration);
    clusters_[{spec.project_id, spec.cluster_id}] = std::move(cluster);
  }
  for (const auto& spec : fixture.script_instances)
    instances_[{spec.project_id, spec.workspace, spec.script_name, spec.instance_id}] =
        Instance{spec, spec.status, std::nullopt};
  for (const auto& spec : fixture.executions)
    executions_[{spec.project_id, spec.graph_urn, spec.execution_urn}] =
        Execution{spec, spec.status, ""};
}

void CloudState::advance(Cluster& cluster, Clock::time_point now) {
  std::erase_if(cluster.job_ends, [now](Clock::time_point end) { return end <= now; });
  if (cluster.status != kStopping) return;
  if ((cluster.draining && cluster.job_ends.empty()) ||
      (cluster.stops_at && now >= *cluster.stops_at)) {
    cluster.status = kStopped;
    cluster.job_ends.clear();
  }
}

void CloudState::advance(Instance& instance, Clock::time_point now) {
  if (instance.ends_at && now >= *instance.ends_at) {
    instance.status = "FAILED";  // a stopped run ends as failed: DLF documents no other end state
    instance.ends_at.reset();
  }
}

std::string CloudState::new_job_id() {
  std::array<char, 40> text{};
  std::snprintf(text.data(), text.size(), "ff8080815e59d92d%016llx", ++job_counter_);
  return text.data();
}

std::optional<CloudState::ClusterView> CloudState::cluster(const std::string& project,
                                                           const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto it = clusters_.find({project, id});
  if (it == clusters_.end()) return std::nullopt;
  advance(it->second, Clock::now());
  const Cluster& cluster = it->second;
  return ClusterView{cluster.spec.cluster_id, cluster.spec.name, cluster.status,
                     cluster.status == kNormal, cluster.job_ends.size()};
}

CloudState::ClusterStop CloudState::stop_cluster(const std::string& project, const std::string& id,
                                                 bool immediately, int delay_seconds) {
  std::lock_guard lock(mutex_);
  ClusterStop stop;
  const auto it = clusters_.find({project, id});
  if (it == clusters_.end()) {
    stop.result = ClusterStop::Result::not_found;
    return stop;
  }
  const auto now = Clock::now();
  Cluster& cluster = it->second;
  advance(cluster, now);
  if (cluster.status == kStopped) {
    stop.result = ClusterStop::Result::refused;
    stop.message = "The cluster is already stopped.";
    return stop;
  }
  if (cluster.status == kStopping && !immediately) {
    stop.result = ClusterStop::Result::refused;
    stop.message = "The cluster is already being stopped.";
    return stop;
  }
  if (cluster.status != kNormal && cluster.status != kStopping) {
    stop.result = ClusterStop::Result::refused;
    stop.message =
        "The cluster's status " + std::to_string(cluster.status) + " does not allow a stop.";
    return stop;
  }
  stop.job_ids.push_back(new_job_id());
  cluster.job_ids.push_back(stop.job_ids.back());
  if (immediately) {
    cluster.status = kStopped;
    cluster.job_ends.clear();
  } else {
    cluster.status = kStopping;  // accepts no new jobs from here on
    cluster.draining = delay_seconds < 0;
    if (delay_seconds > 0) cluster.stops_at = now + delay_second_ * delay_seconds;
    advance(cluster, now);  // draining with no jobs left: stopped at once
  }
  return stop;
}

CloudState::InstanceView CloudState::script_instance(const std::string& project,
                                                     const std::string& workspace,
                                                     const std::string& script,
                                                     const std::string& instance) {
  std::lock_guard lock(mutex_);
  const auto it = instances_.find({project, workspace, script, instance});
  if (it == instances_.end()) {
    const bool script_exists =
        std::any_of(instances_.begin(), instances_.end(), [&](const auto& e) {
          return std::get<0>(e.first) == project && std::get<1>(e.first) == workspace &&
                 std::get<2>(e.first) == script;
        });
    return InstanceView{script_exists ? Lookup::no_instance : Lookup::no_script, ""};
  }
  advance(it->second, Clock::now());
  return InstanceView{Lookup::found, it->second.status};
}

CloudState::InstanceView CloudState::stop_script_instance(const std::string& project,
                                                          const std::string& workspace,
                                                          const std::string& script,
                                                          const std::string& instance) {
  auto view = script_instance(project, workspace, script, instance);
  if (view.lookup != Lookup::found) return view;
  std::lock_guard lock(mutex_);
  Instance& found = instances_.at({project, workspace, script, instance});
  const auto now = Clock::now();
  if ((found.status == "RUNNING" || found.status == "LAUNCHING") && !found.ends_at) {
    found.ends_at = now + found.spec.stop_delay;
    advance(found, now);
  }
  return InstanceView{Lookup::found, found.status};
}

CloudState::ExecutionView CloudState::stop_execution(const std::string& project,
                                                     const std::string& graph_urn,
                                                     const std::string& execution_urn) {
  std::lock_guard lock(mutex_);
  ExecutionView view;
  const auto it = executions_.find({project, graph_urn, execution_urn});
  if (it == executions_.end()) {
    const bool graph_exists =
        std::any_of(executions_.begin(), executions_.end(), [&](const auto& e) {
          return std::get<0>(e.first) == project && std::get<1>(e.first) == graph_urn;
        });
    view.lookup =
        graph_exists ? ExecutionView::Lookup::no_execution : ExecutionView::Lookup::no_graph;
    return view;
  }
  Execution& execution = it->second;
  if (execution.status == "RUNNING") {
    execution.status = "STOPPED";
    execution.stopped_at = iso8601_now_utc();
  }
  view.status = execution.status;
  view.stopped_at = execution.stopped_at;
  return view;
}

nlohmann::json CloudState::snapshot() {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  nlohmann::json state = {{"clusters", nlohmann::json::array()},
                          {"script_instances", nlohmann::json::array()},
                          {"executions", nlohmann::json::array()}};
  for (auto& [key, cluster] : clusters_) {
    advance(cluster, now);
    state["clusters"].push_back({{"project_id", key.first},
                                 {"cluster_id", key.second},
                                 {"status", cluster.status},
                                 {"accepting_jobs", cluster.status == kNormal},
                                 {"running_jobs", cluster.job_ends.size()},
                                 {"draining", cluster.draining},
                                 {"job_ids", cluster.job_ids}});
  }
  for (auto& [key, instance] : instances_) {
    advance(instance, now);
    state["script_instances"].push_back({{"project_id", std::get<0>(key)},
                                         {"workspace", std::get<1>(key)},
                                         {"script_name", std::get<2>(key)},
                                         {"instance_id", std::get<3>(key)},
                                         {"status", instance.status}});
  }
  for (const auto& [key, execution] : executions_)
    state["executions"].push_back({{"project_id", std::get<0>(key)},
                                   {"graph_urn", std::get<1>(key)},
                                   {"execution_urn", std::get<2>(key)},
                                   {"status", execution.status},
                                   {"stopped_at", execution.stopped_at}});
  return state;
}

}  // namespace stopd::hwemu
