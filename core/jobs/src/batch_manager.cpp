#include "stopd/jobs/batch_manager.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "batch_spec.hpp"
#include "job_id.hpp"
#include "job_item_runner.hpp"
#include "stopd/batch/batch_expansion.hpp"
#include "stopd/batch/batch_report.hpp"
#include "stopd/core/bounded_json.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/core/time_format.hpp"

namespace stopd::core {
namespace {

using nlohmann::json;

json progress_json(const BatchProgress& p) {
  return {{"total", p.total},     {"succeeded", p.succeeded}, {"failed", p.failed},
          {"skipped", p.skipped}, {"running", p.running},     {"pending", p.pending}};
}

// The record of an item whose job ended in an earlier run of the daemon.
BatchItemRecord record_of_job(const BatchPlan& plan, const BatchItem& item, const Job& job) {
  BatchItemRecord record;
  record.item = item.id;
  record.step = item.step < plan.steps.size() ? plan.steps[item.step].name : std::string();
  record.type = item.request.type;
  record.target = item.request.target;
  record.take_result(result_of_job(job));
  return record;
}

// One subscriber of a batch's events. `call` is held while an event is delivered, so dropping
// the handle waits for a delivery in progress; recursive, so a callback may drop its own handle.
struct Watcher {
  std::recursive_mutex call;
  bool active = true;
  std::function<void(const BatchEvent&)> on_event;
};
using Watchers = std::vector<std::shared_ptr<Watcher>>;

}  // namespace

void apply_batch_overrides(BatchPlan& plan, const BatchOverrides& overrides) {
  if (overrides.parallel) {
    if (*overrides.parallel == 0)
      throw PlanError({"--parallel: expected a positive number of items at once, got 0"});
    plan.concurrency = *overrides.parallel;
  }
  if (overrides.fail_fast) plan.failure_policy = FailurePolicy::fail_fast();
  if (overrides.max_failures) {
    std::optional<FailurePolicy> policy = FailurePolicy::from_limit(*overrides.max_failures);
    if (!policy)
      throw PlanError(
          {"max_failures: expected a count N or a percentage N% (at most 100%), "
           "got '" +
           *overrides.max_failures + "'"});
    policy->cancel_running = plan.failure_policy.cancel_running;  // the override sets the limit
    plan.failure_policy = *policy;
  }
}

// A batch this daemon runs: its engine, the items' job runner, and what watchers are told.
class BatchRun final : public BatchObserver {
 public:
  BatchRun(BatchRow row, BatchSpec spec, BatchPlan plan, bool resumed, JobManager& jobs,
           std::shared_ptr<HostClock> clock)
      : row_(std::move(row)),
        spec_(std::move(spec)),
        plan_(std::move(plan)),
        resumed_(resumed),
        clock_(std::move(clock)),
        runner_(std::make_unique<JobItemRunner>(jobs, clock_, row_.id, row_.requester)) {}

  // Starts the engine and the thread that journals the batch's end.
  void start(JobStore& store, std::map<std::string, BatchItemRecord> finished,
             std::function<void()> on_end) {
    BatchEngineOptions options;
    options.dry_run = spec_.overrides.dry_run;
    options.finished = std::move(finished);
    options.clock = clock_;
    engine_ =
        std::make_unique<BatchEngine>(plan_, spec_.items, static_cast<BatchItemRunner&>(*runner_),
                                      static_cast<BatchObserver*>(this), std::move(options));
    engine_->start();
    {
      const BatchProgress progress = engine_->progress();
      std::lock_guard lock(mutex_);
      if (progress_.empty()) progress_ = progress_json(progress);
    }
    waiter_ = std::thread([this, &store, on_end = std::move(on_end)] {
      const BatchResult& result = engine_->wait();
      finish(store, result);
      on_end();
    });
  }

  // Leaves the batch unfinished in the journal (the daemon is stopping): its items' jobs stay
  // as the job manager leaves them, and the engine is let go without journaling an end.
  ~BatchRun() override {
    detached_.store(true);
    if (engine_) {
      runner_->detach();
      engine_->cancel();
    }
    if (waiter_.joinable()) waiter_.join();
  }

