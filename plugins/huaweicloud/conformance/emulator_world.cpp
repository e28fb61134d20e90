#include "emulator_world.hpp"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <system_error>

namespace stopd::hwconformance {
namespace {

using nlohmann::json;

// Distinctive, so that a look through a run's output for "SECRET" finds any leak.
constexpr char kAccessKey[] = "AKCONFORMANCE0000001";
constexpr char kSecretKey[] = "sk-SECRET-conformance-5d8e21c7";

constexpr std::array<const char*, 6> kPoolNames = {"idle_cluster",      "stopped_cluster",
                                                   "running_instance",  "finished_instance",
                                                   "running_execution", "stopped_execution"};

std::string id_of(Pool pool, int index) {
  std::array<char, 160> text{};
  switch (pool) {
    case Pool::idle_cluster:
      std::snprintf(text.data(), text.size(), "cf000000-0000-4000-8000-%012d", index);
      break;
    case Pool::stopped_cluster:
      std::snprintf(text.data(), text.size(), "cf000000-0000-4000-8900-%012d", index);
      break;
    case Pool::running_instance:
      std::snprintf(text.data(), text.size(), "conf-run-%04d", index);
      break;
    case Pool::finished_instance:
      std::snprintf(text.data(), text.size(), "conf-done-%04d", index);
      break;
    case Pool::running_execution:
      std::snprintf(text.data(), text.size(), "urn:fgs:cn-north-4:%s:execution:conformance:run:%d",
                    kProject, index);
      break;
    case Pool::stopped_execution:
      std::snprintf(text.data(), text.size(),
                    "urn:fgs:cn-north-4:%s:execution:conformance:stopped:%d", kProject, index);
      break;
  }
  return text.data();
}

json world() {
  json world;
  world["credentials"]["access_keys"] = {
      {{"access_key", kAccessKey}, {"secret_key", kSecretKey}, {"project_id", kProject}}};
  // CDM waits out a graceful stop's delayTime (the grace) in full: 30 s for the suite's default
  // grace. Its seconds last kCdmDelaySecondMs here.
  world["cdm"]["delay_second_ms"] = kCdmDelaySecondMs;
  auto& clusters = world["cdm"]["clusters"] = json::array();
  auto& instances = world["dlf"]["script_instances"] = json::array();
  auto& executions = world["functiongraph"]["executions"] = json::array();
  for (int i = 0; i < kPoolSize; ++i) {
    clusters.push_back({{"project_id", kProject},
                        {"cluster_id", id_of(Pool::idle_cluster, i)},
                        {"name", "conformance-idle"}});
    clusters.push_back({{"project_id", kProject},
                        {"cluster_id", id_of(Pool::stopped_cluster, i)},
                        {"name", "conformance-stopped"},
                        {"status", 900}});
    instances.push_back({{"project_id", kProject},
                         {"script_name", kScript},
                         {"instance_id", id_of(Pool::running_instance, i)},
                         {"stop_delay_ms", kInstanceStopDelayMs}});
    instances.push_back({{"project_id", kProject},
                         {"script_name", kScript},
                         {"instance_id", id_of(Pool::finished_instance, i)},
                         {"status", "FINISHED"}});
    executions.push_back({{"project_id", kProject},
                          {"graph_urn", kGraph},
                          {"execution_urn", id_of(Pool::running_execution, i)}});
    executions.push_back({{"project_id", kProject},
                          {"graph_urn", kGraph},
                          {"execution_urn", id_of(Pool::stopped_execution, i)},
                          {"status", "STOPPED"}});
  }
  return world;
}

std::unique_ptr<hwtest::EmulatorProcess> start() {
  const auto file = std::filesystem::temp_directory_path() /
                    ("stopd-hwcloud-conformance-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << world().dump();
  std::unique_ptr<hwtest::EmulatorProcess> process;
  try {
    process = std::make_unique<hwtest::EmulatorProcess>(file);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
    throw;
  }
  // The emulator read the world when it started; it holds it (for resets) from then on.
  std::error_code ignored;
  std::filesystem::remove(file, ignored);
  return process;
}

}  // namespace

const hwtest::EmulatorProcess& emulator() {
  // Destroyed at exit, which stops the emulator (SIGTERM, SIGKILL after 5 s).
  static const std::unique_ptr<hwtest::EmulatorProcess> process = start();
  return *process;
}

std::string take(Pool pool) {
  static std::array<int, kPoolNames.size()> taken{};
  int& next = taken.at(static_cast<std::size_t>(pool));
  if (next >= kPoolSize)
    throw std::runtime_error(std::string("the emulator's world has no ") +
                             kPoolNames.at(static_cast<std::size_t>(pool)) + " left (all " +
                             std::to_string(kPoolSize) + " taken): enlarge kPoolSize");
  return id_of(pool, next++);
}

std::string missing_id(Pool pool) {
  return id_of(pool, kPoolSize + 1);
}

json settings() {
  return {{"endpoint", emulator().url()},
          {"auth", {{"access_key", kAccessKey}, {"secret_key", kSecretKey}}},
          {"retry", {{"max_attempts", 5}, {"initial_backoff_ms", 20}, {"max_backoff_ms", 200}}},
          {"poll_interval_ms", 50},
          {"rate_limit", {{"requests_per_second", 0}}}};
}

json state() {
  return emulator().state();
}

}  // namespace stopd::hwconformance
