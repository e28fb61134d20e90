// The engine's scheduling: order (waves, needs), limits, failure policies, duplicates,
// cancellation, the batch deadline, dry runs and carried items. Order and limits are checked from
// the times the provider itself recorded.
#include "stopd/batch/batch_engine.hpp"

#include <gtest/gtest.h>

#include "batch_test_support.hpp"
#include "stopd/test/fake_clock.hpp"

namespace stopd::test {
namespace {

using core::BatchResult;
using sdk::Code;

Clock::time_point latest_end(const std::vector<SpanRecorder::Span>& spans) {
  Clock::time_point latest{};
  for (const auto& span : spans) latest = std::max(latest, span.end);
  return latest;
}

Clock::time_point earliest_start(const std::vector<SpanRecorder::Span>& spans) {
  Clock::time_point earliest = Clock::time_point::max();
  for (const auto& span : spans) earliest = std::min(earliest, span.start);
  return earliest;
}

TEST(BatchEngine, WavesRunOneAfterAnotherUnderConcurrency) {
  BatchBench bench;
  bench.catalog->add_group("a", "a", 8);
  bench.catalog->add_group("b", "b", 8);
  bench.catalog->add_group("c", "c", 8);
  // Listed out of order on purpose: the waves decide, not the steps' order.
  const BatchResult result = bench.run(R"({"waves": ["first", "second", "third"],
    "concurrency": 4, "steps": [
    {"name": "late", "type": "t.item", "selector": {"group": "c"}, "wave": "third"},
    {"name": "early", "type": "t.item", "selector": {"group": "a"}, "wave": "first"},
    {"name": "middle", "type": "t.item", "selector": {"group": "b"}, "wave": "second"}]})");
  EXPECT_EQ(result.summary.counts.succeeded, 24u);
  const auto a = bench.recorder.spans_with_prefix("a");
  const auto b = bench.recorder.spans_with_prefix("b");
  const auto c = bench.recorder.spans_with_prefix("c");
  ASSERT_EQ(a.size(), 8u);
  ASSERT_EQ(b.size(), 8u);
  ASSERT_EQ(c.size(), 8u);
  EXPECT_LE(latest_end(a), earliest_start(b));
  EXPECT_LE(latest_end(b), earliest_start(c));
  EXPECT_LE(bench.recorder.max_overlap(), 4u);
  EXPECT_GE(bench.recorder.max_overlap(), 2u) << "items of a wave should run side by side";
}

TEST(BatchEngine, NeedsHoldADependentBackWithinItsWave) {
  BatchBench bench;
  bench.catalog->add_group("db", "db", 4);
  const BatchResult result = bench.run(R"({"concurrency": 16, "steps": [
    {"name": "app", "type": "t.item", "target": {"id": "app"}, "needs": ["db"]},
    {"name": "db", "type": "t.item", "selector": {"group": "db"}},
    {"name": "other", "type": "t.item", "target": {"id": "slow-other"}}]})");
  EXPECT_EQ(result.summary.counts.succeeded, 6u);
  const auto db = bench.recorder.spans_with_prefix("db");
  const auto app = bench.recorder.spans_with_prefix("app");
  const auto other = bench.recorder.spans_with_prefix("slow-other");
  ASSERT_EQ(app.size(), 1u);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_LE(latest_end(db), app.front().start);
  // Independent of both, "other" started with the first items, long before "app" could.
  EXPECT_LT(other.front().start, app.front().start);
}

TEST(BatchEngine, GlobalAndPerStepLimitsHold) {
  BatchBench bench;
  bench.catalog->add_group("x", "x", 12);
  bench.catalog->add_group("y", "y", 12);
  bench.run(R"({"concurrency": 5, "steps": [
    {"name": "x", "type": "t.item", "selector": {"group": "x"}, "concurrency": 2},
    {"name": "y", "type": "t.item", "selector": {"group": "y"}}]})");
  EXPECT_LE(bench.recorder.max_overlap("x"), 2u);
  EXPECT_LE(bench.recorder.max_overlap(), 5u);
  EXPECT_EQ(bench.recorder.spans().size(), 24u);
}

