// Plans: what parses into what, and every bad plan refused with a message naming where and why.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "plan_refusal.hpp"
#include "stopd/batch/batch_plan.hpp"

namespace stopd::core {
namespace {

using namespace std::chrono_literals;

TEST(PlanParser, YamlPlanWithNamedWavesDefaultsAndOverrides) {
  const BatchPlan plan = parse_batch_plan(R"(
waves: [drain, stop]
defaults:
  grace: 5
  deadline: 60
  options: {signal: SIGINT}
  retries: {max_attempts: 3}
concurrency: 8
deadline: 600
failure_policy: {max_failures: "10%", cancel_running: true}
steps:
  - name: web
    type: local.process
    wave: stop
    needs: [queue]
    target: {pid: 42}
    grace: unbounded
    options: {extra: "1"}
    concurrency: 2
  - name: queue
    type: local.process
    wave: drain
    selector: {comm: worker}
    mode: immediate
    retries: {max_attempts: 1}
)",
                                          "plan.yaml");
  ASSERT_EQ(plan.waves, (std::vector<std::string>{"drain", "stop"}));
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(plan.concurrency, 8u);
  EXPECT_EQ(plan.deadline, std::optional<std::chrono::milliseconds>(600s));
  EXPECT_EQ(plan.failure_policy.max_failure_percent, std::optional<double>(10.0));
  EXPECT_TRUE(plan.failure_policy.cancel_running);
  const BatchStep& web = plan.steps[0];
  EXPECT_EQ(web.wave, 1u);
  EXPECT_EQ(web.needs, std::vector<std::string>{"queue"});
  EXPECT_EQ(web.target, (nlohmann::json{{"pid", 42}}));
  EXPECT_FALSE(web.grace.has_value()) << "unbounded";
  EXPECT_EQ(web.deadline, std::optional<std::chrono::milliseconds>(60s));
  EXPECT_EQ(web.max_attempts, std::optional<unsigned>(3));
  EXPECT_EQ(web.options, (nlohmann::json{{"signal", "SIGINT"}, {"extra", "1"}}));
  EXPECT_EQ(web.concurrency, std::optional<unsigned>(2));
  const BatchStep& queue = plan.steps[1];
  EXPECT_EQ(queue.wave, 0u);
  EXPECT_EQ(queue.mode, sdk::Mode::immediate);
  EXPECT_EQ(queue.grace, std::optional<std::chrono::milliseconds>(5s));
  EXPECT_EQ(queue.selector, (nlohmann::json{{"comm", "worker"}}));
  EXPECT_EQ(queue.max_attempts, std::optional<unsigned>(1));
}

TEST(PlanParser, NumericWavesRunInAscendingOrderAndDefaultToZero) {
  const BatchPlan plan = parse_batch_plan(R"({"steps": [
    {"name": "c", "type": "t", "target": {"id": "c"}, "wave": 10},
    {"name": "a", "type": "t", "target": {"id": "a"}, "wave": -1},
    {"name": "b", "type": "t", "target": {"id": "b"}}]})",
                                          "plan.json");
  EXPECT_EQ(plan.waves, (std::vector<std::string>{"-1", "0", "10"}));
  EXPECT_EQ(plan.steps[0].wave, 2u);
  EXPECT_EQ(plan.steps[1].wave, 0u);
  EXPECT_EQ(plan.steps[2].wave, 1u) << "a step without a wave is in wave 0";
  EXPECT_EQ(plan.concurrency, kDefaultBatchConcurrency);
  EXPECT_FALSE(plan.failure_policy.max_failures.has_value());
}

TEST(PlanParser, FailurePolicyShorthands) {
  const auto policy = [](const std::string& value) {
    return parse_batch_plan(R"({"failure_policy": )" + value +
                                R"(, "steps": [{"name": "a", "type": "t", "target": {}}]})",
                            "p")
        .failure_policy;
  };
  EXPECT_FALSE(policy(R"("continue")").exceeded(1000, 1000));
  EXPECT_TRUE(policy(R"("halt")").exceeded(1, 1000));
  EXPECT_FALSE(policy(R"({"max_failures": 2})").exceeded(2, 10));
  EXPECT_TRUE(policy(R"({"max_failures": 2})").exceeded(3, 10));
  EXPECT_FALSE(policy(R"({"max_failures": "25%"})").exceeded(5, 20));
  EXPECT_TRUE(policy(R"({"max_failures": "25%"})").exceeded(6, 20));
}

TEST(PlanParser, JsonSyntaxErrorNamesLineAndColumn) {
  const std::string problems =
      refusal("{\n  \"steps\": [\n    {\"name\": \"a\",, }\n  ]\n}", "plan.json");
  EXPECT_TRUE(contains(problems, "plan.json:3:18: syntax error")) << problems;
}

TEST(PlanParser, YamlSyntaxErrorNamesLineAndColumn) {
  const std::string problems =
      refusal("steps:\n  - name: a\n    type: [unclosed\n    target: {}\n", "plan.yaml");
  EXPECT_TRUE(contains(problems, "plan.yaml:")) << problems;
  EXPECT_TRUE(contains(problems, ": syntax error: ")) << problems;
  // yaml-cpp places the error where the flow sequence turned out to be unterminated: line 3 or
  // later, never "0:0" (unknown).
  EXPECT_FALSE(contains(problems, "plan.yaml:0:")) << problems;
  EXPECT_FALSE(contains(problems, "plan.yaml:1:")) << problems;
}

