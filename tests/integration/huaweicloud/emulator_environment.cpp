#include "emulator_environment.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace stopd::hwtest {
namespace {

class EmulatorEnvironment final : public ::testing::Environment {
 public:
  void SetUp() override {
    fixture_ = std::filesystem::temp_directory_path() /
               ("stopd-hwcloud-world-" + std::to_string(::getpid()) + ".json");
    std::ofstream(fixture_) << test_world().dump(2);
    process_ = std::make_unique<EmulatorProcess>(fixture_);
  }
  void TearDown() override {
    process_.reset();
    std::error_code ignored;
    std::filesystem::remove(fixture_, ignored);
  }
  const EmulatorProcess& process() const { return *process_; }

 private:
  std::filesystem::path fixture_;
  std::unique_ptr<EmulatorProcess> process_;
};

EmulatorEnvironment* const environment = dynamic_cast<EmulatorEnvironment*>(
    ::testing::AddGlobalTestEnvironment(new EmulatorEnvironment));

nlohmann::json instance(const std::string& script, const std::string& id,
                        const std::string& status = "RUNNING") {
  return {
      {"project_id", kProject}, {"script_name", script}, {"instance_id", id}, {"status", status}};
}

}  // namespace

std::string running_instance(int index) {
  char text[24];  // "inst-" and any int: GCC checks the whole range
  std::snprintf(text, sizeof text, "inst-%02d", index);
  return text;
}

std::string execution_urn(int index) {
  return kExecutionPrefix + std::to_string(index);
}

nlohmann::json test_world() {
  nlohmann::json world;
  world["credentials"]["tokens"] = {
      {{"token", kToken}, {"project_id", kProject}},
      {{"token", kOtherProjectToken}, {"project_id", kOtherProject}},
      {{"token", kReadOnlyToken}, {"project_id", kProject}, {"read_only", true}}};
  world["credentials"]["access_keys"] = {
      {{"access_key", kAccessKey}, {"secret_key", kSecretKey}, {"project_id", kProject}}};
  world["cdm"]["clusters"] = {
      {{"project_id", kProject},
       {"cluster_id", kBusyCluster},
       {"name", "busy"},
       {"jobs", {{{"name", "a"}, {"duration_ms", 1000}}, {{"name", "b"}, {"duration_ms", 1500}}}}},
      {{"project_id", kProject}, {"cluster_id", kIdleCluster}, {"name", "idle"}},
      {{"project_id", kProject}, {"cluster_id", kStoppedCluster}, {"status", 900}},
      {{"project_id", kProject}, {"cluster_id", kFrozenCluster}, {"status", 800}}};
  auto& instances = world["dlf"]["script_instances"] = nlohmann::json::array();
  for (int i = 0; i < 64; ++i) instances.push_back(instance(kScript, running_instance(i)));
  auto slow = instance(kScript, kSlowInstance);
  slow["stop_delay_ms"] = 800;
  instances.push_back(slow);
  instances.push_back(instance(kScript, kFinishedInstance, "FINISHED"));
  auto in_workspace = instance(kScript, kWorkspaceInstance);
  in_workspace["workspace"] = kWorkspace;
  instances.push_back(in_workspace);
  instances.push_back(instance(kOddScript, kOddInstance));
  auto& executions = world["functiongraph"]["executions"] = nlohmann::json::array();
  for (int i = 0; i < 8; ++i)
    executions.push_back(
        {{"project_id", kProject}, {"graph_urn", kGraph}, {"execution_urn", execution_urn(i)}});
  return world;
}

const EmulatorProcess& emulator() {
  return environment->process();
}

nlohmann::json token_settings(const std::string& token) {
  return {{"endpoint", emulator().url()},
          {"auth", {{"token", token}}},
          {"retry", {{"max_attempts", 5}, {"initial_backoff_ms", 20}, {"max_backoff_ms", 200}}},
          {"poll_interval_ms", 50},
          {"rate_limit", {{"requests_per_second", 0}}}};
}

nlohmann::json aksk_settings(const std::string& secret_key) {
  auto settings = token_settings();
  settings["auth"] = {{"access_key", kAccessKey}, {"secret_key", secret_key}};
  return settings;
}

sdk::ProviderConfig provider_config(const nlohmann::json& settings,
                                    std::shared_ptr<test::RecordingLogger> logger) {
  return sdk::ProviderConfig{settings, logger ? logger : std::make_shared<test::RecordingLogger>()};
}

}  // namespace stopd::hwtest