  const std::string& id() const { return row_.id; }
  // Starts nothing more (the daemon is draining); see JobItemRunner::detach.
  void detach() { runner_->detach(); }
  void cancel() {
    if (engine_) engine_->cancel();
  }

  BatchView view(bool with_items) const {
    std::lock_guard lock(mutex_);
    return view_locked(with_items);
  }

  std::shared_ptr<void> watch(std::function<void(const BatchEvent&)> on_event) {
    auto watcher = std::make_shared<Watcher>();
    watcher->on_event = std::move(on_event);
    std::unique_lock call(watcher->call);  // events wait until the snapshot is delivered
    BatchEvent snapshot;
    {
      std::lock_guard lock(mutex_);
      snapshot.kind = "snapshot";
      snapshot.progress = progress_;
      snapshot.batch = view_locked(true);
      if (!ended_) watchers_.push_back(watcher);
    }
    watcher->on_event(snapshot);
    call.unlock();
    return std::shared_ptr<void>(nullptr, [watcher](void*) {
      std::lock_guard guard(watcher->call);
      watcher->active = false;
    });
  }

  // ---- BatchObserver: called in order, under the engine's lock ----------------------------

  void on_item_started(const BatchItem& item, const BatchProgress& progress) override {
    BatchEvent event;
    event.kind = "item_started";
    event.item = item.id;
    event.progress = progress_json(progress);
    Watchers watchers;
    {
      std::lock_guard lock(mutex_);
      running_since_[item.id] = clock_->wall_now();
      progress_ = event.progress;
      watchers = watchers_;
    }
    deliver(event, watchers);
  }

  void on_item_finished(const BatchItemRecord& record, const BatchProgress& progress) override {
    BatchEvent event;
    event.kind = "item_finished";
    event.item = record.item;
    event.record = batch_record_json(record);
    event.progress = progress_json(progress);
    Watchers watchers;
    {
      std::lock_guard lock(mutex_);
      running_since_.erase(record.item);
      records_.push_back(event.record);
      progress_ = event.progress;
      watchers = watchers_;
    }
    deliver(event, watchers);
  }

  void on_halted(const std::string& reason) override {
    host_logger()->warn("batch={} halted: {}", row_.id, reason);
    BatchEvent event;
    event.kind = "halted";
    event.reason = reason;
    Watchers watchers;
    {
      std::lock_guard lock(mutex_);
      event.progress = progress_;
      watchers = watchers_;
    }
    deliver(event, watchers);
  }

 private:
  void finish(JobStore& store, const BatchResult& result) {
    if (detached_.load()) return;  // the daemon is stopping: resumed at the next start
    json items = json::array();
    for (const BatchItemRecord& record : result.items) items.push_back(batch_record_json(record));
    json summary = batch_summary_json(result.summary)["summary"];
    if (spec_.hidden > 0) summary["hidden"] = spec_.hidden;  // journaled with the rest
    const auto now = clock_->wall_now();
    try {
      store.finish_batch(row_.id, now,
                         {{"summary", summary}, {"items", items}, {"resumed", resumed_}});
    } catch (const std::exception& e) {
      // The next start runs it again; its items' jobs have ended, so nothing is stopped twice.
      host_logger()->error("batch={} finished but the journal refused its end: {}", row_.id,
                           e.what());
    }
    host_logger()->info(
        "batch={} finished: {} succeeded, {} failed, {} skipped{}", row_.id,
        result.summary.counts.succeeded, result.summary.counts.failed,
        result.summary.counts.skipped,
        result.summary.halted ? " (halted: " + result.summary.halt_reason + ")" : std::string());
    BatchEvent event;
    event.kind = "finished";
    Watchers watchers;
    {
      std::lock_guard lock(mutex_);
      ended_ = true;
      finished_at_ = now;
      summary_ = summary;
      records_ = items;
      running_since_.clear();
      event.progress = progress_;
      event.batch = view_locked(true);
      watchers.swap(watchers_);  // no watcher joins an ended batch
    }
    deliver(event, watchers);
  }