TEST(PlanParser, YamlDuplicateKeyIsASyntaxErrorWithItsPosition) {
  const std::string problems =
      refusal("steps:\n  - name: a\n    name: b\n    type: t\n    target: {}\n", "p.yaml");
  EXPECT_TRUE(contains(problems, "p.yaml:3:5: syntax error: duplicate key 'name'")) << problems;
}

TEST(PlanParser, NegativeGraceNamesTheStepAndField) {
  const std::string problems =
      refusal(R"({"steps": [{"name": "db", "type": "t", "target": {"id": "x"}, "grace": -1}]})");
  EXPECT_TRUE(contains(problems, "step 'db' (steps[0]): grace: expected a number >= 0, got -1"))
      << problems;
}

TEST(PlanParser, GraceWordOtherThanUnboundedIsRefused) {
  const std::string problems =
      refusal(R"({"steps": [{"name": "db", "type": "t", "target": {}, "grace": "forever"}]})");
  EXPECT_TRUE(contains(problems,
                       "step 'db' (steps[0]): grace: expected seconds >= 0 or "
                       "\"unbounded\", got \"forever\""))
      << problems;
}

TEST(PlanParser, UnknownKeyIsNamedWithTheKeysExpected) {
  const std::string problems =
      refusal(R"({"steps": [{"name": "db", "type": "t", "target": {}, "gracee": 1}]})");
  EXPECT_TRUE(contains(problems, "step 'db' (steps[0]): unknown key 'gracee'")) << problems;
}

TEST(PlanParser, StepNeedsATargetOrASelectorNotBoth) {
  EXPECT_TRUE(contains(refusal(R"({"steps": [{"name": "a", "type": "t"}]})"),
                       "step 'a' (steps[0]): needs a target (one resource) or a selector"));
  EXPECT_TRUE(
      contains(refusal(R"({"steps": [{"name": "a", "type": "t", "target": {}, "selector": {}}]})"),
               "step 'a' (steps[0]): has both target and selector"));
}

TEST(PlanParser, DanglingNeedNamesBothSteps) {
  const std::string problems =
      refusal(R"({"steps": [{"name": "web", "type": "t", "target": {}, "needs": ["dbb"]}]})");
  EXPECT_TRUE(contains(problems, "step 'web': needs: no step is called 'dbb'")) << problems;
}

TEST(PlanParser, CycleNamesEveryStepOnIt) {
  const std::string problems = refusal(R"({"steps": [
    {"name": "a", "type": "t", "target": {}, "needs": ["c"]},
    {"name": "b", "type": "t", "target": {}, "needs": ["a"]},
    {"name": "c", "type": "t", "target": {}, "needs": ["b"]},
    {"name": "d", "type": "t", "target": {}}]})");
  EXPECT_TRUE(contains(problems, "needs form a cycle")) << problems;
  EXPECT_TRUE(contains(problems, "a → c → b → a")) << problems;
  EXPECT_FALSE(contains(problems, "→ d")) << problems;
}

TEST(PlanParser, SelfNeedAndNeedOfALaterWaveAreRefused) {
  EXPECT_TRUE(
      contains(refusal(R"({"steps": [{"name": "a", "type": "t", "target": {}, "needs": ["a"]}]})"),
               "step 'a': needs: a step cannot need itself"));
  const std::string problems = refusal(R"({"waves": ["one", "two"], "steps": [
    {"name": "a", "type": "t", "target": {}, "wave": "one", "needs": ["b"]},
    {"name": "b", "type": "t", "target": {}, "wave": "two"}]})");
  EXPECT_TRUE(contains(problems,
                       "step 'a' (wave one) needs step 'b', which is in the later wave "
                       "two"))
      << problems;
}

TEST(PlanParser, UnknownWaveAndDuplicateStepNames) {
  const std::string problems = refusal(R"({"waves": ["one"], "steps": [
    {"name": "a", "type": "t", "target": {}, "wave": "three"},
    {"name": "a", "type": "t", "target": {}}]})");
  EXPECT_TRUE(contains(problems, "step 'a' (steps[0]): wave: unknown wave 'three'")) << problems;
  EXPECT_TRUE(contains(problems, "step 'a' (steps[1]): name: another step is already called 'a'"))
      << problems;
}

TEST(PlanParser, EmptyPlanAndMissingStepsAreRefused) {
  EXPECT_TRUE(contains(refusal("  \n", "p.yaml"), "p.yaml: the plan is empty"));
  EXPECT_TRUE(contains(refusal(R"({"concurrency": 3})", "p.json"),
                       "p.json: the plan: missing required key 'steps'"));
}

// The examples shipped in examples/plans/ are valid plans.
TEST(PlanParser, ExamplesParse) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(STOPD_SOURCE_DIR) / "examples" / "plans";
  int parsed = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream file(entry.path());
    std::stringstream text;
    text << file.rdbuf();
    EXPECT_NO_THROW(parse_batch_plan(text.str(), entry.path().string())) << entry.path();
    ++parsed;
  }
  EXPECT_GE(parsed, 2);
}

}  // namespace
}  // namespace stopd::core
