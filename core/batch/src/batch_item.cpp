#include "stopd/batch/batch_item.hpp"

#include "stopd/core/stop_result.hpp"

namespace stopd::core {

std::string BatchItem::resource_key_of(std::string_view type, const nlohmann::json& target) {
  // nlohmann's objects keep their keys sorted, so dump() is canonical. A target with invalid
  // UTF-8 never gets this far: validation refuses it.
  std::string key(type);
  key.push_back('\n');
  key += target.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return key;
}

BatchItem make_batch_item(const BatchPlan& plan, std::size_t step_index, std::size_t number,
                          nlohmann::json target) {
  const BatchStep& step = plan.steps.at(step_index);
  BatchItem item;
  item.id = step.name + "#" + std::to_string(number);
  item.step = step_index;
  item.request.type = step.type;
  item.request.target = std::move(target);
  item.request.options = step.options;
  item.request.mode = step.mode;
  item.request.grace = step.grace;
  item.deadline = step.deadline;
  item.max_attempts = step.max_attempts;
  return item;
}

void BatchItemRecord::take_result(const StopResult& result) {
  code = result.outcome.code;
  message = result.outcome.message;
  forced = result.outcome.forced;
  details = result.outcome.details;
  started = result.started;
  finished = result.finished;
  attempts = result.attempts;
  dry_run = result.dry_run;
}

}  // namespace stopd::core
