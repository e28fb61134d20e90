// The batch report: JSON lines, one per item (step, item, type, target, code, message, forced,
// started, finished, attempts, skipped…), then one summary line. Written by `stopctl batch
// --report`, read back by `--resume`; `-o json` uses the same shapes.
#pragma once

#include <istream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stopd/batch/batch_engine.hpp"
#include "stopd/batch/batch_item.hpp"

namespace stopd::core {

// {"step","item","type","target","code","message","forced","details","started","finished",
//  "attempts","dry_run"} plus "skipped", "same_as", "carried" when they apply. `code` is
// "skipped" for an item that never ran.
nlohmann::json batch_record_json(const BatchItemRecord& record);

// {"summary": {"total","succeeded","failed","skipped","halted","halt_reason","cancelled",
//  "dry_run","started","finished","duration_ms"}}.
nlohmann::json batch_summary_json(const BatchSummary& summary);

// The item records of a report, the last one per item id, in the order first seen. The summary
// line is skipped. Throws std::invalid_argument naming the line that is not a report line.
std::vector<BatchItemRecord> read_batch_report(std::istream& in, const std::string& source);

}  // namespace stopd::core
