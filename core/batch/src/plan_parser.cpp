// Plan text → BatchPlan: the schema checks the shape, this file the meaning (waves, durations,
// target or selector), plan_dependencies.cpp the needs.
#include <cmath>
#include <regex>
#include <set>

#include "plan_dependencies.hpp"
#include "plan_document.hpp"
#include "stopd/batch/batch_plan.hpp"
#include "stopd/core/bounded_json.hpp"
#include "stopd/core/json_schema.hpp"

namespace stopd::core {
namespace {

using nlohmann::json;

// Durations beyond this are typos, not plans (the same bound stopctl puts on --grace).
constexpr double kMaxSeconds = 30.0 * 24 * 3600;

const JsonSchema& compiled_schema() {
  static const JsonSchema schema(batch_plan_schema());
  return schema;
}

// "plan.steps[2].grace: …" → "step 'db' (steps[2]): grace: …"; "plan.concurrency: …" →
// "concurrency: …".
std::string locate_schema_error(const json& document, const std::string& error) {
  static const std::regex in_step(R"(^plan\.steps\[(\d+)\]\.?([^:]*): (.*)$)");
  std::smatch match;
  if (std::regex_match(error, match, in_step)) {
    const auto index = std::stoul(match[1].str());
    std::string label = "steps[" + match[1].str() + "]";
    const json& steps = document.at("steps");
    if (index < steps.size() && steps[index].is_object() && steps[index].contains("name") &&
        steps[index]["name"].is_string())
      label =
          "step '" + text_excerpt(steps[index]["name"].get<std::string>()) + "' (" + label + ")";
    return label + ": " + (match[2].length() > 0 ? match[2].str() + ": " : "") + match[3].str();
  }
  if (error.rfind("plan.", 0) == 0) return error.substr(5);
  if (error.rfind("plan: ", 0) == 0) return "the plan: " + error.substr(6);
  return error;
}

std::chrono::milliseconds milliseconds(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000.0)));
}

// The settings a step starts from: the plan's defaults, then its own.
struct Settings {
  sdk::Mode mode = sdk::Mode::graceful;
  std::optional<std::chrono::milliseconds> grace = std::chrono::seconds(10);
  std::optional<std::chrono::milliseconds> deadline;
  std::optional<unsigned> max_attempts;
  json options = json::object();
};

class Parser {
 public:
  Parser(const json& document, std::string_view source) : doc_(document), source_(source) {}

  BatchPlan parse() {
    if (auto error = compiled_schema().validate(doc_, "plan"))
      throw PlanError({source_ + ": " + locate_schema_error(doc_, *error)});
    BatchPlan plan;
    plan.document = doc_;
    Settings defaults;
    if (doc_.contains("defaults")) apply(doc_["defaults"], defaults, "defaults");
    plan.concurrency = doc_.value("concurrency", kDefaultBatchConcurrency);
    if (doc_.contains("deadline"))
      plan.deadline = duration(doc_["deadline"], "deadline", "the batch's deadline");
    if (doc_.contains("failure_policy"))
      plan.failure_policy = failure_policy(doc_["failure_policy"]);
    waves(plan);
    steps(plan, defaults);
    for (auto& problem : batch::dependency_problems(plan, source_))
      problems_.push_back(std::move(problem));
    if (!problems_.empty()) throw PlanError(std::move(problems_));
    return plan;
  }

 private:
  void problem(const std::string& where, const std::string& what) {
    problems_.push_back(source_ + ": " + where + ": " + what);
  }

  std::chrono::milliseconds duration(const json& value, const std::string& where,
                                     const std::string& what) {
    const double seconds = value.get<double>();
    if (seconds > kMaxSeconds)
      problem(where, what + " of " + json_excerpt(value) + " s is more than 30 days");
    return milliseconds(seconds);
  }

  void apply(const json& object, Settings& settings, const std::string& where) {
    if (object.contains("mode"))
      settings.mode = object["mode"] == "immediate" ? sdk::Mode::immediate : sdk::Mode::graceful;
    if (object.contains("grace")) {
      // The schema let through only "unbounded" or a number >= 0.
      if (object["grace"].is_string())
        settings.grace = std::nullopt;
      else
        settings.grace = duration(object["grace"], where + ": grace", "a grace");
    }
    if (object.contains("deadline"))
      settings.deadline = duration(object["deadline"], where + ": deadline", "a deadline");
    if (object.contains("retries") && object["retries"].contains("max_attempts"))
      settings.max_attempts = object["retries"]["max_attempts"].get<unsigned>();
    if (object.contains("options"))
      for (const auto& [key, value] : object["options"].items()) settings.options[key] = value;
  }