TEST(BatchEngine, ContinuePolicySkipsOnlyTheDependentsOfAFailedStep) {
  BatchBench bench;
  const BatchResult result = bench.run(R"({"steps": [
    {"name": "db", "type": "t.item", "target": {"id": "fail-db"}},
    {"name": "app", "type": "t.item", "target": {"id": "app"}, "needs": ["db"]},
    {"name": "ui", "type": "t.item", "target": {"id": "ui"}, "needs": ["app"]},
    {"name": "cache", "type": "t.item", "target": {"id": "cache"}}]})");
  EXPECT_EQ(result.summary.counts.failed, 1u);
  EXPECT_EQ(result.summary.counts.skipped, 2u);
  EXPECT_EQ(result.summary.counts.succeeded, 1u);
  EXPECT_FALSE(result.summary.halted);
  const auto* app = find_record(result, "app#0");
  ASSERT_NE(app, nullptr);
  EXPECT_FALSE(app->code.has_value());
  EXPECT_EQ(app->skipped,
            "needs step db, which failed: db#0 ended failed_precondition: refused fail-db");
  const auto* ui = find_record(result, "ui#0");
  ASSERT_NE(ui, nullptr);
  EXPECT_EQ(ui->skipped.rfind("needs step app, which failed: app#0 was skipped", 0), 0u)
      << ui->skipped;
  EXPECT_EQ(bench.recorder.count("app"), 0);
  EXPECT_EQ(bench.recorder.count("cache"), 1);
}

TEST(BatchEngine, FailFastHaltsAndSkipsWhatNeverRan) {
  BatchBench bench;
  bench.catalog->groups["g"] = {
      {{"id", "ok0"}}, {{"id", "fail1"}}, {{"id", "ok2"}}, {{"id", "ok3"}}};
  const BatchResult result = bench.run(R"({"concurrency": 1, "failure_policy": "halt",
    "steps": [{"name": "s", "type": "t.item", "selector": {"group": "g"}},
              {"name": "later", "type": "t.item", "target": {"id": "later"}, "wave": 1}]})");
  EXPECT_TRUE(result.summary.halted);
  EXPECT_EQ(result.summary.halt_reason,
            "halted: 1 failure (failure policy: halt on the first failure)");
  EXPECT_EQ(bench.provider->calls.load(), 2);
  EXPECT_EQ(result.summary.counts.succeeded, 1u);
  EXPECT_EQ(result.summary.counts.failed, 1u);
  EXPECT_EQ(result.summary.counts.skipped, 3u);
  for (const char* id : {"s#2", "s#3", "later#0"}) {
    const auto* record = find_record(result, id);
    ASSERT_NE(record, nullptr) << id;
    EXPECT_EQ(record->skipped, result.summary.halt_reason) << id;
  }
}

TEST(BatchEngine, CountThresholdToleratesExactlyNFailures) {
  BatchBench bench;
  bench.catalog->add_group("g", "fail", 6);
  const BatchResult result = bench.run(R"({"concurrency": 1,
    "failure_policy": {"max_failures": 2},
    "steps": [{"name": "s", "type": "t.item", "selector": {"group": "g"}}]})");
  EXPECT_TRUE(result.summary.halted);
  EXPECT_EQ(result.summary.counts.failed, 3u);
  EXPECT_EQ(result.summary.counts.skipped, 3u);
  EXPECT_EQ(bench.provider->calls.load(), 3);
}

TEST(BatchEngine, PercentThresholdCountsAgainstAllItems) {
  BatchBench bench;
  // 10 items, 20 % tolerated: the third failure halts.
  bench.catalog->groups["g"] = {};
  for (int i = 0; i < 10; ++i)
    bench.catalog->groups["g"].push_back({{"id", (i % 2 ? "fail" : "ok") + std::to_string(i)}});
  const BatchResult result = bench.run(R"({"concurrency": 1,
    "failure_policy": {"max_failures": "20%"},
    "steps": [{"name": "s", "type": "t.item", "selector": {"group": "g"}}]})");
  EXPECT_TRUE(result.summary.halted);
  EXPECT_EQ(result.summary.counts.failed, 3u);
  EXPECT_EQ(bench.provider->calls.load(), 6);  // ok0 fail1 ok2 fail3 ok4 fail5
  EXPECT_EQ(result.summary.counts.skipped, 4u);
}

TEST(BatchEngine, HaltLetsRunningItemsFinishUnlessAskedToCancel) {
  for (const bool cancel_running : {false, true}) {
    BatchBench bench;
    const BatchResult result = bench.run(
        std::string(
            R"({"concurrency": 2, "failure_policy": {"max_failures": 0, "cancel_running": )") +
        (cancel_running ? "true" : "false") + R"(}, "steps": [
      {"name": "slow", "type": "t.item", "target": {"id": "slow"}},
      {"name": "bad", "type": "t.item", "target": {"id": "fail"}},
      {"name": "never", "type": "t.item", "target": {"id": "never"}}]})");
    const auto* slow = find_record(result, "slow#0");
    ASSERT_NE(slow, nullptr);
    ASSERT_TRUE(slow->code.has_value());
    EXPECT_EQ(*slow->code, cancel_running ? Code::cancelled : Code::stopped) << cancel_running;
    EXPECT_EQ(find_record(result, "never#0")->skipped, result.summary.halt_reason);
    EXPECT_EQ(bench.recorder.count("never"), 0);
  }
}

