#include "stop_metrics.hpp"

#include <mutex>

namespace stopd::core::metrics_detail {
namespace {

// 1 ms … 10 min: a process that exits at once up to a cloud cluster that drains for minutes.
const prometheus::Histogram::BucketBoundaries kStopDurationBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};

// 50 µs … 1 s: a WAL commit on a fast disk up to a stalled one.
const prometheus::Histogram::BucketBoundaries kJournalWriteBuckets = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};

}  // namespace

StopMetrics::StopMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      stops_(prometheus::BuildCounter()
                 .Name("stopd_stops_total")
                 .Help("Stops that ended, by resource type and outcome code")
                 .Register(*registry_)),
      retries_(prometheus::BuildCounter()
                   .Name("stopd_stop_retries_total")
                   .Help("Attempts that were unavailable and scheduled for a retry")
                   .Register(*registry_)),
      duration_(prometheus::BuildHistogram()
                    .Name("stopd_stop_duration_seconds")
                    .Help("How long stops that reached their provider took, from submission to "
                          "outcome")
                    .Register(*registry_)),
      in_flight_(prometheus::BuildGauge()
                     .Name("stopd_stops_in_flight")
                     .Help("Stops whose first attempt started and that have not ended")
                     .Register(*registry_)),
      journal_write_(prometheus::BuildHistogram()
                         .Name("stopd_journal_write_seconds")
                         .Help("How long one durable journal write took")
                         .Register(*registry_)
                         .Add({}, kJournalWriteBuckets)),
      journal_dead_letters_(prometheus::BuildGauge()
                                .Name("stopd_journal_dead_letters")
                                .Help("Journal records the tables refused, kept in its "
                                      "dead_letters table")
                                .Register(*registry_)
                                .Add({})) {}

TypeSeries& StopMetrics::series(std::string_view type) {
  {
    std::shared_lock lock(mutex_);
    if (auto it = by_type_.find(type); it != by_type_.end()) return *it->second;
  }
  return add_series(type);
}

TypeSeries& StopMetrics::add_series(std::string_view type) {
  std::unique_lock lock(mutex_);
  if (auto it = by_type_.find(type); it != by_type_.end()) return *it->second;
  if (by_type_.size() >= kMaxTypes) {
    if (auto other = by_type_.find(std::string_view("other")); other != by_type_.end())
      return *other->second;
    type = "other";
  }
  auto series = std::make_unique<TypeSeries>();
  const std::string label(type);
  for (std::size_t i = 0; i < series->stops.size(); ++i)
    series->stops[i] = &stops_.Add({{"type", label}, {"code", std::string(sdk::kCodeNames[i])}});
  series->retries = &retries_.Add({{"type", label}});
  series->duration = &duration_.Add({{"type", label}}, kStopDurationBuckets);
  series->in_flight = &in_flight_.Add({{"type", label}});
  return *by_type_.emplace(label, std::move(series)).first->second;
}

void StopMetricsObserver::on_event(const StopEvent& event) {
  switch (event.kind) {
    case StopEventKind::started:
      if (event.attempt == 1) metrics_->series(event.type).in_flight->Increment();
      return;
    case StopEventKind::retry_scheduled:
      metrics_->series(event.type).retries->Increment();
      return;
    case StopEventKind::finished: {
      const StopResult* result = event.result;
      if (result == nullptr || result->dry_run) return;  // a dry run stops nothing
      TypeSeries& series = metrics_->series(event.type);
      series.stops[static_cast<std::size_t>(result->outcome.code)]->Increment();
      if (result->attempts > 0) {  // it started: it was counted in flight
        series.in_flight->Decrement();
        series.duration->Observe(
            std::chrono::duration<double>(result->finished - result->started).count());
      }
      return;
    }
    default:
      return;
  }
}

}  // namespace stopd::core::metrics_detail
