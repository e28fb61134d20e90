// Batches through the real daemon: SubmitBatch, WatchBatch, CancelBatch over the unix socket,
// stopping real processes; a bad plan refused before anything runs; kill -9 of the daemon in the
// middle of a batch, then a restart that finishes it without stopping any item twice.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "convert.hpp"
#include "daemon_harness.hpp"
#include "stopd/test/child_process.hpp"
#include "stopd/test/process_probe.hpp"

namespace stopd::e2e {
namespace {

using stopd::api::from_struct;
using stopd::test::spawn_child;

json step(const std::string& name, pid_t pid, const std::string& wave,
          std::optional<double> grace = std::nullopt, std::vector<std::string> needs = {}) {
  json out = {
      {"name", name}, {"type", "local.process"}, {"wave", wave}, {"target", {{"pid", pid}}}};
  if (grace) out["grace"] = *grace;
  if (!needs.empty()) out["needs"] = needs;
  return out;
}

std::unique_ptr<v1::BatchService::Stub> batch_stub(TestDaemon& daemon) {
  return v1::BatchService::NewStub(daemon.channel());
}

v1::Batch submit(v1::BatchService::Stub& stub, const json& plan,
                 grpc::Status* status_out = nullptr) {
  v1::SubmitBatchRequest request;
  request.set_plan(plan.dump());
  request.set_source("test-plan.json");
  v1::Batch batch;
  auto context = call_context();
  const grpc::Status status = stub.SubmitBatch(context.get(), request, &batch);
  if (status_out != nullptr)
    *status_out = status;
  else if (!status.ok())
    throw std::runtime_error("SubmitBatch: " + describe(status));
  return batch;
}

// Polls GetBatch until the batch has finished; the last batch seen.
v1::Batch wait_batch(v1::BatchService::Stub& stub, const std::string& id,
                     std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  v1::Batch batch;
  for (;;) {
    auto context = call_context();
    v1::GetBatchRequest request;
    request.set_id(id);
    const grpc::Status status = stub.GetBatch(context.get(), request, &batch);
    if (!status.ok()) throw std::runtime_error("GetBatch: " + describe(status));
    if (batch.finished() || std::chrono::steady_clock::now() > give_up) return batch;
    std::this_thread::sleep_for(50ms);
  }
}

// Polls GetBatch until `count` items run at once (at most 10 s).
bool wait_running(v1::BatchService::Stub& stub, const std::string& id, int count) {
  return test::wait_until(
      [&] {
        auto context = call_context();
        v1::GetBatchRequest request;
        request.set_id(id);
        v1::Batch batch;
        return stub.GetBatch(context.get(), request, &batch).ok() && batch.running_size() == count;
      },
      10s);
}

// Item records by item id.
std::map<std::string, json> records_of(const v1::Batch& batch) {
  std::map<std::string, json> records;
  for (const auto& item : batch.items()) {
    json record = from_struct(item);
    records[record.at("item").get<std::string>()] = record;
  }
  return records;
}

TEST(DaemonBatch, RunsWavesAndNeedsInOrderAndWatchSeesEveryItem) {
  TestDaemon daemon;
  daemon.start();
  auto stub = batch_stub(daemon);
  auto first = spawn_child({"--term-delay-ms", "300"});
  auto second = spawn_child({"--exit-on-term"});
  auto later = spawn_child({"--exit-on-term"});
  const json plan = {{"waves", {"one", "two"}},
                     {"steps",
                      {step("first", first.pid(), "one"),
                       step("second", second.pid(), "one", std::nullopt, {"first"}),
                       step("later", later.pid(), "two")}}};
  const v1::Batch accepted = submit(*stub, plan);
  ASSERT_FALSE(accepted.id().empty());

  auto context = call_context(60s);
  v1::WatchBatchRequest request;
  request.set_id(accepted.id());
  auto reader = stub->WatchBatch(context.get(), request);
  std::vector<std::string> kinds;
  std::set<std::string> finished_items;
  v1::BatchEvent event;
  while (reader->Read(&event)) {
    kinds.push_back(event.kind());
    if (event.kind() == "item_finished") finished_items.insert(event.item());
  }
  const grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << describe(status);
  ASSERT_FALSE(kinds.empty());
  EXPECT_EQ(kinds.front(), "snapshot");
  EXPECT_EQ(kinds.back(), "finished");
  EXPECT_EQ(finished_items, (std::set<std::string>{"first#0", "second#0", "later#0"}));

  const v1::Batch done = wait_batch(*stub, accepted.id(), 10s);
  ASSERT_TRUE(done.finished());
  const json summary = from_struct(done.summary());
  EXPECT_EQ(summary.at("succeeded").get<int>(), 3) << summary.dump();
  auto records = records_of(done);
  ASSERT_EQ(records.size(), 3u);
  for (const auto& [id, record] : records) EXPECT_EQ(record.at("code"), "stopped") << record.dump();
  // `second` needs `first`; wave two starts after wave one ended.
  EXPECT_GE(records["second#0"]["started"].get<std::string>(),
            records["first#0"]["finished"].get<std::string>());
  EXPECT_GE(records["later#0"]["started"].get<std::string>(),
            records["second#0"]["finished"].get<std::string>());
  EXPECT_FALSE(first.running());
  EXPECT_FALSE(second.running());
  EXPECT_FALSE(later.running());
}

TEST(DaemonBatch, RefusesABadPlanBeforeAnythingRuns) {
  TestDaemon daemon;
  daemon.start();
  auto stub = batch_stub(daemon);
  auto child = spawn_child({"--exit-on-term"});
  const json cyclic = {{"steps",
                        {step("a", child.pid(), "1", std::nullopt, {"b"}),
                         step("b", child.pid(), "1", std::nullopt, {"a"})}}};
  json plan = cyclic;
  for (auto& each : plan["steps"]) each.erase("wave");
  grpc::Status status;
  submit(*stub, plan, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "a")) << status.error_message();
  EXPECT_TRUE(contains(status.error_message(), "cycle")) << status.error_message();

