#include "stopd/batch/batch_resume.hpp"

#include <set>

namespace stopd::core {
namespace {

// The number in "<step>#<n>", or nullopt for an id of another shape.
std::optional<std::size_t> item_number(const std::string& id) {
  const auto hash = id.rfind('#');
  if (hash == std::string::npos || hash + 1 == id.size()) return std::nullopt;
  try {
    return std::stoul(id.substr(hash + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

ResumedBatch resume_batch(const BatchPlan& plan, std::vector<BatchItem> items,
                          const std::vector<BatchItemRecord>& previous) {
  std::vector<std::string> problems;
  // step + resource → the earlier record; and the ids taken, per step, to number new items after.
  std::map<std::string, const BatchItemRecord*> earlier;
  std::set<std::string> taken_ids;
  std::vector<std::size_t> next_number(plan.steps.size(), 0);
  for (const BatchItemRecord& record : previous) {
    const auto step = plan.find_step(record.step);
    if (!step) {
      problems.push_back("the report's item " + record.item + " belongs to step '" + record.step +
                         "', which this plan does not have: resume with the plan that wrote it");
      continue;
    }
    earlier[record.step + "\n" + BatchItem::resource_key_of(record.type, record.target)] = &record;
    taken_ids.insert(record.item);
    if (auto n = item_number(record.item))
      next_number[*step] = std::max(next_number[*step], *n + 1);
  }
  if (!problems.empty()) throw PlanError(std::move(problems));

  ResumedBatch resumed;
  std::set<const BatchItemRecord*> matched;
  for (BatchItem& item : items) {
    const std::string& step = plan.steps[item.step].name;
    const auto it = earlier.find(step + "\n" + item.resource_key());
    if (it != earlier.end()) {
      matched.insert(it->second);
      item.id = it->second->item;
      if (it->second->succeeded()) {
        BatchItemRecord carried = *it->second;
        carried.carried = true;
        resumed.finished.emplace(item.id, std::move(carried));
      }
    } else if (taken_ids.count(item.id) > 0) {
      // The selector lists differently now: this id belonged to another target.
      item.id = step + "#" + std::to_string(next_number[item.step]++);
    }
    resumed.items.push_back(std::move(item));
  }
  for (const BatchItemRecord& record : previous) {
    if (matched.count(&record) > 0) continue;
    if (earlier.at(record.step + "\n" + BatchItem::resource_key_of(record.type, record.target)) !=
        &record)
      continue;  // an older line for the same resource
    if (record.succeeded()) {
      // Gone from the selector's matches because it was stopped: carried as it was.
      BatchItemRecord carried = record;
      carried.carried = true;
      resumed.finished.emplace(record.item, std::move(carried));
      continue;
    }
    // Not listed any more but never stopped by us: stop it again from its recorded target.
    BatchItem item = make_batch_item(plan, *plan.find_step(record.step), 0, record.target);
    item.id = record.item;
    item.request.type = record.type;
    resumed.items.push_back(std::move(item));
  }
  return resumed;
}

}  // namespace stopd::core
