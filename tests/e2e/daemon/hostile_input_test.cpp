// Hostile requests to the real daemon: each is answered with a status that says what was wrong,
// the daemon stays up and keeps serving authenticated callers, and its memory stays bounded (an
// address-space limit on the process, where the sanitizers allow one; its peak resident memory in
// every build).
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "convert.hpp"
#include "daemon_harness.hpp"
#include "stopd/test/child_process.hpp"
#include "stopd/test/hostile_plans.hpp"

extern char** environ;

namespace stopd::e2e {
namespace {

using stopd::api::from_struct;
using stopd::test::billion_laughs_plan;
using stopd::test::nested_arrays;
using stopd::test::spawn_child;

constexpr const char* kOps = "ops-SECRET-3c1d9e77";
constexpr const char* kCloud = "cloud-SECRET-a8f0b2c4";  // huaweicloud.* only: the weakest here
constexpr const char* kPidBot = "pidbot-SECRET-5e7a1d03";

// Bytes of a /proc/PID/status field given in kB ("VmHWM:    123456 kB").
std::size_t status_bytes(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stoul(line.substr(field.size() + 1)) * 1024;
  return 0;
}

class DaemonHostileInput : public ::testing::Test {
 protected:
  // What any hostile request may add to the daemon's peak memory.
  static constexpr std::size_t kMemoryBudget = 1024u << 20;

  void SetUp() override {
    member_ = spawn_child({"--exit-on-term", "--setpgid"});
    allowed_ = spawn_child({"--exit-on-term", "--join-pgid", std::to_string(member_.pid())});
    daemon_.config().merge_patch(json{
        {"auth",
         {{"unix_socket", "token"},
          {"tokens",
           {{{"name", "ops"}, {"token", kOps}, {"scopes", {{{"types", {"*"}}}}}},
            {{"name", "cloud-bot"},
             {"token", kCloud},
             {"scopes", {{{"types", {"huaweicloud.*"}}}}}},
            {{"name", "pid-bot"},
             {"token", kPidBot},
             {"scopes",
              {{{"types", {"local.process"}}, {"target", {{"pid", {allowed_.pid()}}}}}}}}}}}}});
    daemon_.start();
    const pid_t pid = daemon_.process().pid();
    baseline_peak_ = status_bytes(pid, "VmHWM");
#if !defined(__SANITIZE_ADDRESS__)
    // ASan reserves terabytes of shadow address space: there only the peak below is checked.
    const rlimit limit{status_bytes(pid, "VmSize") + 2 * kMemoryBudget,
                       status_bytes(pid, "VmSize") + 2 * kMemoryBudget};
    ASSERT_EQ(::prlimit(pid, RLIMIT_AS, &limit, nullptr), 0) << std::strerror(errno);
#endif
  }

  // Whatever the test sent: the daemon is up, serves an authenticated Stop, and stayed in budget.
  void TearDown() override {
    ASSERT_TRUE(daemon_.process().running()) << daemon_.log();
    EXPECT_EQ(health_of(daemon_.channel(), "", 5s), Health::serving);
    auto target = spawn_child({"--exit-on-term"});
    v1::StopRequest request = stop_pid(target.pid(), 5.0, true);
    v1::Job job;
    auto context = call_context(kRpcTimeout, kOps);
    const grpc::Status status = daemon_.stub()->Stop(context.get(), request, &job);
    EXPECT_TRUE(status.ok()) << describe(status);
    EXPECT_EQ(job.outcome().code(), "stopped") << job.DebugString();
    const std::size_t peak = status_bytes(daemon_.process().pid(), "VmHWM");
    EXPECT_LT(peak, baseline_peak_ + kMemoryBudget)
        << "peak resident memory grew from " << baseline_peak_ << " to " << peak;
  }

  grpc::Status submit(const std::string& plan, const char* token, v1::Batch* batch = nullptr) {
    v1::SubmitBatchRequest request;
    request.set_plan(plan);
    request.set_source("hostile.plan");
    v1::Batch ignored;
    auto context = call_context(60s, token);
    return v1::BatchService::NewStub(daemon_.channel())
        ->SubmitBatch(context.get(), request, batch != nullptr ? batch : &ignored);
  }