TEST(BatchEngine, DuplicateTargetIsStoppedOnceAndBothStepsGetTheResult) {
  BatchBench bench;
  bench.catalog->groups["g"] = {{{"id", "shared"}}, {{"id", "own"}}};
  const BatchResult result = bench.run(R"({"steps": [
    {"name": "first", "type": "t.item", "target": {"id": "shared"}},
    {"name": "second", "type": "t.item", "selector": {"group": "g"}, "wave": 1}]})");
  EXPECT_EQ(bench.recorder.count("shared"), 1);
  EXPECT_EQ(result.summary.counts.succeeded, 3u);
  const auto* first = find_record(result, "first#0");
  const auto* second = find_record(result, "second#0");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->code, std::optional(Code::stopped));
  EXPECT_EQ(second->message, first->message);
  EXPECT_EQ(second->same_as, "first#0");
  EXPECT_TRUE(first->same_as.empty());
}

TEST(BatchEngine, DuplicatesRunningAtOnceShareOneStop) {
  BatchBench bench;
  const BatchResult result = bench.run(R"({"concurrency": 4, "steps": [
    {"name": "a", "type": "t.item", "target": {"id": "slow-x"}},
    {"name": "b", "type": "t.item", "target": {"id": "slow-x"}}]})");
  EXPECT_EQ(bench.recorder.count("slow-x"), 1);
  EXPECT_EQ(result.summary.counts.succeeded, 2u);
  EXPECT_EQ(find_record(result, "b#0")->same_as, "a#0");
}

TEST(BatchEngine, CancelSkipsPendingItemsAndCancelsRunningOnes) {
  BatchBench bench;
  bench.catalog->add_group("g", "slow", 6);
  const core::BatchPlan plan = core::parse_batch_plan(
      R"({"concurrency": 2, "steps": [{"name": "s", "type": "t.item", "selector": {"group": "g"}}]})",
      "p");
  core::BatchEngine engine(plan, core::expand_batch_plan(plan, *bench.catalog), *bench.runner,
                           nullptr);
  engine.start();
  while (engine.progress().running < 2) std::this_thread::sleep_for(1ms);
  engine.cancel();
  const BatchResult& result = engine.wait();
  EXPECT_TRUE(result.summary.cancelled);
  EXPECT_EQ(result.summary.counts.skipped, 4u);
  EXPECT_EQ(result.summary.counts.failed, 2u);
  for (const auto& record : result.items) {
    if (record.code) {
      EXPECT_EQ(*record.code, Code::cancelled) << record.item;
    } else {
      EXPECT_EQ(record.skipped, "cancelled: the batch was interrupted before it started");
    }
  }
}

TEST(BatchEngine, BatchDeadlineEndsRunningItemsAndSkipsTheRest) {
  auto clock = std::make_shared<FakeClock>();
  BatchBench bench(std::nullopt, clock);
  bench.catalog->add_group("g", "hang", 4);
  const core::BatchPlan plan = core::parse_batch_plan(R"({"concurrency": 1, "deadline": 0.1,
    "steps": [{"name": "s", "type": "t.item", "selector": {"group": "g"}}]})",
                                                      "test-plan");
  core::BatchEngineOptions options;
  options.clock = clock;
  core::BatchEngine engine(plan, core::expand_batch_plan(plan, *bench.catalog, false),
                           *bench.runner, nullptr, options);
  engine.start();
  const auto waited = Clock::now();
  while (engine.progress().running < 1) {
    ASSERT_LT(Clock::now() - waited, 10s) << "the first item never started";
    std::this_thread::yield();
  }
  clock->advance(99ms);
  EXPECT_FALSE(engine.wait_for(50ms)) << "ended before the batch's deadline";
  clock->advance(1ms);
  const BatchResult& result = engine.wait();
  const auto* first = find_record(result, "s#0");
  ASSERT_TRUE(first->code.has_value());
  EXPECT_EQ(*first->code, Code::deadline_exceeded) << first->message;
  for (const char* never : {"s#1", "s#2", "s#3"})
    EXPECT_EQ(find_record(result, never)->skipped, "the batch's deadline passed before it started");
}

TEST(BatchEngine, DryRunShowsEveryItemWhateverTheOutcomes) {
  BatchBench bench(sdk::Inspection::State::absent);  // every dry run: not_found
  const BatchResult result = bench.run(R"({"failure_policy": "halt", "steps": [
    {"name": "a", "type": "t.item", "target": {"id": "a"}},
    {"name": "b", "type": "t.item", "target": {"id": "b"}, "needs": ["a"]}]})",
                                       core::BatchEngineOptions{true, {}, nullptr});
  EXPECT_EQ(bench.provider->calls.load(), 0) << "a dry run never calls stop()";
  EXPECT_FALSE(result.summary.halted);
  EXPECT_EQ(result.summary.counts.skipped, 0u);
  for (const auto& record : result.items) {
    EXPECT_EQ(record.code, std::optional(Code::not_found)) << record.item;
    EXPECT_TRUE(record.dry_run) << record.item;
  }
}

