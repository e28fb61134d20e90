// Hostile plans: each is refused quickly, with bounded memory and a bounded message that names the
// limit, where the parser used to recurse, expand or list without end.
#include <gtest/gtest.h>

#include <string>

#include "plan_refusal.hpp"
#include "stopd/batch/batch_plan.hpp"
#include "stopd/core/input_limits.hpp"
#include "stopd/test/hostile_plans.hpp"

namespace stopd::core {
namespace {

using test::billion_laughs_plan;
using test::needs_cycle_plan;
using test::nested_arrays;

TEST(PlanLimits, JsonStepsNestedFiftyThousandDeep) {
  const std::string plan = R"({"steps": )" + nested_arrays(50'000) + "}";
  const std::string problems = refusal(plan, "deep.json");
  EXPECT_TRUE(contains(problems, "deep.json:1:")) << problems;
  EXPECT_TRUE(contains(problems, "nested more than 32 levels deep")) << problems;
}

TEST(PlanLimits, NestingInsideATargetOrOptions) {
  const std::string target =
      R"({"steps": [{"name": "a", "type": "local.process", "target": {"pid": )" +
      nested_arrays(50'000) + "}}]}";
  EXPECT_TRUE(contains(refusal(target), "nested more than 32 levels deep"));
  std::string options =
      "steps:\n  - name: a\n    type: local.process\n    target: {pid: 1}\n"
      "    options: {x: " +
      nested_arrays(50'000) + "}\n";
  EXPECT_TRUE(contains(refusal(options, "p.yaml"), "p.yaml:5:")) << refusal(options, "p.yaml");
  EXPECT_TRUE(contains(refusal(options, "p.yaml"), "nested more than 32 levels deep"));
}

TEST(PlanLimits, YamlBlockNestingIsCountedToo) {
  std::string plan = "steps:\n";
  std::string indent;
  for (int i = 0; i < 40; ++i) {
    plan += indent + "- \n";
    indent += "  ";
  }
  EXPECT_TRUE(contains(refusal(plan, "p.yaml"), "nested more than 32 levels deep"))
      << refusal(plan, "p.yaml");
}

TEST(PlanLimits, NestingUpToTheLimitStillParses) {
  // plan, steps, step, target: 4 levels; the target's value takes the rest.
  const std::string value = nested_arrays(limits::kMaxNesting - 4);
  const std::string plan =
      R"({"steps": [{"name": "a", "type": "t", "target": {"k": )" + value + "}}]}";
  EXPECT_EQ(refusal(plan), "");
}

// "Billion laughs": nine levels of ten aliases each would expand to 10^9 values.
TEST(PlanLimits, YamlAliasesExpandingWithoutBoundAreRefused) {
  const std::string plan = billion_laughs_plan("t");
  ASSERT_LT(plan.size(), 600u);
  const std::string problems = refusal(plan, "laughs.yaml");
  EXPECT_TRUE(contains(problems, "values, aliases expanded (the limit for one document)"))
      << problems;
}

TEST(PlanLimits, TooManyAliasesAreRefused) {
  std::string plan = "x: &x 1\nsteps:\n  - name: s\n    type: t\n    target: {k: [";
  for (std::size_t i = 0; i <= limits::kMaxYamlAliases; ++i) plan += "*x, ";
  plan += "1]}\n";
  EXPECT_TRUE(contains(refusal(plan, "p.yaml"), "aliases (the limit for one document)"));
}

TEST(PlanLimits, AnAliasInsideItsOwnNodeIsRefused) {
  EXPECT_TRUE(contains(refusal("a: &a [1, *a]\nsteps: []\n", "p.yaml"),
                       "an alias inside the node it refers to"));
}

TEST(PlanLimits, OrdinaryAnchorsAndAliasesStillWork) {
  const BatchPlan plan = parse_batch_plan(R"(
steps:
  - {name: a, type: local.process, target: {pid: 1}, options: &opts {signal: SIGINT}}
  - {name: b, type: local.process, target: {pid: 2}, options: *opts}
)",
                                          "p.yaml");
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(plan.steps[1].options["signal"], "SIGINT");
}

TEST(PlanLimits, AnAnchoredKeyCanBeAValueElsewhere) {
  const BatchPlan plan = parse_batch_plan(R"(
steps:
  - {name: a, type: local.process, target: {&k pidfile: /run/a.pid}, options: {note: *k}}
)",
                                          "p.yaml");
  EXPECT_EQ(plan.steps[0].options["note"], "pidfile");
}

TEST(PlanLimits, InvalidUtf8InYamlIsRefusedWithItsPosition) {
  const std::string problems =
      refusal("steps:\n  - name: \"caf\xe9\"\n    type: t\n    target: {}\n", "p.yaml");
  EXPECT_TRUE(contains(problems, "p.yaml:2:") && contains(problems, "not valid UTF-8")) << problems;
}

TEST(PlanLimits, NumbersBeyondADoubleAreRefusedNotTurnedIntoNull) {
  EXPECT_TRUE(contains(refusal("steps: [{name: a, type: t, target: {pid: 1e400}}]\n", "p.yaml"),
                       "p.yaml:1:42: syntax error: a number beyond the range of a double"))
      << refusal("steps: [{name: a, type: t, target: {pid: 1e400}}]\n", "p.yaml");
  EXPECT_TRUE(
      contains(refusal(R"({"steps": [{"name": "a", "type": "t", "target": {"pid": 1e400}}]})"),
               "a number beyond the range of a double"));
}

TEST(PlanLimits, APercentageOfHundredsOfDigitsIsAProblemNotAThrow) {
  const std::string plan = "failure_policy: {max_failures: \"" + std::string(400, '9') +
                           "%\"}\nsteps: [{name: a, type: t, target: {}}]\n";
  EXPECT_TRUE(contains(refusal(plan, "p.yaml"),
                       "failure_policy.max_failures: expected a percentage of at most 100%"))
      << refusal(plan, "p.yaml");
}

TEST(PlanLimits, ANulByteIsRefusedBeforeYamlCppGuessesAnotherEncoding) {
  const std::string plan("\0\0\0s\0\0\0t", 8);
  EXPECT_TRUE(contains(refusal(plan, "p.yaml"), "p.yaml:1:1: syntax error: a NUL byte"))
      << refusal(plan, "p.yaml");
}

TEST(PlanLimits, AHundredThousandStepCycleIsFoundWithoutRecursion) {
  const std::string problems = refusal(needs_cycle_plan(100'000, "t"), "cycle.yaml");
  EXPECT_TRUE(contains(problems, "needs form a cycle")) << problems.substr(0, 2000);
  EXPECT_TRUE(contains(problems, "and 99992 more steps, back to 's0'")) << problems;
  EXPECT_LT(problems.size(), 1000u);
}

TEST(PlanLimits, ACycleOfEightIsNamedWhole) {
  const std::string problems = refusal(needs_cycle_plan(8, "t"), "cycle.yaml");
  EXPECT_TRUE(contains(problems, "s0 → s1 → s2 → s3 → s4 → s5 → s6 → s7 → s0")) << problems;
}

TEST(PlanLimits, ThousandsOfProblemsAreCutToTheFirstTwenty) {
  std::string plan = "steps:\n";
  for (int i = 0; i < 5000; ++i)
    plan += "- {name: s" + std::to_string(i) + ", type: t, target: {}, needs: [nobody]}\n";
  try {
    parse_batch_plan(plan, "p.yaml");
    FAIL() << "accepted";
  } catch (const PlanError& e) {
    ASSERT_EQ(e.problems().size(), 21u);
    EXPECT_EQ(e.problems().back(), "… and 4980 more problems");
    EXPECT_TRUE(contains(e.what(), "(and 4999 more)")) << e.what();
  }
}

TEST(PlanLimits, HugeValuesAreCutInMessages) {
  const std::string name(100'000, 'n');
  const std::string problems =
      refusal(R"({"steps": [{"name": ")" + name + R"(", "type": "t", "target": {}}]})");
  EXPECT_TRUE(contains(problems, "(steps[0]): name: a string of 100000 bytes; at most 8192"))
      << problems;
  EXPECT_LT(problems.size(), 500u);
}

// uniqueItems is checked pair by pair: long lists would cost quadratic time.
TEST(PlanLimits, WavesAndNeedsAreListsOfAtMostAThousand) {
  std::string waves;
  for (int i = 0; i < 1001; ++i) waves += (i ? ", w" : "w") + std::to_string(i);
  const std::string plan = "waves: [" + waves + "]\nsteps: [{name: a, type: t, target: {}}]\n";
  EXPECT_TRUE(contains(refusal(plan, "p.yaml"), "waves: expected at most 1000 items, got 1001"))
      << refusal(plan, "p.yaml");
}

}  // namespace
}  // namespace stopd::core