  stopd::test::ChildProcess member_;
  stopd::test::ChildProcess allowed_;
  TestDaemon daemon_;
  std::size_t baseline_peak_ = 0;
};

// SIGSEGV before: dump() recursed over the whole value to build the schema's error message. Any
// valid token did it, because the plan is read before its types can be checked.
TEST_F(DaemonHostileInput, APlanNestedFiftyThousandDeepFromTheWeakestToken) {
  const grpc::Status status = submit(R"({"steps": )" + nested_arrays(50'000) + "}", kCloud);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "hostile.plan:1:42: nested more than 32 levels"))
      << describe(status);
}

TEST_F(DaemonHostileInput, NestingInsideAStepsTargetOrOptions) {
  for (const char* field : {"target", "options"}) {
    const std::string plan = std::string(R"({"steps": [{"name": "a", "type": "local.process", )") +
                             (std::string(field) == "options" ? R"("target": {"pid": 1}, )" : "") +
                             "\"" + field + R"(": {"x": )" + nested_arrays(50'000) + "}}]}";
    const grpc::Status status = submit(plan, kCloud);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << describe(status);
    EXPECT_TRUE(contains(status.error_message(), "nested more than 32 levels")) << describe(status);
  }
}

// Past 8 GiB in under a minute before.
TEST_F(DaemonHostileInput, YamlAliasesThatWouldExpandToABillionValues) {
  const std::string plan = billion_laughs_plan("local.process");
  ASSERT_LT(plan.size(), 600u);
  const grpc::Status status = submit(plan, kCloud);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "aliases expanded")) << describe(status);
}

// RESOURCE_EXHAUSTED before: the message naming all 6,000 steps outgrew gRPC's metadata limit.
TEST_F(DaemonHostileInput, ASixThousandStepCycleIsNamedInABoundedMessage) {
  json steps = json::array();
  for (int i = 0; i < 6000; ++i)
    steps.push_back({{"name", "s" + std::to_string(i)},
                     {"type", "local.process"},
                     {"target", {{"pid", 1}}},
                     {"needs", {"s" + std::to_string((i + 1) % 6000)}}});
  const grpc::Status status = submit(json{{"steps", steps}}.dump(), kOps);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "needs form a cycle")) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "and 5992 more steps")) << describe(status);
}

// The scope is checked first: a caller with no right to local.process gets PERMISSION_DENIED,
// not the answer of a provider asked on its behalf (here: a cgroup that does not exist).
TEST_F(DaemonHostileInput, ScopesAreCheckedBeforeAnyProviderIsAsked) {
  const grpc::Status status = submit(
      R"({"steps": [{"name": "w", "type": "local.process",
                     "selector": {"cgroup": "/sys/fs/cgroup/stopd-no-such-cgroup"}}]})",
      kCloud);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << describe(status);
  EXPECT_TRUE(contains(status.error_message(),
                       "step 'w': token 'cloud-bot' may not stop resources of type local.process"))
      << describe(status);
}

// PERMISSION_DENIED before, naming the pid of a process outside the token's scope.
TEST_F(DaemonHostileInput, SelectorMatchesOutsideTheScopeAreLeftOutUnseen) {
  v1::Batch batch;
  const grpc::Status status =
      submit(R"({"steps": [{"name": "group", "type": "local.process", "grace": 5,
                            "selector": {"pgid": )" +
                 std::to_string(member_.pid()) + "}}]}",
             kPidBot, &batch);
  ASSERT_TRUE(status.ok()) << describe(status);
  EXPECT_EQ(from_struct(batch.summary()).value("hidden", 0), 1) << batch.DebugString();
  EXPECT_TRUE(allowed_.wait_exit(30s).has_value()) << "the process in scope was not stopped";
  // The finished batch holds one item, the process in scope; the other is named nowhere.
  auto stub = v1::BatchService::NewStub(daemon_.channel());
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  do {
    v1::GetBatchRequest get;
    get.set_id(batch.id());
    auto context = call_context(kRpcTimeout, kPidBot);
    ASSERT_TRUE(stub->GetBatch(context.get(), get, &batch).ok());
  } while (!batch.finished() && std::chrono::steady_clock::now() < give_up);
  ASSERT_TRUE(batch.finished()) << batch.DebugString();
  ASSERT_EQ(batch.items_size(), 1) << batch.DebugString();
  EXPECT_EQ(from_struct(batch.items(0))["target"]["pid"], allowed_.pid());
  EXPECT_EQ(from_struct(batch.summary()).value("hidden", 0), 1) << batch.DebugString();
  EXPECT_TRUE(member_.running()) << "a process outside the scope was stopped";
}

