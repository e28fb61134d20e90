// WatchJob: a server stream of the job's events until it finishes, ending cleanly when the client
// goes away or the daemon shuts down.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "daemon_harness.hpp"
#include "stopd/test/child_process.hpp"

namespace stopd::e2e {
namespace {

using stopd::test::spawn_child;

v1::Job stop(v1::StopService::Stub& stub, const v1::StopRequest& request) {
  v1::Job job;
  auto context = call_context(30s);
  const grpc::Status status = stub.Stop(context.get(), request, &job);
  if (!status.ok()) throw std::runtime_error("Stop: " + describe(status));
  return job;
}

// A job that stays in flight while a test watches it: a TERM-ignoring process, a 60 s grace.
struct LongJob {
  stopd::test::ChildProcess child;
  v1::WatchJobRequest watch;
};

LongJob start_long_job(TestDaemon& daemon) {
  LongJob long_job{spawn_child({"--ignore-term"}), {}};
  long_job.watch.set_id(stop(*daemon.stub(), stop_pid(long_job.child.pid(), 60.0)).id());
  return long_job;
}

std::string kinds_of(const std::vector<v1::JobEvent>& events) {
  std::string text;
  for (const auto& event : events) {
    text += event.kind();
    if (!event.phase().empty()) text += "(" + event.phase() + ")";
    text += " ";
  }
  return text;
}

// Timing: a TERM-ignoring process with a 1 s grace, watched from before it starts. The provider
// allows one stop at a time here, so the watched job waits behind another one and the watch
// sees it from the beginning: snapshot → started → progress(signalled) → progress(forced) →
// finished.
TEST(DaemonWatchTiming, ALongGracefulStopFromSnapshotToFinished) {
  TestDaemon daemon(json{{"providers", {{"local.process", {{"max_concurrency", 1}}}}}});
  daemon.start();
  auto stub = daemon.stub();
  auto blocker = spawn_child({"--ignore-term"});
  auto child = spawn_child({"--ignore-term"});
  stop(*stub, stop_pid(blocker.pid(), 1.0));
  const v1::Job job = stop(*stub, stop_pid(child.pid(), 1.0));

  v1::WatchJobRequest request;
  request.set_id(job.id());
  auto context = call_context(60s);
  auto reader = stub->WatchJob(context.get(), request);
  std::vector<v1::JobEvent> events;
  v1::JobEvent event;
  while (reader->Read(&event)) events.push_back(event);
  const grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << describe(status) << " after " << kinds_of(events);

  ASSERT_GE(events.size(), 2u) << kinds_of(events);
  EXPECT_EQ(events.front().kind(), "snapshot") << kinds_of(events);
  EXPECT_EQ(events.front().job().id(), job.id());
  EXPECT_EQ(events.back().kind(), "finished") << kinds_of(events);
  EXPECT_EQ(events.back().job().state(), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(events.back().job().outcome().code(), "stopped");
  EXPECT_TRUE(events.back().job().outcome().forced());

  // The order of what happened, as the watcher saw it.
  std::vector<std::string> wanted = {"snapshot", "started", "progress(signalled)",
                                     "progress(forced)", "finished"};
  std::size_t next = 0;
  for (const auto& seen : events) {
    const std::string name = seen.kind() + (seen.phase().empty() ? "" : "(" + seen.phase() + ")");
    if (next < wanted.size() && name == wanted[next]) ++next;
  }
  EXPECT_EQ(next, wanted.size()) << "expected the subsequence snapshot, started, "
                                    "progress(signalled), progress(forced), finished in: "
                                 << kinds_of(events);
  for (const auto& seen : events) {
    EXPECT_TRUE(seen.has_at());
    if (seen.kind() == "progress") {
      EXPECT_TRUE(seen.has_facts()) << seen.DebugString();
    }
  }
  EXPECT_FALSE(child.running());
}

TEST(DaemonWatch, AFinishedJobIsOneSnapshot) {
  TestDaemon daemon;
  daemon.start();
  auto stub = daemon.stub();
  auto child = spawn_child({"--exit-on-term"});
  const v1::Job job = stop(*stub, stop_pid(child.pid(), 5.0, true));
  ASSERT_EQ(job.state(), v1::JOB_STATE_FINISHED);

  v1::WatchJobRequest request;
  request.set_id(job.id());
  auto context = call_context();
  auto reader = stub->WatchJob(context.get(), request);
  std::vector<v1::JobEvent> events;
  v1::JobEvent event;
  while (reader->Read(&event)) events.push_back(event);
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(events.size(), 1u) << kinds_of(events);
  EXPECT_EQ(events[0].kind(), "snapshot");
  EXPECT_EQ(events[0].job().outcome().code(), "stopped");
}

TEST(DaemonWatch, UnknownJobIsNotFound) {
  TestDaemon daemon;
  daemon.start();
  auto stub = daemon.stub();
  v1::WatchJobRequest request;
  request.set_id("j-00000000000000000000000000");
  auto context = call_context();
  auto reader = stub->WatchJob(context.get(), request);
  v1::JobEvent event;
  EXPECT_FALSE(reader->Read(&event));
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << describe(status);
}

// Timing: watchers that go away leave nothing behind, and a shutdown ends the watches still open
// (UNAVAILABLE) instead of waiting for their jobs.
TEST(DaemonWatchTiming, ClientsGoingAwayAndShutdownEndTheStreams) {
  TestDaemon daemon(json{{"drain_timeout_seconds", 1}});
  daemon.start();
  auto stub = daemon.stub();
  const LongJob long_job = start_long_job(daemon);
  const v1::WatchJobRequest& request = long_job.watch;
  // Ten watchers that read the snapshot and leave.
  for (int i = 0; i < 10; ++i) {
    grpc::ClientContext context;
    auto reader = stub->WatchJob(&context, request);
    v1::JobEvent event;
    ASSERT_TRUE(reader->Read(&event));
    EXPECT_EQ(event.kind(), "snapshot");
    context.TryCancel();
    while (reader->Read(&event)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  // One that stays until the daemon stops.
  auto context = call_context(60s);
  auto reader = stub->WatchJob(context.get(), request);
  v1::JobEvent event;
  ASSERT_TRUE(reader->Read(&event));
  std::thread reading([&] {
    while (reader->Read(&event)) {
    }
  });
  const auto started = std::chrono::steady_clock::now();
  daemon.process().send(SIGTERM);
  reading.join();
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << describe(status);
  const auto code = daemon.process().wait_exit(20s);
  ASSERT_TRUE(code.has_value()) << daemon.log();
  EXPECT_EQ(*code, 0) << daemon.log();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

// Each open watch holds one of the server's threads (listen.max_threads): past the limit a call
// is answered RESOURCE_EXHAUSTED instead of adding threads, and closing watches frees them.
TEST(DaemonWatch, OpenWatchesBeyondTheThreadLimitAreRefusedNotQueued) {
  TestDaemon daemon;
  daemon.config()["listen"]["max_threads"] = 8;
  daemon.start();
  auto stub = daemon.stub();
  const LongJob long_job = start_long_job(daemon);
  const v1::WatchJobRequest& request = long_job.watch;

  struct Open {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<v1::JobEvent>> reader;
  };
  std::vector<Open> open;
  grpc::Status refused;
  for (int i = 0; i < 16 && refused.ok(); ++i) {
    Open watch{call_context(30s), nullptr};
    watch.reader = stub->WatchJob(watch.context.get(), request);
    v1::JobEvent event;
    if (watch.reader->Read(&event)) {
      EXPECT_EQ(event.kind(), "snapshot");
      open.push_back(std::move(watch));
    } else {
      refused = watch.reader->Finish();
    }
  }
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << describe(refused);
  EXPECT_LT(open.size(), 8u);

  for (auto& watch : open) watch.context->TryCancel();
  for (auto& watch : open) {
    v1::JobEvent event;
    while (watch.reader->Read(&event)) {
    }
    watch.reader->Finish();
  }
  // The threads are back within a cancel check (250 ms): calls are served again.
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    v1::Job got;
    v1::GetJobRequest get;
    get.set_id(request.id());
    auto context = call_context(5s);
    served = stub->GetJob(context.get(), get, &got).ok();
    if (!served) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(served) << daemon.log();
}

}  // namespace
}  // namespace stopd::e2e
