// `stopctl stop TYPE --selector …`, written once over the backend: the provider's list() expands
// the selector (Host::list with --local, ListTargets through the daemon), then every match is
// stopped at once, one stop or job each. Output: one result per target (a line each; under
// -o json one object holding them all); the exit code is the highest of theirs.
#include "stopd/cli/selector_stop.hpp"

#include <algorithm>
#include <memory>

#include "stopd/cli/selector_arguments.hpp"
#include "stopd/core/exit_codes.hpp"
#include "stopd/core/target_arguments.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;
using sdk::Code;

// What a selector stop prints: one entry per target, printed together once all have ended.
class SelectorReport {
 public:
  // `given`: the --selector arguments as typed, to name them when nothing matched.
  SelectorReport(Console& console, std::string type, json selector,
                 const std::vector<std::string>& given)
      : console_(console), type_(std::move(type)), selector_(std::move(selector)) {
    for (const auto& pair : given) given_ += (given_.empty() ? "" : " ") + shorten(pair, 100);
  }

  void add(const StopAnswer& answer) {
    worst_ = std::max(worst_, answer.exit_code);
    results_.push_back(answer.json);
    lines_.push_back({answer.line, answer.succeeded});
  }
  void hidden(unsigned count) { hidden_ = count; }

  int print() {
    if (console_.json()) {
      console_.out_json({{"type", type_},
                         {"selector", selector_},
                         {"matched", results_.size()},
                         {"hidden", hidden_},
                         {"results", results_},
                         {"exit_code", worst_}});
      return worst_;
    }
    // Nothing failed, so exit 0; but say it where a script's stdout does not mix it in, as
    // `kubectl delete -l` does.
    if (results_.empty())
      console_.err("stopctl: no " + type_ + " matched the selector " + given_ +
                   (hidden_ > 0
                        ? " (" + std::to_string(hidden_) + " more are outside your token's scopes)"
                        : "") +
                   "; nothing was stopped");
    for (const auto& [line, succeeded] : lines_)
      succeeded ? console_.out(line) : console_.err(line);
    return worst_;
  }

 private:
  Console& console_;
  std::string type_;
  json selector_;
  std::string given_;
  std::vector<json> results_;
  std::vector<std::pair<std::string, bool>> lines_;
  unsigned hidden_ = 0;
  int worst_ = core::exit_code::ok;
};

// A refusal before anything was stopped: printed like a single stop's refusal.
int refuse(Console& console, const StopPlan& plan, const StopArguments& args, Code code,
           const std::string& message) {
  return print_stop_result(console, plan, args, nullptr, refused_result(code, message));
}

}  // namespace

int run_selector_stop(Backend& backend, const ProviderView& provider, const StopArguments& args,
                      const StopPlan& plan, bool wait, Console& console) {
  json selector;
  json options;
  try {
    selector = selector_from_arguments(args.selector, provider.selector_schema, args.type);
    options = core::parse_target_arguments(args.options, provider.options_schema);
  } catch (const std::invalid_argument& e) {
    return refuse(console, plan, args, Code::invalid_argument, e.what());
  }
  Refusal refused;
  const std::optional<TargetList> listed = backend.list_targets(args.type, selector, refused);
  if (!listed) return refuse(console, plan, args, refused.code, "--selector: " + refused.message);

  SelectorReport report(console, args.type, selector, args.selector);
  report.hidden(listed->hidden);
  std::vector<std::unique_ptr<PendingStop>> stops;
  for (const json& target : listed->targets) {
    if (auto stop = backend.submit(plan, target, options, refused)) {
      stops.push_back(std::move(stop));
      continue;
    }
    // One target refused (or stopd gone in the middle): said for that target, the rest go on.
    report.add(
        result_answer(plan.shown_type, target, refused_result(refused.code, refused.message)));
  }
  for (const auto& stop : stops) {
    // The stops run at once; waiting for them one after the other costs nothing.
    const StopAnswer answer = wait ? stop->outcome(false) : stop->accepted();
    if (!answer.finished) return print_answer(console, answer);
    report.add(answer);
  }
  return report.print();
}

}  // namespace stopd::cli