// std::regex matched the option character by character, recursing: SIGSEGV before (30,000
// characters fit the 64 KiB options limit).
TEST_F(DaemonHostileInput, AnOptionTooLongForItsPattern) {
  v1::StopRequest request = stop_pid(allowed_.pid());
  (*request.mutable_options()->mutable_fields())["signal"].set_string_value(
      std::string(30'000, 'A'));
  v1::Job job;
  auto context = call_context(kRpcTimeout, kOps);
  const grpc::Status status = daemon_.stub()->Stop(context.get(), request, &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "options.signal: a string of 30000 bytes"))
      << describe(status);
  EXPECT_TRUE(allowed_.running());
}

// A process whose name is not UTF-8: the provider's outcome named it, protobuf could not carry the
// message, and every later ListJobs failed for every caller while the job was in the list.
TEST_F(DaemonHostileInput, AProcessNameThatIsNotUtf8BreaksNothing) {
  const fs::path binary = daemon_.dir() / "bad\xff\xfename";
  fs::copy_file("/bin/sleep", binary);
  const std::string path = binary.string();
  char* const argv[] = {const_cast<char*>(path.c_str()), const_cast<char*>("60"), nullptr};
  pid_t pid = -1;
  ASSERT_EQ(::posix_spawn(&pid, path.c_str(), nullptr, nullptr, argv, environ), 0);
  v1::Job job;
  {
    auto context = call_context(kRpcTimeout, kOps);
    const grpc::Status status = daemon_.stub()->Stop(context.get(), stop_pid(pid, 5.0, true), &job);
    ASSERT_TRUE(status.ok()) << describe(status);
  }
  ::waitpid(pid, nullptr, 0);
  EXPECT_EQ(job.outcome().code(), "stopped") << job.DebugString();
  EXPECT_TRUE(contains(job.outcome().message(), "bad\xEF\xBF\xBD\xEF\xBF\xBDname"))
      << job.outcome().message();
  v1::ListJobsRequest list;
  v1::ListJobsResponse listed;
  auto context = call_context(kRpcTimeout, kOps);
  const grpc::Status status = daemon_.stub()->ListJobs(context.get(), list, &listed);
  ASSERT_TRUE(status.ok()) << describe(status);
  bool found = false;
  for (const auto& each : listed.jobs()) found = found || each.id() == job.id();
  EXPECT_TRUE(found);
}

// The daemon used to start without the provider, and --check-config said "valid".
TEST(DaemonConfigCheck, ProviderSettingsThePluginRefusesAreAConfigError) {
  TestDaemon daemon(
      json{{"providers", {{"local.process", {{"settings", {{"stop_signal", 99}}}}}}}});
  StopdProcess& process = daemon.spawn();  // writes the config
  EXPECT_EQ(process.wait_exit(kStartTimeout), std::optional<int>(3)) << daemon.log();
  EXPECT_TRUE(contains(daemon.log(), "config.providers.local.process: invalid settings"))
      << daemon.log();
  const RunResult check = run_stopd({"--config", daemon.config_file().string(), "--check-config"});
  EXPECT_EQ(check.exit_code, 3) << check.output;
  EXPECT_TRUE(contains(check.output, "config.providers.local.process: invalid settings"))
      << check.output;
}

}  // namespace
}  // namespace stopd::e2e
