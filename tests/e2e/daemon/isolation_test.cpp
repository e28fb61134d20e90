// stopd with a provider isolated in a plugin host process (`isolation: process`) whose plugin
// crashes, hangs or is orphaned (tests/plugins/misbehaving_plugin.cpp): the daemon survives and
// keeps serving the other types, crashed stops are retried then quarantined, a hung plugin host is
// killed, and none outlives stopd.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <thread>

#include "daemon_harness.hpp"
#include "stopd/test/child_process.hpp"

namespace stopd::e2e {
namespace {

using stopd::test::spawn_child;

json isolated(json plugin_host = json::object(), double hang_seconds = 120) {
  json provider = {{"isolation", "process"}, {"settings", {{"hang_seconds", hang_seconds}}}};
  if (!plugin_host.empty()) provider["plugin_host"] = std::move(plugin_host);
  return json{{"plugins", json::array({STOPD_MISBEHAVING_PLUGIN})},
              {"providers", {{"test.misbehave", provider}}}};
}

v1::StopRequest misbehave(const std::string& id, const std::string& what, double deadline_seconds) {
  v1::StopRequest request;
  request.set_type("test.misbehave");
  auto& fields = *request.mutable_target()->mutable_fields();
  fields["id"].set_string_value(id);
  fields["do"].set_string_value(what);
  request.set_deadline_seconds(deadline_seconds);
  return request;
}

v1::Job submit(v1::StopService::Stub& stub, const v1::StopRequest& request) {
  v1::Job job;
  auto context = call_context();
  const grpc::Status status = stub.Stop(context.get(), request, &job);
  EXPECT_TRUE(status.ok()) << describe(status);
  return job;
}

v1::Provider provider_named(v1::StopService::Stub& stub, const std::string& name) {
  v1::DescribeProviderRequest request;
  request.set_name(name);
  v1::Provider provider;
  auto context = call_context();
  const grpc::Status status = stub.DescribeProvider(context.get(), request, &provider);
  EXPECT_TRUE(status.ok()) << describe(status);
  return provider;
}

// Alive, not a zombie: an orphaned plugin host is reparented to this test (a subreaper) when
// stopd dies, and nobody reaps it here.
bool process_exists(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto close_paren = stat.rfind(')');
  return close_paren != std::string::npos && close_paren + 2 < stat.size() &&
         stat[close_paren + 2] != 'Z';
}

TEST(DaemonIsolationTiming, ACrashStormCostsOnlyItsOwnStopsAndIsQuarantined) {
  json config = isolated();
  config["metrics"] = {{"listen", "127.0.0.1:0"}};
  TestDaemon daemon(config);
  daemon.start();
  auto stub = daemon.stub();

  std::vector<v1::Job> crashing;
  for (int i = 0; i < 6; ++i)
    crashing.push_back(submit(*stub, misbehave("storm-" + std::to_string(i), "segfault", 60)));
  // During the storm, another type is served as ever: a real process is stopped.
  auto child = spawn_child({"--exit-on-term"});
  const v1::Job process_job = submit(*stub, stop_pid(child.pid(), 5.0));
  EXPECT_EQ(wait_finished(*stub, process_job.id(), 30s).outcome().code(), "stopped");

  for (const auto& job : crashing) {
    const v1::Job finished = wait_finished(*stub, job.id(), 60s);
    EXPECT_EQ(finished.outcome().code(), "internal") << finished.DebugString();
    EXPECT_EQ(finished.outcome().message(),
              "quarantined: the test.misbehave plugin crashed 2 times while stopping this resource "
              "(SIGSEGV)")
        << finished.DebugString();
  }
  EXPECT_EQ(health_of(daemon.channel()), Health::serving);

  // The plugin host is back, says how it last ended, and serves again.
  const v1::Job ok = submit(*stub, misbehave("after-storm", "ok", 30));
  EXPECT_EQ(wait_finished(*stub, ok.id(), 30s).outcome().code(), "stopped");
  const v1::Provider provider = provider_named(*stub, "test.misbehave");
  EXPECT_EQ(provider.isolation(), "process");
  EXPECT_EQ(provider.plugin_host().state(), "running") << provider.DebugString();
  EXPECT_GE(provider.plugin_host().restarts(), 2u) << provider.DebugString();
  EXPECT_EQ(provider.plugin_host().last_exit(), "SIGSEGV") << provider.DebugString();
  EXPECT_EQ(health_of(daemon.channel(), "stopd.provider/test.misbehave"), Health::serving);
  EXPECT_EQ(provider_named(*stub, "local.process").isolation(), "in_process");

  const std::string metrics = scrape(daemon.metrics_port());
  EXPECT_TRUE(contains(metrics, R"(stopd_plugin_up{type="test.misbehave"} 1)")) << metrics;
  EXPECT_TRUE(contains(metrics, R"(stopd_plugin_up{type="local.process"} 1)")) << metrics;
  EXPECT_TRUE(
      contains(metrics, R"(stopd_plugin_restarts_total{reason="SIGSEGV",type="test.misbehave"})"))
      << metrics;
}

TEST(DaemonIsolation, AStopThatCrashesOnlyOnceIsRetriedAndSucceeds) {
  TestDaemon daemon(isolated());
  daemon.start();
  auto stub = daemon.stub();
  v1::StopRequest request = misbehave("once", "segfault_once", 60);
  const std::string marker = (daemon.dir() / "crashed").string();
  (*request.mutable_target()->mutable_fields())["marker"].set_string_value(marker);
  const v1::Job finished = wait_finished(*stub, submit(*stub, request).id(), 60s);
  EXPECT_EQ(finished.outcome().code(), "stopped") << finished.DebugString();
  EXPECT_TRUE(std::filesystem::exists(marker));
  EXPECT_EQ(provider_named(*stub, "test.misbehave").plugin_host().restarts(), 1u);
}

TEST(DaemonIsolationTiming, APluginHostStuckPastTheDeadlineIsKilledAndRestarted) {
  TestDaemon daemon(isolated({{"kill_after_deadline_seconds", 0.5}}));
  daemon.start();
  auto stub = daemon.stub();
  const v1::Job hung = wait_finished(*stub, submit(*stub, misbehave("stuck", "hang", 1)).id(), 30s);
  EXPECT_EQ(hung.outcome().code(), "deadline_exceeded") << hung.DebugString();
  // Killed half a second after the deadline, then restarted: the next stop is served.
  const v1::Job ok = wait_finished(*stub, submit(*stub, misbehave("next", "ok", 30)).id(), 30s);
  EXPECT_EQ(ok.outcome().code(), "stopped") << ok.DebugString();
  const auto until = std::chrono::steady_clock::now() + 20s;
  v1::Provider provider;
  do {
    provider = provider_named(*stub, "test.misbehave");
    if (provider.plugin_host().restarts() > 0) break;
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < until);
  EXPECT_EQ(provider.plugin_host().restarts(), 1u) << provider.DebugString();
  EXPECT_TRUE(
      provider.plugin_host().last_exit().starts_with("killed: a stop ran 0.5 s past its deadline"))
      << provider.DebugString();
}

TEST(DaemonIsolationTiming, KillNineOfStopdLeavesNoPluginHostAndTheJobResumes) {
  TestDaemon daemon(isolated({}, 1.0));  // a "hang" that ends after 1 s
  daemon.start();
  auto stub = daemon.stub();
  v1::StopRequest request = misbehave("resumed", "hang", 120);
  request.set_request_id("survives-kill-9");
  const v1::Job job = submit(*stub, request);
  const auto host_pid =
      static_cast<pid_t>(provider_named(*stub, "test.misbehave").plugin_host().pid());
  ASSERT_GT(host_pid, 0);
  ASSERT_TRUE(process_exists(host_pid));

  daemon.kill9();
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (process_exists(host_pid) && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(process_exists(host_pid)) << "the plugin host outlived stopd";

  daemon.start();
  stub = daemon.stub();
  const v1::Job finished = wait_finished(*stub, job.id(), 60s);
  EXPECT_EQ(finished.outcome().code(), "stopped") << finished.DebugString();
  EXPECT_EQ(finished.resumed(), 1u) << finished.DebugString();
}

TEST(DaemonIsolationTiming, SigtermExitsWithinTheDrainTimeoutAndEndsThePluginHost) {
  json config = isolated();
  config["drain_timeout_seconds"] = 1;
  TestDaemon daemon(config);
  daemon.start();
  auto stub = daemon.stub();
  const v1::Job job = submit(*stub, misbehave("draining", "hang", 60));
  const auto host_pid =
      static_cast<pid_t>(provider_named(*stub, "test.misbehave").plugin_host().pid());
  ASSERT_TRUE(wait_job_running(*stub, job.id(), 10s)) << "never running\n" << daemon.log();
  const auto signalled = std::chrono::steady_clock::now();
  daemon.process().send(SIGTERM);
  const auto code = daemon.process().wait_exit(60s);
  ASSERT_TRUE(code.has_value()) << daemon.log();
  EXPECT_EQ(*code, 0) << daemon.log();
  // drain_timeout_seconds (1 s) + the dispatcher's 2 s + the plugin host's 0.5 s: generous here.
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 10s) << daemon.log();
  EXPECT_FALSE(process_exists(host_pid)) << "the plugin host outlived stopd";
}

}  // namespace
}  // namespace stopd::e2e
