// A batch plan: the steps of a scripted mass stop, how they are ordered (waves, needs) and the
// limits and failure policy they run under. Parsed from JSON or YAML text, checked against the
// plan schema (core/schemas/plan.schema.json) and for what a schema cannot say (unknown waves,
// dangling or cyclic needs) before anything runs.
#pragma once

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "stopd/sdk/request.hpp"

namespace stopd::core {

// Everything wrong with a plan that was found before anything ran. Each problem names where it is
// (file:line:column for syntax, the step and field otherwise) and what was expected. Only the
// first 20 are kept, then one line "… and N more problems".
class PlanError : public std::runtime_error {
 public:
  explicit PlanError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

inline constexpr unsigned kDefaultBatchConcurrency = 16;

struct BatchStep {
  std::string name;
  std::string type;
  std::optional<nlohmann::json> target;    // exactly one of target and selector
  std::optional<nlohmann::json> selector;  // expanded through the provider's list()
  std::size_t wave = 0;                    // index into BatchPlan::waves
  std::vector<std::string> needs;          // steps that must have succeeded first
  // The defaults with this step's overrides applied.
  sdk::Mode mode = sdk::Mode::graceful;
  std::optional<std::chrono::milliseconds> grace = std::chrono::seconds(10);  // nullopt: unbounded
  std::optional<std::chrono::milliseconds> deadline;  // per item; nullopt: the dispatcher's default
  std::optional<unsigned> max_attempts;               // nullopt: the dispatcher's default
  nlohmann::json options = nlohmann::json::object();
  std::optional<unsigned> concurrency;  // items of this step at once; nullopt: no own limit
};

struct FailurePolicy {
  // Failed items tolerated; one more halts the batch. Neither set: never halt ("continue").
  std::optional<std::size_t> max_failures;
  std::optional<double> max_failure_percent;  // of all items of the batch
  bool cancel_running = false;                // on halt, also cancel the items already running

  static FailurePolicy fail_fast() { return FailurePolicy{0, std::nullopt, false}; }
  // From a limit as `--max-failures` takes it: "3" (a count) or "10%" (of all items, at most
  // 100). nullopt when `text` is neither.
  static std::optional<FailurePolicy> from_limit(std::string_view text);
  // Whether `failed` failed items out of `total` exceed what the policy tolerates.
  bool exceeded(std::size_t failed, std::size_t total) const;
  // "continue", "halt on the first failure", "halt past 3 failures", "halt past 10% failures".
  std::string describe() const;
};

struct BatchPlan {
  std::vector<std::string> waves;  // in the order they run; numeric waves are named "1", "2"…
  std::vector<BatchStep> steps;    // in the plan's order
  unsigned concurrency = kDefaultBatchConcurrency;
  FailurePolicy failure_policy;
  std::optional<std::chrono::milliseconds> deadline;  // the whole batch
  nlohmann::json document;  // the plan as parsed (YAML converted to JSON), e.g. to journal it

  // The index of the step called `name`, or nullopt. Constant time for a parsed plan.
  std::optional<std::size_t> find_step(std::string_view name) const;

  // Step names to indices, built by the parser (a plan assembled by hand is searched instead).
  std::unordered_map<std::string, std::size_t> step_index;
};

// The plan schema (core/schemas/plan.schema.json, embedded at build time).
const nlohmann::json& batch_plan_schema();

// Parses `text` (JSON when it starts with '{' after blanks, YAML otherwise; `source` names it in
// messages, e.g. the file name) and checks it. Throws PlanError listing every problem found.
BatchPlan parse_batch_plan(std::string_view text, std::string_view source);

// The same for a plan already in JSON form (BatchPlan::document).
BatchPlan batch_plan_from_json(const nlohmann::json& document, std::string_view source);

}  // namespace stopd::core