  // `watchers` were copied in the same critical section that changed what a snapshot shows: a
  // watcher that joined later has this event in its snapshot and does not get it twice (a
  // followed batch printed an item twice and reported it twice when a watch began in between).
  void deliver(const BatchEvent& event, const Watchers& watchers) {
    for (const auto& watcher : watchers) {
      std::lock_guard call(watcher->call);
      if (!watcher->active) continue;
      try {
        watcher->on_event(event);
      } catch (const std::exception& e) {
        host_logger()->error("batch={} a watcher threw: {}", row_.id, e.what());
      }
    }
  }

  BatchView view_locked(bool with_items) const {
    BatchView view;
    view.id = row_.id;
    view.finished = ended_;
    view.requester = row_.requester;
    view.request_id = row_.request_id;
    view.created = row_.created;
    view.finished_at = finished_at_;
    view.resumed = resumed_;
    view.plan = spec_.plan;
    if (ended_) {
      view.summary = summary_;
    } else {
      view.summary = progress_;
      view.summary["dry_run"] = spec_.overrides.dry_run;
      view.summary["started"] = rfc3339_utc(row_.created);
      if (spec_.hidden > 0) view.summary["hidden"] = spec_.hidden;
    }
    if (with_items) view.items = records_;
    std::vector<std::pair<std::string, std::chrono::system_clock::time_point>> running(
        running_since_.begin(), running_since_.end());
    std::sort(running.begin(), running.end(),
              [](const auto& a, const auto& b) { return a.second < b.second; });
    for (const auto& [item, since] : running)
      view.running.push_back({{"item", item}, {"since", rfc3339_utc(since)}});
    return view;
  }

  const BatchRow row_;
  const BatchSpec spec_;
  const BatchPlan plan_;
  const bool resumed_;
  const std::shared_ptr<HostClock> clock_;  // the dispatcher's
  std::unique_ptr<JobItemRunner> runner_;
  std::unique_ptr<BatchEngine> engine_;
  std::thread waiter_;
  std::atomic<bool> detached_{false};

  mutable std::mutex mutex_;
  json progress_ = json::object();
  json summary_ = json::object();
  json records_ = json::array();
  std::map<std::string, std::chrono::system_clock::time_point> running_since_;
  Watchers watchers_;
  bool ended_ = false;
  std::optional<std::chrono::system_clock::time_point> finished_at_;
};

struct BatchManager::State : std::enable_shared_from_this<State> {
  State(Host& host_, JobManager& jobs_, JobStore& store_)
      : host(host_), jobs(jobs_), store(store_) {}

  Host& host;
  JobManager& jobs;
  JobStore& store;
  std::atomic<bool> accepting{true};
  mutable std::mutex mutex;
  std::map<std::string, std::shared_ptr<BatchRun>> runs;  // running, by id
  std::vector<std::shared_ptr<BatchRun>> ended;           // to be joined (their thread ended)
  bool closing = false;

  void run(BatchRow row, BatchSpec spec, bool resumed,
           std::map<std::string, BatchItemRecord> finished) {
    BatchPlan plan = batch_plan_from_json(spec.plan, spec.source);
    apply_batch_overrides(plan, spec.overrides);
    auto batch = std::make_shared<BatchRun>(std::move(row), std::move(spec), std::move(plan),
                                            resumed, jobs, host.dispatcher().clock());
    {
      std::lock_guard lock(mutex);
      runs[batch->id()] = batch;
    }
    std::weak_ptr<State> weak = weak_from_this();
    const std::string id = batch->id();
    batch->start(store, std::move(finished), [weak, id] {
      // On the batch's own thread: it cannot be joined here, so it is parked until the next
      // submit or the manager's end joins it.
      if (auto self = weak.lock()) {
        std::lock_guard lock(self->mutex);
        auto it = self->runs.find(id);
        if (it == self->runs.end()) return;
        if (!self->closing) self->ended.push_back(it->second);
        self->runs.erase(it);
      }
    });
  }

  // Joins the threads of batches that have ended (outside the lock).
  void reap() {
    std::vector<std::shared_ptr<BatchRun>> done;
    {
      std::lock_guard lock(mutex);
      done.swap(ended);
    }
  }

  std::shared_ptr<BatchRun> running(const std::string& id) const {
    std::lock_guard lock(mutex);
    auto it = runs.find(id);
    return it == runs.end() ? nullptr : it->second;
  }

