// Resuming a batch from an earlier run's records (a report, or the daemon's journal): what already
// succeeded is carried over and not run again; everything else runs, under its earlier item id.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "stopd/batch/batch_item.hpp"
#include "stopd/batch/batch_plan.hpp"

namespace stopd::core {

struct ResumedBatch {
  std::vector<BatchItem> items;                     // what the new run schedules
  std::map<std::string, BatchItemRecord> finished;  // by item id: succeeded earlier, carried over
};

// Matches freshly expanded `items` with `previous` records (the last one per item id) by step and
// resource: a match keeps its earlier id, and is carried over if it succeeded. An earlier record
// that did not succeed and that the expansion no longer lists (a selector matches differently
// now) is run again from its recorded target. Throws PlanError when a record names a step the plan
// does not have.
ResumedBatch resume_batch(const BatchPlan& plan, std::vector<BatchItem> items,
                          const std::vector<BatchItemRecord>& previous);

}  // namespace stopd::core
