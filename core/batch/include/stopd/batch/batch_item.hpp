// One stop of a batch: a step's target, or one of the targets its selector matched. Items are what
// the engine schedules, a runner starts and a report records.
#pragma once

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "stopd/batch/batch_plan.hpp"
#include "stopd/sdk/outcome.hpp"
#include "stopd/sdk/request.hpp"

namespace stopd::core {

struct StopResult;

struct BatchItem {
  // "<step>#<n>": stable for the life of a batch (a resume keeps it), so a journal or a report
  // can refer to it.
  std::string id;
  std::size_t step = 0;                               // index into BatchPlan::steps
  sdk::StopRequest request;                           // type, target, options, mode, grace, dry_run
  std::optional<std::chrono::milliseconds> deadline;  // per item; nullopt: dispatcher's default
  std::optional<unsigned> max_attempts;

  // What identifies the resource: the type and the canonical (key-sorted) target. Two items with
  // the same key stop the same thing, so the engine stops it once.
  std::string resource_key() const { return resource_key_of(request.type, request.target); }
  static std::string resource_key_of(std::string_view type, const nlohmann::json& target);
};

// The item that stops `target` for step `step_index` of `plan`, numbered `number`.
BatchItem make_batch_item(const BatchPlan& plan, std::size_t step_index, std::size_t number,
                          nlohmann::json target);

// What became of one item: the shape of a report line and of the engine's result.
struct BatchItemRecord {
  std::string item;  // BatchItem::id
  std::string step;
  std::string type;
  nlohmann::json target;
  std::optional<sdk::Code> code;  // nullopt: it never ran (see skipped)
  std::string message;
  bool forced = false;
  nlohmann::json details = nlohmann::json::object();
  std::optional<std::chrono::system_clock::time_point> started;
  std::optional<std::chrono::system_clock::time_point> finished;
  unsigned attempts = 0;
  bool dry_run = false;
  std::string skipped;   // why it never ran ("needs step db, which failed: …"); empty if it ran
  std::string same_as;   // the item whose stop this one shared (the same target in two steps)
  bool carried = false;  // finished in an earlier run and carried over by a resume

  // Takes what the item's finished stop reports: outcome, times, attempts and dry run.
  void take_result(const StopResult& result);

  bool succeeded() const { return code && sdk::is_success(*code); }
  bool failed() const { return code && !sdk::is_success(*code); }
};

}  // namespace stopd::core
