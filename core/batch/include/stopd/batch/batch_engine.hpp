// The batch engine: runs a plan's items in order (waves, then needs) under the batch's concurrency
// limit, each step's own limit, the failure policy and the batch deadline. Event-driven: it starts
// items through a BatchItemRunner and moves on when their completions arrive; it owns no thread
// and never polls. The daemon (items journaled as jobs) and `stopctl --local` (items straight to
// the dispatcher) supply different runners and run the same engine.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "stopd/batch/batch_item.hpp"
#include "stopd/batch/batch_plan.hpp"
#include "stopd/core/host_clock.hpp"
#include "stopd/core/stop_result.hpp"

namespace stopd::core {

// Starts the stop of one item. Implementations: DispatcherItemRunner (in-process), the daemon's
// (through the job manager, so each item is journaled).
class BatchItemRunner {
 public:
  using Done = std::function<void(const StopResult&)>;
  virtual ~BatchItemRunner() = default;
  // Starts `item`, to give up at `deadline` (the item's own, capped by the batch's; nullopt: the
  // dispatcher's default). Calls `done` exactly once, from any thread, possibly before start()
  // returns. Must not block on the stop itself.
  virtual void start(const BatchItem& item,
                     std::optional<std::chrono::steady_clock::time_point> deadline, Done done) = 0;
  // Withdraws the stop of a started item; its `done` still comes (normally with `cancelled`).
  virtual void cancel(const std::string& item_id) = 0;
};

struct BatchProgress {
  std::size_t total = 0;      // every item, carried ones included
  std::size_t succeeded = 0;  // stopped or already_stopped (carried ones included)
  std::size_t failed = 0;
  std::size_t skipped = 0;
  std::size_t running = 0;
  std::size_t pending = 0;  // not started yet
  std::size_t finished() const { return succeeded + failed + skipped; }
};

// Told of every change, in order, under the engine's lock: keep it quick and do not call back into
// the engine (every call carries the progress it needs).
class BatchObserver {
 public:
  virtual ~BatchObserver() = default;
  virtual void on_item_started(const BatchItem& item, const BatchProgress& progress) {
    (void)item;
    (void)progress;
  }
  // Ran (or shared a duplicate's stop), or was skipped; `record` says which.
  virtual void on_item_finished(const BatchItemRecord& record, const BatchProgress& progress) {
    (void)record;
    (void)progress;
  }
  // The failure policy tripped; what never ran is skipped next.
  virtual void on_halted(const std::string& reason) { (void)reason; }
};

struct BatchSummary {
  BatchProgress counts;
  bool halted = false;     // the failure policy stopped the batch
  bool cancelled = false;  // cancel() was called
  bool dry_run = false;
  std::string halt_reason;
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point finished;
  std::size_t not_succeeded() const { return counts.failed + counts.skipped; }
};

struct BatchResult {
  std::vector<BatchItemRecord> items;  // plan order; carried items at their step's place
  BatchSummary summary;
};

struct BatchEngineOptions {
  // Outcomes do not steer the run: no step is skipped and no policy halts, so a dry run shows
  // every item. The items' requests carry dry_run themselves.
  bool dry_run = false;
  // Items that finished in an earlier run (resume, or a daemon restart), by item id. They are not
  // started again and appear in the result as carried. An id with no item in `items` is carried as
  // is, counted in its step.
  std::map<std::string, BatchItemRecord> finished;
  // Where the batch's deadlines and times are read: the dispatcher's clock (Dispatcher::clock()),
  // whose deadlines the runner passes on. Null: real_host_clock().
  std::shared_ptr<HostClock> clock;
};

class BatchEngine {
 public:
  // `runner` and `observer` (may be null) must outlive the engine.
  BatchEngine(BatchPlan plan, std::vector<BatchItem> items, BatchItemRunner& runner,
              BatchObserver* observer, BatchEngineOptions options = {});
  ~BatchEngine();  // cancel() and wait() if started and not finished
  BatchEngine(const BatchEngine&) = delete;
  BatchEngine& operator=(const BatchEngine&) = delete;

  // Starts what may run now; returns at once. Call once.
  void start();
  // Skips what has not started (reason "cancelled") and cancels what runs. Thread-safe, idempotent.
  void cancel();

  // Blocks until every item finished; then returns the result (the same each time).
  const BatchResult& wait();
  // Blocks at most `timeout`; true when finished.
  bool wait_for(std::chrono::milliseconds timeout);

  BatchProgress progress() const;
  struct RunningItem {
    std::string id;
    std::chrono::steady_clock::time_point since;
  };
  // The items running now, the longest-running first, at most `limit`.
  std::vector<RunningItem> longest_running(std::size_t limit) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace stopd::core
