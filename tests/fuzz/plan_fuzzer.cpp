// Batch plan text, JSON or YAML, through parse_batch_plan as `stopctl batch` and SubmitBatch call
// it. Every input must end in a plan or a PlanError whose problems name the source. A plan that
// parses must survive what the daemon does next: journal its document as JSON text and parse
// that back into the same plan when it resumes the batch (BatchManager).
#include <nlohmann/json.hpp>
#include <optional>

#include "fuzz_check.hpp"
#include "stopd/batch/batch_plan.hpp"

namespace {

using stopd::core::BatchPlan;
using stopd::core::PlanError;
using stopd::fuzz::check;
using stopd::fuzz::fail;

constexpr std::string_view kSource = "fuzz.plan";

bool same_plan(const BatchPlan& a, const BatchPlan& b) {
  if (a.waves != b.waves || a.steps.size() != b.steps.size() || a.concurrency != b.concurrency ||
      a.deadline != b.deadline || a.failure_policy.describe() != b.failure_policy.describe())
    return false;
  for (std::size_t i = 0; i < a.steps.size(); ++i) {
    const auto& x = a.steps[i];
    const auto& y = b.steps[i];
    if (x.name != y.name || x.type != y.type || x.target != y.target || x.selector != y.selector ||
        x.wave != y.wave || x.needs != y.needs || x.mode != y.mode || x.grace != y.grace ||
        x.deadline != y.deadline || x.max_attempts != y.max_attempts || x.options != y.options ||
        x.concurrency != y.concurrency)
      return false;
  }
  return true;
}

}  // namespace

// Setup before the first input: its coverage is not what is fuzzed, and libFuzzer would count
// it with whichever input happens to run first.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  try {
    stopd::core::parse_batch_plan("{}", kSource);  // compiles the plan schema
  } catch (const PlanError&) {
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = stopd::fuzz::text_of(data, size);
  std::optional<BatchPlan> plan;
  try {
    plan = stopd::core::parse_batch_plan(text, kSource);
  } catch (const PlanError& e) {
    check(!e.problems().empty(), "a PlanError lists no problem");
    for (const auto& problem : e.problems())
      if (!problem.starts_with(kSource) && !problem.starts_with("… and "))
        fail("a problem does not name the plan's source", problem);
    return 0;
  }
  // The journal keeps the document as JSON text (batch_manager.cpp); a resume parses it again.
  const std::string journaled = plan->document.dump();
  const BatchPlan resumed =
      stopd::core::batch_plan_from_json(nlohmann::json::parse(journaled), kSource);
  if (!same_plan(*plan, resumed)) fail("the journaled plan parses into another plan", journaled);
  return 0;
}
