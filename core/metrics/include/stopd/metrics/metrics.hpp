// Prometheus metrics over HTTP (prometheus-cpp): stops by type and outcome, stop durations,
// stops in flight, retries, journal write latency.
//
//   stopd_stops_total{type,code}            counter: stops that ended (dry runs not counted)
//   stopd_stop_retries_total{type}          counter: attempts that were unavailable and retried
//   stopd_stop_duration_seconds{type}       histogram, 1 ms … 600 s: stops that reached their
//                                           provider, from submission to outcome
//   stopd_stops_in_flight{type}             gauge: first attempt started, not ended yet
//   stopd_journal_write_seconds             histogram, 50 µs … 1 s: one durable journal write
//   stopd_journal_dead_letters              gauge: records the journal's tables refused, kept in
//                                           its dead_letters table (alert on > 0)
//   stopd_plugin_up{type}                   gauge: 1 while the provider can serve (always for an
//                                           in-process one; an isolated one's process runs)
//   stopd_plugin_restarts_total{type,reason} counter: deaths of an isolated provider's process,
//                                           by how it ended ("SIGSEGV", "exit 1", "hung", …)
//   stopd_schedule_runs_total{schedule,result} counter: runs due, by what became of them: started,
//                                           skipped (overlap: forbid), missed, refused
//   stopd_schedule_next_run_timestamp_seconds{schedule} gauge: when it fires next (unix seconds;
//                                           absent while paused or when it never fires again)
//   stopd_schedule_lateness_seconds{schedule} gauge: how late its last run was submitted
//
// At most 256 distinct `type` labels; further types share type="other".
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "stopd/core/isolation.hpp"
#include "stopd/core/stop_observer.hpp"

namespace stopd::core {

// One schedule as the metrics read it (from the scheduler, at each scrape).
struct ScheduleMetrics {
  std::string name;
  std::optional<double> next_unix_seconds;
  double lateness_seconds = 0;  // of the last run submitted
  unsigned started = 0;
  unsigned skipped = 0;
  unsigned missed = 0;
  unsigned refused = 0;
};

class Metrics {
 public:
  // Serves /metrics on `listen`: "IPv4:PORT" or "localhost:PORT" ("127.0.0.1:9464"; port 0 picks
  // a free port, see port()). Throws std::runtime_error("metrics: cannot listen on <listen>:
  // <why>") if it cannot bind.
  explicit Metrics(const std::string& listen);
  // Stops serving (the port is closed when this returns). Observers and recorders handed out
  // stay safe to call: they keep the counters alive.
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Counts and times every stop; add it to the dispatcher before the first submit.
  std::shared_ptr<StopObserver> stop_observer();
  // Records one journal write (JournalOptions::on_write). Thread-safe.
  std::function<void(std::chrono::nanoseconds)> journal_write_recorder();
  // Sets stopd_journal_dead_letters (JournalOptions::on_dead_letters). Thread-safe.
  std::function<void(std::uint64_t)> journal_dead_letters_recorder();
  // Exports stopd_plugin_up and stopd_plugin_restarts_total for these providers (read at each
  // scrape). The pointer is null for an in-process provider.
  void watch_plugins(
      std::vector<std::pair<std::string, std::shared_ptr<SupervisedPlugin>>> plugins);
  // Exports the stopd_schedule_* families from what `read` returns at each scrape. `read` must
  // stay safe to call until this object is destroyed.
  void watch_schedules(std::function<std::vector<ScheduleMetrics>()> read);
  // The port actually bound (useful with port 0).
  int port() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace stopd::core
