// SIGTERM with jobs in flight: the daemon stops accepting, lets jobs finish up to its drain
// timeout, leaves the rest unfinished in the journal and exits 0; the next start finishes them.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "daemon_harness.hpp"
#include "stopd/test/child_process.hpp"
#include "stopd/test/process_probe.hpp"

namespace stopd::e2e {
namespace {

using stopd::test::spawn_child;

// The journal's own view of a job's state, read with the sqlite3 CLI while no daemon runs.
std::string journal_state(const fs::path& journal, const std::string& id) {
  TempDir scratch;
  const std::string command = "sqlite3 -readonly '" + journal.string() +
                              "' \"SELECT state FROM jobs WHERE id = '" + id + "'\" > '" +
                              (scratch / "out").string() + "' 2>&1";
  if (std::system(command.c_str()) != 0) return "sqlite3 failed: " + read_file(scratch / "out");
  std::string out = read_file(scratch / "out");
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

TEST(DaemonDrainTiming, SigtermDrainsThenExitsZeroAndARestartFinishesTheRest) {
  TestDaemon daemon(json{{"drain_timeout_seconds", 1.5}});
  daemon.start();
  auto stub = daemon.stub();

  // One stop that ends during the drain (exits 0.5 s after SIGTERM), two that cannot (SIGTERM
  // ignored, a 6 s grace): those must be left unfinished, not cancelled.
  auto slow_exit = spawn_child({"--term-delay-ms", "500"});
  auto stubborn_a = spawn_child({"--ignore-term"});
  auto stubborn_b = spawn_child({"--ignore-term"});
  auto submit = [&](pid_t pid, double grace) {
    v1::Job job;
    auto context = call_context();
    const grpc::Status status = stub->Stop(context.get(), stop_pid(pid, grace), &job);
    if (!status.ok()) throw std::runtime_error(describe(status));
    return job.id();
  };
  const std::string finishing = submit(slow_exit.pid(), 6.0);
  const std::string left_a = submit(stubborn_a.pid(), 6.0);
  const std::string left_b = submit(stubborn_b.pid(), 6.0);
  const auto submitted = std::chrono::steady_clock::now();

  daemon.process().send(SIGTERM);
  // While it drains, health says NOT_SERVING and new stops are refused.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(health_of(daemon.channel()), Health::not_serving);
  {
    auto extra = spawn_child({"--exit-on-term"});
    v1::Job job;
    auto context = call_context(2s);
    const grpc::Status status = stub->Stop(context.get(), stop_pid(extra.pid(), 1.0), &job);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << describe(status);
  }
  const auto code = daemon.process().wait_exit(15s);
  const auto exited = std::chrono::steady_clock::now();
  ASSERT_TRUE(code.has_value()) << "stopd did not exit after SIGTERM\n" << daemon.log();
  EXPECT_EQ(*code, 0) << daemon.log();
  // Within the drain timeout (1.5 s) and the server's own short shutdown.
  EXPECT_LT(exited - submitted, 4s) << daemon.log();
  EXPECT_TRUE(contains(daemon.log(), "2 unfinished job")) << daemon.log();
  EXPECT_FALSE(fs::exists(daemon.socket()));

  // The journal, read directly: the finished one is finished, the two others are not.
  EXPECT_EQ(journal_state(daemon.journal(), finishing), "finished");
  EXPECT_NE(journal_state(daemon.journal(), left_a), "finished");
  EXPECT_NE(journal_state(daemon.journal(), left_b), "finished");
  EXPECT_TRUE(stubborn_a.running());
  EXPECT_TRUE(stubborn_b.running());

  daemon.start();
  stub = daemon.stub();
  for (const auto& id : {left_a, left_b}) {
    const v1::Job job = wait_finished(*stub, id, 60s);
    ASSERT_EQ(job.state(), v1::JOB_STATE_FINISHED) << job.DebugString();
    EXPECT_EQ(job.outcome().code(), "stopped") << job.DebugString();
    EXPECT_GE(job.resumed(), 1u);
  }
  EXPECT_TRUE(stubborn_a.wait_exit(10s).has_value());
  EXPECT_TRUE(stubborn_b.wait_exit(10s).has_value());
  const v1::Job done = wait_finished(*stub, finishing, 10s);
  EXPECT_EQ(done.outcome().code(), "stopped") << done.DebugString();
  EXPECT_EQ(done.resumed(), 0u);
}

// Timing: a Stop with `wait` in progress when SIGTERM arrives answers with its job as it is
// once the drain ends, instead of holding the shutdown.
TEST(DaemonDrainTiming, AWaitingStopAnswersWhenTheDrainEnds) {
  TestDaemon daemon(json{{"drain_timeout_seconds", 1}});
  daemon.start();
  auto stub = daemon.stub();
  auto child = spawn_child({"--ignore-term"});

  v1::Job job;
  grpc::Status status;
  std::thread waiting([&] {
    auto context = call_context(60s);
    status = stub->Stop(context.get(), stop_pid(child.pid(), 30.0, true), &job);
  });
  ASSERT_TRUE(stopd::test::wait_until([&] { return contains(daemon.log(), "accepted job="); }, 20s))
      << daemon.log();
  daemon.process().send(SIGTERM);
  waiting.join();
  EXPECT_TRUE(status.ok()) << describe(status);
  EXPECT_NE(job.state(), v1::JOB_STATE_FINISHED) << job.DebugString();
  const auto code = daemon.process().wait_exit(15s);
  ASSERT_TRUE(code.has_value()) << daemon.log();
  EXPECT_EQ(*code, 0) << daemon.log();
}

}  // namespace
}  // namespace stopd::e2e