  submit(*stub, {{"steps", {{{"name", "x"}, {"type", "no.such.type"}, {"target", {{"id", 1}}}}}}},
         &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "no.such.type")) << status.error_message();

  v1::ListBatchesResponse batches;
  auto context = call_context();
  ASSERT_TRUE(stub->ListBatches(context.get(), v1::ListBatchesRequest(), &batches).ok());
  EXPECT_EQ(batches.batches_size(), 0);
  EXPECT_TRUE(child.running());  // nothing ran
}

TEST(DaemonBatch, CancelStopsWhatRunsAndSkipsTheRest) {
  TestDaemon daemon;
  daemon.start();
  auto stub = batch_stub(daemon);
  auto stubborn = spawn_child({"--ignore-term"});
  auto untouched = spawn_child({"--exit-on-term"});
  const json plan = {
      {"waves", {"one", "two"}},
      {"steps",
       {step("stubborn", stubborn.pid(), "one", 60.0), step("untouched", untouched.pid(), "two")}}};
  const v1::Batch accepted = submit(*stub, plan);
  // Let the first item reach the provider (it then waits out its 60 s grace).
  ASSERT_TRUE(wait_running(*stub, accepted.id(), 1));
  {
    auto context = call_context();
    v1::CancelBatchRequest request;
    request.set_id(accepted.id());
    v1::Batch batch;
    const grpc::Status status = stub->CancelBatch(context.get(), request, &batch);
    ASSERT_TRUE(status.ok()) << describe(status);
  }
  const v1::Batch done = wait_batch(*stub, accepted.id(), 20s);
  ASSERT_TRUE(done.finished());
  auto records = records_of(done);
  EXPECT_EQ(records["stubborn#0"]["code"], "cancelled") << records["stubborn#0"].dump();
  EXPECT_EQ(records["untouched#0"]["code"], "skipped") << records["untouched#0"].dump();
  EXPECT_TRUE(untouched.running());
}

