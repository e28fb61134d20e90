// What `stopctl batch` shows while a batch runs and when it ends: one line per finished item (or
// one JSON document with -o json), a live progress line on a terminal, the report file's lines,
// and the summary.
#pragma once

#include <chrono>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "stopd/batch/batch_engine.hpp"
#include "stopd/cli/console.hpp"

namespace stopd::cli {

class BatchView final : public core::BatchObserver {
 public:
  // `report` (may be null) gets a JSON line per finished item and the summary line.
  BatchView(Console& console, const core::BatchPlan& plan, std::ostream* report, bool dry_run);

  // The waves and steps in the order they run, with their items: what --dry-run shows first.
  void print_order(const std::vector<core::BatchItem>& items,
                   const std::map<std::string, core::BatchItemRecord>& carried);
  // Items finished by an earlier run, into the report before anything new.
  void write_carried(const std::map<std::string, core::BatchItemRecord>& carried);

  void on_item_finished(const core::BatchItemRecord& record,
                        const core::BatchProgress& progress) override;
  void on_halted(const std::string& reason) override;

  // Redraws the live progress line (a terminal's stderr, human output only).
  void draw_live(const core::BatchEngine& engine);
  bool live_enabled() const;

  // The summary: a human line, or the one JSON document (items + summary) with -o json; and the
  // report's summary line.
  void finish(const core::BatchResult& result);

  // False when writing the report failed at some point.
  bool report_ok() const { return report_ok_; }

 private:
  void write_report_line(const nlohmann::json& line);

  Console& console_;
  const core::BatchPlan& plan_;
  std::ostream* report_;
  bool dry_run_;
  bool report_ok_ = true;
};

}  // namespace stopd::cli
