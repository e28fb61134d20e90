#include "stopd/cli/batch_view.hpp"

#include "stopd/batch/batch_report.hpp"
#include "stopd/cli/render.hpp"

namespace stopd::cli {
namespace {

using Clock = std::chrono::steady_clock;

// How many of the longest-running items the live line names.
constexpr std::size_t kLongestShown = 3;

std::string took(const core::BatchItemRecord& record) {
  if (!record.started || !record.finished) return "";
  return format_duration(
      std::chrono::duration_cast<std::chrono::milliseconds>(*record.finished - *record.started));
}

std::string item_line(const core::BatchItemRecord& record, bool dry_run) {
  const std::string what = record.item + " " + record.type + " " + target_text(record.target);
  if (!record.code) return "skipped: " + what + ": " + record.skipped;
  std::string line = (dry_run ? "dry run: " : std::string(sdk::to_string(*record.code)) + ": ") +
                     what + ": " + record.message;
  std::string facts;
  if (!dry_run) facts = std::string("forced: ") + (record.forced ? "yes" : "no");
  if (const auto duration = took(record); !duration.empty() && !dry_run)
    facts += ", took " + duration;
  if (record.attempts > 1) facts += ", attempts: " + std::to_string(record.attempts);
  if (!record.same_as.empty())
    facts += std::string(facts.empty() ? "" : ", ") + "same target as " + record.same_as +
             ": stopped once";
  if (!facts.empty()) line += " (" + facts + ")";
  return line;
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

BatchView::BatchView(Console& console, const core::BatchPlan& plan, std::ostream* report,
                     bool dry_run)
    : console_(console), plan_(plan), report_(report), dry_run_(dry_run) {}

bool BatchView::live_enabled() const {
  return !console_.json() && console_.terminals().err;
}

void BatchView::print_order(const std::vector<core::BatchItem>& items,
                            const std::map<std::string, core::BatchItemRecord>& carried) {
  if (console_.json()) return;
  std::vector<std::vector<const core::BatchItem*>> by_step(plan_.steps.size());
  for (const auto& item : items) by_step[item.step].push_back(&item);
  console_.out("plan: " + plural(items.size(), "item") + " in " +
               plural(plan_.steps.size(), "step") + ", " + plural(plan_.waves.size(), "wave") +
               "; up to " + std::to_string(plan_.concurrency) +
               " at once; failure policy: " + plan_.failure_policy.describe());
  for (std::size_t wave = 0; wave < plan_.waves.size(); ++wave) {
    console_.out("wave " + plan_.waves[wave] + ":");
    for (std::size_t s = 0; s < plan_.steps.size(); ++s) {
      const core::BatchStep& step = plan_.steps[s];
      if (step.wave != wave) continue;
      std::string needs;
      for (const auto& need : step.needs) needs += (needs.empty() ? "" : ", ") + need;
      console_.out("  step " + step.name + " (" + step.type + ", " +
                   plural(by_step[s].size(), "item") +
                   (step.selector ? " from selector " + json_text(*step.selector) : "") +
                   (needs.empty() ? "" : "; after " + needs) + ")");
      for (const auto* item : by_step[s])
        console_.out("    " + item->id + " " + target_text(item->request.target) +
                     (carried.count(item->id) ? " (done in the earlier run)" : ""));
    }
  }
}

void BatchView::write_carried(const std::map<std::string, core::BatchItemRecord>& carried) {
  for (const auto& [id, record] : carried) write_report_line(core::batch_record_json(record));
}

void BatchView::on_item_finished(const core::BatchItemRecord& record,
                                 const core::BatchProgress& progress) {
  (void)progress;
  write_report_line(core::batch_record_json(record));
  if (!console_.json()) console_.out(item_line(record, dry_run_));
}

void BatchView::on_halted(const std::string& reason) {
  if (!console_.json()) console_.err("stopctl: " + reason + ": items not started yet are skipped");
}

void BatchView::draw_live(const core::BatchEngine& engine) {
  if (!live_enabled()) return;
  const core::BatchProgress p = engine.progress();
  std::string line = "batch: " + std::to_string(p.finished()) + "/" + std::to_string(p.total) +
                     " done · " + std::to_string(p.running) + " running · " +
                     std::to_string(p.failed) + " failed · " + std::to_string(p.skipped) +
                     " skipped";
  const auto longest = engine.longest_running(kLongestShown);
  if (!longest.empty()) {
    line += " · longest:";
    const auto now = Clock::now();
    for (const auto& item : longest)
      line +=
          " " + item.id + " " +
          format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(now - item.since));
  }
  console_.live(Console::Stream::err, line);
}

void BatchView::finish(const core::BatchResult& result) {
  console_.end_live();
  const nlohmann::json summary = core::batch_summary_json(result.summary);
  write_report_line(summary);
  if (console_.json()) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& record : result.items) items.push_back(core::batch_record_json(record));
    console_.out_json({{"items", std::move(items)}, {"summary", summary["summary"]}});
    return;
  }
  const auto& s = result.summary;
  const auto& c = s.counts;
  const auto duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(s.finished - s.started);
  std::string line = std::string(s.dry_run ? "dry run" : "batch") + ": " + plural(c.total, "item") +
                     ": " + std::to_string(c.succeeded) +
                     (s.dry_run ? " would stop or are already stopped, " : " succeeded, ") +
                     std::to_string(c.failed) + (s.dry_run ? " would fail, " : " failed, ") +
                     std::to_string(c.skipped) + " skipped, in " + format_duration(duration);
  if (s.halted) line += "; " + s.halt_reason;
  if (s.cancelled) line += "; interrupted: running items were cancelled";
  if (s.dry_run) line += "; nothing was changed";
  console_.out(line);
}

void BatchView::write_report_line(const nlohmann::json& line) {
  if (report_ == nullptr) return;
  *report_ << json_text(line) << '\n';
  report_->flush();  // a report is complete up to the last finished item, whatever happens next
  if (!*report_) report_ok_ = false;
}

}  // namespace stopd::cli
