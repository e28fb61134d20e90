// Expansion: selectors become items with stable ids, and every item is validated against its
// provider before anything runs.
#include "stopd/batch/batch_expansion.hpp"

#include <gtest/gtest.h>

#include "batch_test_support.hpp"

namespace stopd::test {
namespace {

std::string refusal(BatchBench& bench, const std::string& plan_json) {
  try {
    core::expand_batch_plan(core::parse_batch_plan(plan_json, "p"), *bench.catalog);
  } catch (const core::PlanError& e) {
    std::string all;
    for (const auto& problem : e.problems()) all += problem + "\n";
    return all;
  }
  return "";
}

TEST(BatchExpansion, SelectorsBecomeNumberedItemsWithTheStepsSettings) {
  BatchBench bench;
  bench.catalog->add_group("g", "x", 3);
  const auto plan = core::parse_batch_plan(R"({"defaults": {"grace": 2, "deadline": 9},
    "steps": [{"name": "one", "type": "t.item", "target": {"id": "solo"}, "mode": "immediate"},
              {"name": "many", "type": "t.item", "selector": {"group": "g"},
               "options": {"note": "hi"}, "retries": {"max_attempts": 2}}]})",
                                           "p");
  const auto items = core::expand_batch_plan(plan, *bench.catalog, /*dry_run=*/true);
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].id, "one#0");
  EXPECT_EQ(items[0].request.mode, sdk::Mode::immediate);
  EXPECT_EQ(items[1].id, "many#0");
  EXPECT_EQ(items[3].id, "many#2");
  EXPECT_EQ(items[3].request.target, (nlohmann::json{{"id", "x2"}}));
  EXPECT_EQ(items[3].request.options, (nlohmann::json{{"note", "hi"}}));
  EXPECT_EQ(items[3].request.grace, std::optional<std::chrono::milliseconds>(2s));
  EXPECT_EQ(items[3].deadline, std::optional<std::chrono::milliseconds>(9s));
  EXPECT_EQ(items[3].max_attempts, std::optional<unsigned>(2));
  EXPECT_TRUE(items[3].request.dry_run);
  EXPECT_EQ(items[3].step, 1u);
}

TEST(BatchExpansion, UnknownTypeNamesTheStep) {
  BatchBench bench;
  const std::string problems =
      refusal(bench, R"({"steps": [{"name": "web", "type": "no.such", "target": {"id": "a"}}]})");
  EXPECT_NE(problems.find("step 'web': type: unknown resource type 'no.such'"), std::string::npos)
      << problems;
}

TEST(BatchExpansion, MissingTargetKeyNamesTheStepAndKey) {
  BatchBench bench;
  const std::string problems =
      refusal(bench, R"({"steps": [{"name": "web", "type": "t.item", "target": {"idd": "a"}}]})");
  EXPECT_NE(problems.find("step 'web': target"), std::string::npos) << problems;
  EXPECT_NE(problems.find("'idd'"), std::string::npos) << problems;
}

TEST(BatchExpansion, RefusedSelectorNamesTheStep) {
  BatchBench bench;
  const std::string problems = refusal(
      bench, R"({"steps": [{"name": "web", "type": "t.item", "selector": {"group": "?"}}]})");
  EXPECT_NE(problems.find("step 'web': selector {\"group\":\"?\"}: selector.group: no such group"),
            std::string::npos)
      << problems;
}

TEST(BatchExpansion, EveryBadStepIsReportedAtOnce) {
  BatchBench bench;
  const std::string problems = refusal(bench, R"({"steps": [
    {"name": "a", "type": "no.such", "target": {"id": "a"}},
    {"name": "b", "type": "t.item", "target": {}},
    {"name": "c", "type": "t.item", "target": {"id": "fine"}}]})");
  EXPECT_NE(problems.find("step 'a'"), std::string::npos) << problems;
  EXPECT_NE(problems.find("step 'b'"), std::string::npos) << problems;
  EXPECT_EQ(problems.find("step 'c'"), std::string::npos) << problems;
}

}  // namespace
}  // namespace stopd::test