  static BatchView view_of(const BatchRow& row, bool with_items) {
    BatchView view;
    view.id = row.id;
    view.finished = row.finished;
    view.requester = row.requester;
    view.request_id = row.request_id;
    view.created = row.created;
    view.finished_at = row.finished_at;
    view.plan = row.spec.value("plan", json::object());
    if (row.result.is_object()) {
      view.resumed = row.result.value("resumed", false);
      view.summary = row.result.value("summary", json::object());
      if (with_items) view.items = row.result.value("items", json::array());
    }
    return view;
  }

  std::optional<BatchView> get(const std::string& id, bool with_items) const {
    if (auto batch = running(id)) return batch->view(with_items);
    std::optional<BatchRow> row = store.get_batch(id);
    if (!row) return std::nullopt;
    return view_of(*row, with_items);
  }
};

BatchManager::BatchManager(Host& host, JobManager& jobs, JobStore& store)
    : state_(std::make_shared<State>(host, jobs, store)) {}

BatchManager::~BatchManager() {
  std::map<std::string, std::shared_ptr<BatchRun>> runs;
  {
    std::lock_guard lock(state_->mutex);
    state_->closing = true;
    runs.swap(state_->runs);
  }
  runs.clear();  // each detaches: left unfinished in the journal for the next start
  state_->reap();
}

void BatchManager::stop_accepting() {
  state_->accepting.store(false);
  std::lock_guard lock(state_->mutex);
  for (auto& [id, batch] : state_->runs) batch->detach();
}

namespace {

// The host's providers as `access` lets the submitter see them: a selector's matches outside its
// scopes are left out and counted, never named.
class ScopedCatalog final : public BatchCatalog {
 public:
  ScopedCatalog(Host& host, const BatchAccess& access) : host_(host), access_(access) {}
  std::optional<std::string> validate(const sdk::StopRequest& request) const override {
    return host_.validate(request);
  }
  std::vector<nlohmann::json> list(std::string_view type,
                                   const nlohmann::json& selector) const override {
    std::vector<nlohmann::json> targets = host_.list(type, selector);
    const auto outside = std::remove_if(targets.begin(), targets.end(), [&](const auto& target) {
      return access_.refuse_target(type, target).has_value();
    });
    hidden += static_cast<std::size_t>(targets.end() - outside);
    targets.erase(outside, targets.end());
    return targets;
  }
  mutable std::size_t hidden = 0;