TEST(DaemonBatchTiming, KillNineMidBatchThenRestartFinishesItStoppingNothingTwice) {
  TestDaemon daemon;
  daemon.start();
  auto stub = batch_stub(daemon);
  // Wave one: two processes that ignore SIGTERM, 2 s grace each; the daemon dies during it.
  // Wave two: two that exit on SIGTERM, started only after the restart.
  auto slow_a = spawn_child({"--ignore-term"});
  auto slow_b = spawn_child({"--ignore-term"});
  auto quick_a = spawn_child({"--exit-on-term"});
  auto quick_b = spawn_child({"--exit-on-term"});
  const json plan = {
      {"waves", {"one", "two"}},
      {"steps",
       {step("slow-a", slow_a.pid(), "one", 2.0), step("slow-b", slow_b.pid(), "one", 2.0),
        step("quick-a", quick_a.pid(), "two"), step("quick-b", quick_b.pid(), "two")}}};
  const v1::Batch accepted = submit(*stub, plan);
  ASSERT_TRUE(wait_running(*stub, accepted.id(), 2));
  daemon.kill9();
  EXPECT_TRUE(slow_a.running());
  EXPECT_TRUE(quick_a.running());

  daemon.start();
  stub = batch_stub(daemon);
  const v1::Batch done = wait_batch(*stub, accepted.id(), 60s);
  ASSERT_TRUE(done.finished()) << "the resumed batch did not finish";
  EXPECT_TRUE(done.resumed());
  const json summary = from_struct(done.summary());
  EXPECT_EQ(summary.at("succeeded").get<int>(), 4) << summary.dump();
  for (const auto* child : {&slow_a, &slow_b, &quick_a, &quick_b}) EXPECT_FALSE(child->running());

  // Exactly one job per item: the items resumed were found by their request_id, not stopped anew.
  auto jobs = daemon.stub();
  v1::ListJobsRequest request;
  request.set_page_size(1000);
  v1::ListJobsResponse response;
  auto context = call_context();
  ASSERT_TRUE(jobs->ListJobs(context.get(), request, &response).ok());
  std::map<std::string, int> per_item;
  for (const auto& job : response.jobs()) {
    ASSERT_TRUE(contains(job.request_id(), "batch/" + accepted.id() + "/")) << job.request_id();
    ++per_item[job.request_id()];
    EXPECT_EQ(job.state(), v1::JOB_STATE_FINISHED);
  }
  EXPECT_EQ(per_item.size(), 4u);
  for (const auto& [request_id, count] : per_item) EXPECT_EQ(count, 1) << request_id;
}

TEST(DaemonBatchTiming, SigtermDrainsTheRunningItemAndLeavesTheRestForTheNextStart) {
  TestDaemon daemon;  // drain_timeout_seconds 5
  daemon.start();
  auto stub = batch_stub(daemon);
  auto stubborn = spawn_child({"--ignore-term"});
  auto next = spawn_child({"--exit-on-term"});
  const json plan = {
      {"waves", {"one", "two"}},
      {"steps", {step("stubborn", stubborn.pid(), "one", 1.0), step("next", next.pid(), "two")}}};
  const v1::Batch accepted = submit(*stub, plan);
  ASSERT_TRUE(wait_running(*stub, accepted.id(), 1));
  // The drain lets the running item end (its grace is 1 s) but starts nothing new.
  ASSERT_EQ(daemon.terminate(30s), 0);
  EXPECT_FALSE(stubborn.running());
  EXPECT_TRUE(next.running()) << "a draining daemon started the next wave";

  daemon.start();
  stub = batch_stub(daemon);
  const v1::Batch done = wait_batch(*stub, accepted.id(), 30s);
  ASSERT_TRUE(done.finished());
  auto records = records_of(done);
  EXPECT_EQ(records["stubborn#0"]["code"], "stopped") << records["stubborn#0"].dump();
  EXPECT_EQ(records["next#0"]["code"], "stopped") << records["next#0"].dump();
  EXPECT_FALSE(next.running());
}

}  // namespace
}  // namespace stopd::e2e