TEST(BatchEngine, FinishedItemsAreCarriedAndNotRunAgain) {
  BatchBench bench;
  core::BatchItemRecord done;
  done.item = "a#0";
  done.step = "a";
  done.type = "t.item";
  done.target = {{"id", "a"}};
  done.code = Code::stopped;
  done.message = "stopped earlier";
  core::BatchEngineOptions options;
  options.finished.emplace("a#0", done);
  const BatchResult result = bench.run(R"({"steps": [
    {"name": "a", "type": "t.item", "target": {"id": "a"}},
    {"name": "b", "type": "t.item", "target": {"id": "b"}, "needs": ["a"]}]})",
                                       std::move(options));
  EXPECT_EQ(bench.recorder.count("a"), 0);
  EXPECT_EQ(bench.recorder.count("b"), 1);
  const auto* a = find_record(result, "a#0");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->carried);
  EXPECT_EQ(a->message, "stopped earlier");
  EXPECT_EQ(result.summary.counts.succeeded, 2u);
}

TEST(BatchEngine, EmptySelectorStepSucceedsSoItsDependentsRun) {
  BatchBench bench;
  bench.catalog->groups["none"] = {};
  const BatchResult result = bench.run(R"({"steps": [
    {"name": "nothing", "type": "t.item", "selector": {"group": "none"}},
    {"name": "after", "type": "t.item", "target": {"id": "after"}, "needs": ["nothing"]}]})");
  EXPECT_EQ(result.summary.counts.total, 1u);
  EXPECT_EQ(result.summary.counts.succeeded, 1u);
}

// A runner that completes every item before start() returns, as a dispatcher does for a request
// it refuses: the engine must not recurse once per item.
class ImmediateRunner final : public core::BatchItemRunner {
 public:
  void start(const core::BatchItem&, std::optional<Clock::time_point>, Done done) override {
    ++started;
    core::StopResult result;
    result.outcome = sdk::StopOutcome::make(Code::stopped, "at once");
    done(result);
  }
  void cancel(const std::string&) override {}
  int started = 0;
};

TEST(BatchEngine, SynchronousCompletionsOfManyItemsNeedNoDeepRecursion) {
  core::BatchPlan plan = core::parse_batch_plan(
      R"({"steps": [{"name": "a", "type": "t", "target": {}}, {"name": "b", "type": "t",
          "target": {}, "wave": 1}]})",
      "p");
  std::vector<core::BatchItem> items;
  for (int i = 0; i < 200000; ++i)
    items.push_back(core::make_batch_item(plan, static_cast<std::size_t>(i % 2),
                                          static_cast<std::size_t>(i),
                                          {{"id", std::to_string(i)}}));
  ImmediateRunner runner;
  core::BatchEngine engine(plan, std::move(items), runner, nullptr);
  engine.start();
  ASSERT_TRUE(engine.wait_for(60s));
  EXPECT_EQ(runner.started, 200000);
  EXPECT_EQ(engine.wait().summary.counts.succeeded, 200000u);
}

// Every item is reported started, then finished, in order, with consistent counts.
class CountingObserver final : public core::BatchObserver {
 public:
  void on_item_started(const core::BatchItem&, const core::BatchProgress& p) override {
    ++started;
    EXPECT_EQ(p.total, p.finished() + p.running + p.pending);
  }
  void on_item_finished(const core::BatchItemRecord&, const core::BatchProgress& p) override {
    ++finished;
    EXPECT_EQ(p.total, p.finished() + p.running + p.pending);
  }
  void on_halted(const std::string&) override { ++halted; }
  int started = 0;
  int finished = 0;
  int halted = 0;
};

TEST(BatchEngine, ObserverSeesEveryItemWithConsistentCounts) {
  BatchBench bench;
  bench.catalog->add_group("g", "fail", 5);
  CountingObserver observer;
  const BatchResult result = bench.run(R"({"concurrency": 1, "failure_policy": {"max_failures": 1},
    "steps": [{"name": "s", "type": "t.item", "selector": {"group": "g"}}]})",
                                       {}, &observer);
  EXPECT_EQ(observer.started, 2);
  EXPECT_EQ(observer.finished, 5);
  EXPECT_EQ(observer.halted, 1);
  EXPECT_EQ(result.summary.counts.total, 5u);
}

}  // namespace
}  // namespace stopd::test
