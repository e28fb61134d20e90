#include "process_test_fixture.hpp"

#include <sys/wait.h>

namespace stopd::process::testing {

void ProcessProviderTest::SetUpTestSuite() {
  stopd::test::become_subreaper();
}

void ProcessProviderTest::TearDown() {
  provider_.reset();
  children_.clear();
  stopd::test::reap_exited_children();
}

ProcessProvider& ProcessProviderTest::provider(const nlohmann::json& settings) {
  if (!provider_)
    provider_ = std::make_unique<ProcessProvider>(sdk::ProviderConfig{settings, logger_});
  return *provider_;
}

ChildProcess& ProcessProviderTest::spawn(const std::vector<std::string>& args,
                                         const stopd::test::SpawnOptions& options) {
  children_.push_back(stopd::test::spawn_child(args, options));
  return children_.back();
}

sdk::StopRequest ProcessProviderTest::request(const nlohmann::json& target, sdk::Mode mode,
                                              const nlohmann::json& options) {
  sdk::StopRequest request;
  request.type = "local.process";
  request.target = target;
  request.options = options;
  request.mode = mode;
  return request;
}

sdk::StopOutcome ProcessProviderTest::run(const nlohmann::json& target,
                                          const std::shared_ptr<RecordingContext>& context,
                                          sdk::Mode mode, const nlohmann::json& options) {
  provider().start(request(target, mode, options), context);
  auto outcome = context->wait_outcome(kOutcomeTimeout);
  if (!outcome) {
    ADD_FAILURE() << "no outcome within " << kOutcomeTimeout.count() << " s for " << target.dump();
    return sdk::StopOutcome::make(sdk::Code::internal, "test: no outcome");
  }
  return *outcome;
}

std::vector<std::string> signal_names(const sdk::StopOutcome& outcome) {
  std::vector<std::string> names;
  for (const auto& batch : outcome.details.value("signals", nlohmann::json::array()))
    names.push_back(batch.at("signal").get<std::string>());
  return names;
}

std::size_t processes_signalled(const sdk::StopOutcome& outcome, const std::string& name) {
  std::size_t count = 0;
  for (const auto& batch : outcome.details.value("signals", nlohmann::json::array()))
    if (batch.at("signal") == name) count += batch.at("processes").get<std::size_t>();
  return count;
}

std::string describe(const sdk::StopOutcome& outcome) {
  return std::string(sdk::to_string(outcome.code)) + (outcome.forced ? " (forced)" : "") + ": " +
         outcome.message + "\n  details: " + outcome.details.dump();
}

bool killed_by(const std::optional<int>& status, int signal) {
  return status && *status >= 0 && WIFSIGNALED(*status) && WTERMSIG(*status) == signal;
}

bool exited_normally(const std::optional<int>& status) {
  return status && *status >= 0 && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

}  // namespace stopd::process::testing
