// Resume: what succeeded is carried, what did not runs again under its earlier id.
#include "stopd/batch/batch_resume.hpp"

#include <gtest/gtest.h>

#include "batch_test_support.hpp"

namespace stopd::test {
namespace {

using sdk::Code;

core::BatchItemRecord record(std::string item, std::string step, std::string id,
                             std::optional<Code> code) {
  core::BatchItemRecord r;
  r.item = std::move(item);
  r.step = std::move(step);
  r.type = "t.item";
  r.target = {{"id", std::move(id)}};
  r.code = code;
  if (!code) r.skipped = "halted: 1 failure";
  return r;
}

TEST(BatchResume, RunsOnlyWhatDidNotSucceedAndKeepsItsIds) {
  BatchBench bench;
  // Now the selector lists y (new, in x's old place), z and w; x was stopped before.
  bench.catalog->groups["g"] = {{{"id", "y"}}, {{"id", "z"}}, {{"id", "w"}}};
  const auto plan = core::parse_batch_plan(
      R"({"steps": [{"name": "s", "type": "t.item", "selector": {"group": "g"}},
                    {"name": "t", "type": "t.item", "target": {"id": "t"}}]})",
      "p");
  const std::vector<core::BatchItemRecord> previous = {
      record("s#0", "s", "x", Code::stopped),      // gone from the listing: carried
      record("s#1", "s", "z", Code::unavailable),  // failed: runs again as s#1
      record("s#2", "s", "w", Code::already_stopped),
      record("s#3", "s", "v", std::nullopt),  // skipped, no longer listed: runs from its target
      record("t#0", "t", "t", Code::stopped),
  };
  const auto resumed =
      core::resume_batch(plan, core::expand_batch_plan(plan, *bench.catalog), previous);
  std::map<std::string, std::string> ids;  // target id → item id
  for (const auto& item : resumed.items)
    ids[item.request.target["id"].get<std::string>()] = item.id;
  EXPECT_EQ(ids["z"], "s#1");
  EXPECT_EQ(ids["w"], "s#2");
  EXPECT_EQ(ids["y"], "s#4") << "s#0 belonged to x: a new target gets a new number";
  EXPECT_EQ(ids["v"], "s#3");
  EXPECT_EQ(ids["t"], "t#0");
  EXPECT_EQ(resumed.finished.size(), 3u);
  EXPECT_TRUE(resumed.finished.count("s#0") && resumed.finished.count("s#2") &&
              resumed.finished.count("t#0"));

  core::BatchEngineOptions options;
  options.finished = resumed.finished;
  core::BatchEngine engine(plan, resumed.items, *bench.runner, nullptr, std::move(options));
  engine.start();
  const auto& result = engine.wait();
  EXPECT_EQ(bench.recorder.count("x"), 0);
  EXPECT_EQ(bench.recorder.count("w"), 0);
  EXPECT_EQ(bench.recorder.count("t"), 0);
  EXPECT_EQ(bench.recorder.count("z"), 1);
  EXPECT_EQ(bench.recorder.count("y"), 1);
  EXPECT_EQ(bench.recorder.count("v"), 1);
  EXPECT_EQ(result.summary.counts.total, 6u);
  EXPECT_EQ(result.summary.counts.succeeded, 6u);
}

TEST(BatchResume, ARecordOfAStepThePlanLacksIsRefused) {
  BatchBench bench;
  const auto plan = core::parse_batch_plan(
      R"({"steps": [{"name": "s", "type": "t.item", "target": {"id": "a"}}]})", "p");
  EXPECT_THROW(core::resume_batch(plan, core::expand_batch_plan(plan, *bench.catalog),
                                  {record("gone#0", "gone", "a", Code::stopped)}),
               core::PlanError);
}

}  // namespace
}  // namespace stopd::test