 private:
  HostBatchCatalog host_;
  const BatchAccess& access_;
};

// Every step's type, and every step's own target, before a provider is asked anything.
void check_access(const BatchPlan& plan, const BatchAccess& access) {
  for (const BatchStep& step : plan.steps) {
    auto why = access.refuse_type(step.type);
    if (!why && step.target) why = access.refuse_target(step.type, *step.target);
    if (why)
      throw sdk::StopError(sdk::Code::permission_denied,
                           "step '" + text_excerpt(step.name) + "': " + *why);
  }
}

}  // namespace

BatchView BatchManager::submit(BatchSubmission submission, const BatchAccess& access) {
  State& s = *state_;
  s.reap();
  if (!s.accepting.load()) throw sdk::StopError(sdk::Code::unavailable, "stopd is shutting down");
  if (auto earlier = s.store.find_batch_by_request_id(submission.request_id)) {
    if (earlier->requester != submission.requester)
      throw sdk::StopError(sdk::Code::failed_precondition,
                           "request_id: already used by another requester's batch");
    return *s.get(earlier->id, false);
  }

  BatchPlan plan = parse_batch_plan(submission.plan, submission.source);
  apply_batch_overrides(plan, submission.overrides);
  check_access(plan, access);
  ScopedCatalog catalog(s.host, access);
  BatchSpec spec;
  spec.items = expand_batch_plan(plan, catalog, submission.overrides.dry_run);
  spec.hidden = catalog.hidden;
  spec.plan = plan.document;
  spec.source = submission.source;
  spec.overrides = submission.overrides;

  BatchRow row;
  row.created = std::chrono::floor<std::chrono::milliseconds>(
      s.host.dispatcher().clock()->wall_now());  // the clock the batch's jobs are stamped on
  row.id = "b-" + new_job_id(row.created).substr(2);
  row.requester = submission.requester;
  row.request_id = submission.request_id;
  row.spec = to_json(spec);
  try {
    s.store.insert_batch(row);
  } catch (const JournalError& e) {
    throw sdk::StopError(sdk::Code::unavailable, std::string("journal: ") + e.what());
  }
  host_logger()->info("accepted batch={} items={} requester={} request_id={}{}", row.id,
                      spec.items.size(), row.requester, log_field(row.request_id),
                      spec.overrides.dry_run ? " dry_run=true" : "");
  const std::string id = row.id;
  s.run(std::move(row), std::move(spec), false, {});
  return *s.get(id, false);
}

std::size_t BatchManager::check(const BatchSubmission& submission,
                                const BatchAccess& access) const {
  BatchPlan plan = parse_batch_plan(submission.plan, submission.source);
  apply_batch_overrides(plan, submission.overrides);
  check_access(plan, access);
  ScopedCatalog catalog(state_->host, access);
  return expand_batch_plan(plan, catalog, submission.overrides.dry_run).size();
}

std::optional<BatchView> BatchManager::get(const std::string& id) const {
  return state_->get(id, true);
}

std::optional<BatchView> BatchManager::find_by_request_id(const std::string& request_id) const {
  if (request_id.empty()) return std::nullopt;
  const auto row = state_->store.find_batch_by_request_id(request_id);
  return row ? state_->get(row->id, false) : std::nullopt;
}

std::vector<BatchView> BatchManager::list(std::size_t limit) const {
  std::vector<BatchView> views;
  for (const BatchRow& row : state_->store.list_batches(limit)) {
    if (auto batch = state_->running(row.id))
      views.push_back(batch->view(false));
    else
      views.push_back(State::view_of(row, false));
  }
  return views;
}

std::vector<BatchView> BatchManager::list_runs(std::string_view prefix, std::size_t limit) const {
  std::vector<BatchView> views;
  for (BatchRunRow& run : state_->store.list_batch_runs(prefix, limit)) {
    BatchView view;
    view.id = std::move(run.id);
    view.request_id = std::move(run.request_id);
    view.finished = run.finished;
    if (run.summary.is_object()) view.summary = std::move(run.summary);
    views.push_back(std::move(view));
  }
  return views;
}

std::shared_ptr<void> BatchManager::watch(const std::string& id,
                                          std::function<void(const BatchEvent&)> on_event) {
  if (auto batch = state_->running(id)) return batch->watch(std::move(on_event));
  std::optional<BatchView> view = state_->get(id, true);
  if (!view) throw sdk::StopError(sdk::Code::not_found, "batch '" + id + "' not found");
  BatchEvent snapshot;
  snapshot.kind = "snapshot";
  snapshot.progress = view->summary;
  snapshot.batch = std::move(view);
  on_event(snapshot);
  return std::shared_ptr<void>(nullptr, [](void*) {});
}

BatchView BatchManager::cancel(const std::string& id) {
  if (auto batch = state_->running(id)) {
    batch->cancel();
    return batch->view(false);
  }
  std::optional<BatchView> view = state_->get(id, false);
  if (!view) throw sdk::StopError(sdk::Code::not_found, "batch '" + id + "' not found");
  return *view;
}

std::size_t BatchManager::resume_unfinished() {
  State& s = *state_;
  std::size_t resumed = 0;
  for (BatchRow& row : s.store.unfinished_batches()) {
    if (s.running(row.id)) continue;
    try {
      BatchSpec spec = batch_spec_from_json(row.spec);
      BatchPlan plan = batch_plan_from_json(spec.plan, spec.source);
      std::map<std::string, BatchItemRecord> finished;
      for (const BatchItem& item : spec.items) {
        std::optional<Job> job =
            s.store.find_by_request_id(JobItemRunner::request_id_of(row.id, item.id));
        if (job && job->is_finished()) finished[item.id] = record_of_job(plan, item, *job);
      }
      host_logger()->info("batch={} resumed: {} of {} item(s) had ended", row.id, finished.size(),
                          spec.items.size());
      s.run(std::move(row), std::move(spec), true, std::move(finished));
      ++resumed;
    } catch (const std::exception& e) {
      host_logger()->error("batch={} cannot be resumed: {}", row.id, e.what());
    }
  }
  return resumed;
}

}  // namespace stopd::core