  FailurePolicy failure_policy(const json& value) {
    FailurePolicy policy;
    if (value.is_string()) {
      if (value == "halt") policy = FailurePolicy::fail_fast();
      return policy;
    }
    policy.cancel_running = value.value("cancel_running", false);
    if (!value.contains("max_failures")) return policy;
    const json& max = value["max_failures"];
    if (max.is_number()) {
      policy.max_failures = max.get<std::size_t>();
    } else {
      // The schema let through only digits and a '%'; --max-failures reads the same way.
      const std::string text = max.get<std::string>();
      const auto limit = FailurePolicy::from_limit(text);
      if (limit && limit->max_failure_percent)
        policy.max_failure_percent = limit->max_failure_percent;
      else
        problem("failure_policy.max_failures",
                "expected a percentage of at most 100%, got " + text_excerpt(text));
    }
    return policy;
  }

  // Named waves run in the order `waves:` lists them; numeric ones in ascending order. A plan uses
  // one kind or the other.
  void waves(BatchPlan& plan) {
    const json& steps = doc_["steps"];
    if (doc_.contains("waves")) {
      for (const auto& name : doc_["waves"]) plan.waves.push_back(name.get<std::string>());
      if (plan.waves.empty()) problem("waves", "expected at least one wave name");
      return;
    }
    std::set<long long> numbers;
    for (const auto& step : steps) {
      if (!step.contains("wave"))
        numbers.insert(0);  // a step without a wave is in wave 0
      else if (step["wave"].is_number_integer())
        numbers.insert(step["wave"].get<long long>());
    }
    for (long long number : numbers) plan.waves.push_back(std::to_string(number));
  }

  std::optional<std::size_t> wave_of(const BatchPlan& plan, const json& step,
                                     const std::string& where) {
    if (!step.contains("wave")) {
      if (doc_.contains("waves")) return 0;  // named waves: the first
      for (std::size_t i = 0; i < plan.waves.size(); ++i)
        if (plan.waves[i] == "0") return i;
      return std::nullopt;
    }
    const json& wave = step["wave"];
    const bool named = doc_.contains("waves");
    if (named && !wave.is_string()) {
      problem(where + ": wave", "the plan names its waves (waves: " + json_excerpt(doc_["waves"]) +
                                    "), so a step's wave must be one of those names, got " +
                                    json_excerpt(wave));
      return std::nullopt;
    }
    if (!named && !wave.is_number_integer()) {
      problem(where + ": wave",
              "no top-level waves: list names the waves, so a wave must be a "
              "number, got " +
                  json_excerpt(wave) + " (or list the wave names under waves:)");
      return std::nullopt;
    }
    const std::string name =
        named ? wave.get<std::string>() : std::to_string(wave.get<long long>());
    for (std::size_t i = 0; i < plan.waves.size(); ++i)
      if (plan.waves[i] == name) return i;
    problem(where + ": wave", "unknown wave '" + text_excerpt(name) +
                                  "' (waves: " + json_excerpt(doc_["waves"]) + ")");
    return std::nullopt;
  }

  void steps(BatchPlan& plan, const Settings& defaults) {
    const json& steps = doc_["steps"];
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const json& source = steps[i];
      BatchStep step;
      step.name = source["name"].get<std::string>();
      step.type = source["type"].get<std::string>();
      const std::string where =
          "step '" + text_excerpt(step.name) + "' (steps[" + std::to_string(i) + "])";
      if (!plan.step_index.emplace(step.name, i).second)
        problem(where, "name: another step is already called '" + text_excerpt(step.name) + "'");
      const bool has_target = source.contains("target");
      const bool has_selector = source.contains("selector");
      if (has_target == has_selector)
        problem(where, has_target ? "has both target and selector: give one"
                                  : "needs a target (one resource) or a selector (every match)");
      if (has_target) step.target = source["target"];
      if (has_selector) step.selector = source["selector"];
      step.wave = wave_of(plan, source, where).value_or(0);
      if (source.contains("needs"))
        for (const auto& need : source["needs"]) step.needs.push_back(need.get<std::string>());
      Settings settings = defaults;
      apply(source, settings, where);
      step.mode = settings.mode;
      step.grace = settings.grace;
      step.deadline = settings.deadline;
      step.max_attempts = settings.max_attempts;
      step.options = std::move(settings.options);
      if (source.contains("concurrency")) step.concurrency = source["concurrency"].get<unsigned>();
      plan.steps.push_back(std::move(step));
    }
  }

  const json& doc_;
  std::string source_;
  std::vector<std::string> problems_;
};

}  // namespace

std::optional<std::size_t> BatchPlan::find_step(std::string_view name) const {
  if (step_index.size() == steps.size()) {
    const auto it = step_index.find(std::string(name));
    if (it == step_index.end()) return std::nullopt;
    return it->second;
  }
  for (std::size_t i = 0; i < steps.size(); ++i)
    if (steps[i].name == name) return i;
  return std::nullopt;
}

BatchPlan batch_plan_from_json(const json& document, std::string_view source) {
  return Parser(document, source).parse();
}

BatchPlan parse_batch_plan(std::string_view text, std::string_view source) {
  return batch_plan_from_json(batch::parse_plan_document(text, source), source);
}

}  // namespace stopd::core
