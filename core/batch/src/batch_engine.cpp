// The engine's state machine. Everything happens under one mutex, in reaction to start(), a
// completion or cancel(); nothing waits or polls. Items are started outside the mutex (a runner
// may complete an item before start() returns), by whichever thread is "pumping": others that
// change the state meanwhile leave the starting to it.
#include "stopd/batch/batch_engine.hpp"

#include <algorithm>

namespace stopd::core {
namespace {

using Clock = std::chrono::steady_clock;
using sdk::Code;

}  // namespace

struct BatchEngine::State : std::enable_shared_from_this<State> {
  enum class Phase { waiting, running, done };

  struct Item {
    Phase phase = Phase::waiting;
    BatchItemRecord record;
    Clock::time_point since;
    bool holds_slot = false;           // counts against the limits (it runs a stop)
    std::vector<std::size_t> sharers;  // items waiting for this one's stop (same resource)
  };

  struct Step {
    std::vector<std::size_t> items;             // indices into `items`
    std::vector<BatchItemRecord> carried_only;  // finished earlier, not in `items`
    std::size_t unfinished = 0;
    std::size_t running = 0;
    std::size_t cursor = 0;  // into `items`: everything before it has left `waiting`
    bool released = false;
    bool finished = false;
    std::string failure;  // why the step did not succeed (its first failure); empty if it did
  };

  State(BatchPlan plan_, std::vector<BatchItem> items_, BatchItemRunner& runner_,
        BatchObserver* observer_, BatchEngineOptions options_)
      : plan(std::move(plan_)),
        items(std::move(items_)),
        runner(runner_),
        observer(observer_),
        options(std::move(options_)),
        clock(options.clock ? options.clock : real_host_clock()) {}

  BatchPlan plan;
  std::vector<BatchItem> items;
  BatchItemRunner& runner;
  BatchObserver* observer;
  BatchEngineOptions options;
  const std::shared_ptr<HostClock> clock;

  mutable std::mutex mutex;
  std::condition_variable finished_cv;
  std::vector<Item> states;
  std::vector<Step> steps;
  std::vector<std::size_t> unfinished_steps_in_wave;
  std::vector<std::size_t> active_steps;             // released steps that still have waiting items
  std::vector<std::vector<std::size_t>> needs;       // per step: the steps it needs
  std::vector<std::vector<std::size_t>> dependents;  // per step: the steps that need it
  std::vector<std::vector<std::size_t>> steps_in_wave;
  // Steps whose fate may have changed (a step they need finished, their wave came): looked at
  // by release_steps_locked(), so a plan of 10,000 steps costs nothing per finished item.
  std::vector<std::size_t> to_review;
  std::size_t reviewed_wave = SIZE_MAX;  // the wave whose steps were last queued for review
  // resource key → the item that stopped (or is stopping) it: a duplicate shares its outcome
  std::map<std::string, std::size_t> running_resource;
  std::map<std::string, BatchItemRecord> succeeded_resource;  // carried successes, by resource
  BatchProgress progress;
  std::size_t slots_used = 0;
  std::optional<Clock::time_point> deadline_at;
  std::vector<std::string> to_cancel;  // item ids, cancelled outside the mutex by the pump
  bool pumping = false;
  bool started = false;
  bool halted = false;
  bool cancelled = false;
  bool done = false;
  std::string halt_reason;
  std::chrono::system_clock::time_point started_at;
  BatchResult result;

  void init() {
    steps.resize(plan.steps.size());
    needs.resize(plan.steps.size());
    dependents.resize(plan.steps.size());
    steps_in_wave.resize(plan.waves.size() + 1);
    std::map<std::string_view, std::size_t> index;
    for (std::size_t s = 0; s < plan.steps.size(); ++s) {
      index.emplace(plan.steps[s].name, s);
      steps_in_wave[plan.steps[s].wave].push_back(s);
      to_review.push_back(s);
    }
    for (std::size_t s = 0; s < plan.steps.size(); ++s)
      for (const std::string& need : plan.steps[s].needs)
        if (auto it = index.find(need); it != index.end()) {
          needs[s].push_back(it->second);
          dependents[it->second].push_back(s);
        }
    unfinished_steps_in_wave.assign(plan.waves.size() + 1, 0);
    states.resize(items.size());
    // Stable by step: a resume appends re-run items at the end.
    std::vector<std::size_t> order(items.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return items[a].step < items[b].step; });
    for (std::size_t i : order) {
      const BatchItem& item = items[i];
      Step& step = steps[item.step];
      step.items.push_back(i);
      BatchItemRecord& record = states[i].record;
      if (auto it = options.finished.find(item.id); it != options.finished.end()) {
        record = it->second;
        record.carried = true;
        states[i].phase = Phase::done;
        count_finished(record);
        options.finished.erase(it);
        if (!record.succeeded()) note_failure(step, record);
        if (record.succeeded()) succeeded_resource.emplace(item.resource_key(), record);
        continue;
      }
      record.item = item.id;
      record.step = plan.steps[item.step].name;
      record.type = item.request.type;
      record.target = item.request.target;
      record.dry_run = item.request.dry_run;
      ++step.unfinished;
      ++progress.pending;
    }
    for (auto& [id, record] : options.finished) {
      record.carried = true;
      const auto step = plan.find_step(record.step);
      if (!step) continue;  // resume_batch() refuses such records; a journal would not have them
      count_finished(record);
      if (record.succeeded())
        succeeded_resource.emplace(BatchItem::resource_key_of(record.type, record.target), record);
      else
        note_failure(steps[*step], record);
      steps[*step].carried_only.push_back(record);
    }
    for (std::size_t s = 0; s < steps.size(); ++s) {
      if (steps[s].unfinished == 0)
        steps[s].finished = true;
      else
        ++unfinished_steps_in_wave[plan.steps[s].wave];
    }
    progress.total = progress.finished() + progress.pending;
  }

  void count_finished(const BatchItemRecord& record) {
    if (record.succeeded())
      ++progress.succeeded;
    else if (record.failed())
      ++progress.failed;
    else
      ++progress.skipped;
  }

  static void note_failure(Step& step, const BatchItemRecord& record) {
    if (!step.failure.empty()) return;
    step.failure = record.code
                       ? record.item + " ended " + std::string(sdk::to_string(*record.code)) +
                             (record.message.empty() ? "" : ": " + record.message)
                       : record.item + " was skipped: " + record.skipped;
  }

  std::size_t current_wave() const {
    for (std::size_t w = 0; w < unfinished_steps_in_wave.size(); ++w)
      if (unfinished_steps_in_wave[w] > 0) return w;
    return unfinished_steps_in_wave.size();
  }

  // Records the end of item `i` and everything that follows from it: its step, the policy,
  // the items that shared its stop.
  void finish_item_locked(std::size_t i) {
    Item& state = states[i];
    const bool was_running = state.phase == Phase::running;
    state.phase = Phase::done;
    if (was_running)
      --progress.running;
    else
      --progress.pending;
    if (state.holds_slot) {
      state.holds_slot = false;
      --slots_used;
      --steps[items[i].step].running;
    }
    count_finished(state.record);
    Step& step = steps[items[i].step];
    if (!state.record.succeeded()) note_failure(step, state.record);
    if (--step.unfinished == 0) {
      step.finished = true;
      for (std::size_t dependent : dependents[items[i].step]) to_review.push_back(dependent);
      --unfinished_steps_in_wave[plan.steps[items[i].step].wave];
    }
    if (observer) observer->on_item_finished(state.record, progress);
    if (state.record.failed() && !options.dry_run && !halted && !cancelled &&
        plan.failure_policy.exceeded(progress.failed, progress.total))
      halt_locked();
    std::vector<std::size_t> sharers;
    sharers.swap(state.sharers);
    for (std::size_t sharer : sharers) share_result_locked(sharer, i);
  }

  // Item `i` targets the same resource as `primary`, which did the stop: same outcome.
  void share_result_locked(std::size_t i, std::size_t primary) {
    const BatchItemRecord& done_record = states[primary].record;
    copy_outcome(states[i].record, done_record);
    finish_item_locked(i);
  }

  static void copy_outcome(BatchItemRecord& record, const BatchItemRecord& from) {
    record.code = from.code;
    record.message = from.message;
    record.forced = from.forced;
    record.details = from.details;
    record.started = from.started;
    record.finished = from.finished;
    record.attempts = from.attempts;
    record.skipped = from.skipped;
    record.same_as = from.same_as.empty() ? from.item : from.same_as;
  }

  void skip_locked(std::size_t i, const std::string& reason) {
    states[i].record.skipped = reason;
    finish_item_locked(i);
  }

  // Every item not started yet, in every step, skipped for `reason`.
  void skip_all_waiting_locked(const std::string& reason) {
    for (std::size_t i = 0; i < states.size(); ++i)
      if (states[i].phase == Phase::waiting) skip_locked(i, reason);
    active_steps.clear();
  }

  void halt_locked() {
    halted = true;
    halt_reason = "halted: " + std::to_string(progress.failed) + " failure" +
                  (progress.failed == 1 ? "" : "s") +
                  " (failure policy: " + plan.failure_policy.describe() + ")";
    if (observer) observer->on_halted(halt_reason);
    skip_all_waiting_locked(halt_reason);
    if (plan.failure_policy.cancel_running) queue_cancel_running_locked();
  }

  void queue_cancel_running_locked() {
    for (std::size_t i = 0; i < states.size(); ++i)
      if (states[i].phase == Phase::running && states[i].holds_slot)
        to_cancel.push_back(items[i].id);
  }

  // Decides the steps that can be decided: skipped because a step they need failed, or released
  // because their wave has come and what they need succeeded.
  void release_steps_locked() {
    while (true) {
      const std::size_t wave = current_wave();
      if (wave != reviewed_wave && wave < steps_in_wave.size()) {
        reviewed_wave = wave;
        to_review.insert(to_review.end(), steps_in_wave[wave].begin(), steps_in_wave[wave].end());
      }
      if (to_review.empty()) return;
      std::vector<std::size_t> review;
      review.swap(to_review);
      for (std::size_t s : review) {
        Step& step = steps[s];
        if (step.released || step.finished) continue;
        bool needs_done = true;
        std::string blocked;
        for (std::size_t n : needs[s]) {
          const Step& needed = steps[n];
          if (!needed.finished) {
            needs_done = false;
          } else if (!needed.failure.empty() && !options.dry_run && blocked.empty()) {
            blocked = "needs step " + plan.steps[n].name + ", which failed: " + needed.failure;
          }
        }
        if (!blocked.empty()) {
          // Its fate is sealed now; no need to wait for its wave.
          step.released = true;
          for (std::size_t i : step.items)
            if (states[i].phase == Phase::waiting) skip_locked(i, blocked);
          continue;
        }
        if (!needs_done || plan.steps[s].wave != wave) continue;
        step.released = true;
        active_steps.push_back(s);
      }
    }
  }

  // The next item allowed to start, marked running; nullopt if none may start now.
  std::optional<std::size_t> next_locked() {
    while (true) {
      if (halted || cancelled) return std::nullopt;
      if (deadline_at && clock->steady_now() >= *deadline_at) {
        skip_all_waiting_locked("the batch's deadline passed before it started");
        return std::nullopt;
      }
      release_steps_locked();
      std::optional<std::size_t> found;
      for (auto it = active_steps.begin(); it != active_steps.end();) {
        Step& step = steps[*it];
        while (step.cursor < step.items.size() &&
               states[step.items[step.cursor]].phase != Phase::waiting)
          ++step.cursor;
        if (step.cursor == step.items.size()) {
          it = active_steps.erase(it);
          continue;
        }
        const auto& limit = plan.steps[*it].concurrency;
        if (slots_used < plan.concurrency && (!limit || step.running < *limit)) {
          found = step.items[step.cursor++];
          break;
        }
        ++it;
      }
      if (!found) return std::nullopt;
      const std::size_t i = *found;
      Item& state = states[i];
      const std::string key = items[i].resource_key();
      if (auto carried = succeeded_resource.find(key); carried != succeeded_resource.end()) {
        copy_outcome(state.record, carried->second);
        finish_item_locked(i);
        continue;
      }
      state.phase = Phase::running;
      state.since = clock->steady_now();
      --progress.pending;
      ++progress.running;
      if (auto primary = running_resource.find(key); primary != running_resource.end()) {
        if (observer) observer->on_item_started(items[i], progress);
        if (states[primary->second].phase == Phase::done)
          share_result_locked(i, primary->second);
        else
          states[primary->second].sharers.push_back(i);
        continue;
      }
      running_resource.emplace(key, i);
      state.holds_slot = true;
      ++slots_used;
      ++steps[items[i].step].running;
      state.record.started = clock->wall_now();
      if (observer) observer->on_item_started(items[i], progress);
      return i;
    }
  }

  std::optional<Clock::time_point> item_deadline(std::size_t i) const {
    std::optional<Clock::time_point> deadline;
    if (items[i].deadline) deadline = clock->steady_now() + *items[i].deadline;
    if (deadline_at && (!deadline || *deadline_at < *deadline)) deadline = deadline_at;
    return deadline;
  }

  void pump() {
    std::unique_lock lock(mutex);
    if (pumping || done) return;
    pumping = true;
    while (true) {
      if (!to_cancel.empty()) {
        std::vector<std::string> ids;
        ids.swap(to_cancel);
        lock.unlock();
        for (const auto& id : ids) runner.cancel(id);
        lock.lock();
        continue;
      }
      const auto next = next_locked();
      if (!next) break;
      const std::size_t i = *next;
      const auto deadline = item_deadline(i);
      lock.unlock();
      runner.start(items[i], deadline, [self = shared_from_this(), i](const StopResult& outcome) {
        self->on_done(i, outcome);
      });
      lock.lock();
    }
    pumping = false;
    if (progress.finished() == progress.total) finish_batch_locked();
  }

  void on_done(std::size_t i, const StopResult& outcome) {
    {
      std::lock_guard lock(mutex);
      states[i].record.take_result(outcome);
      finish_item_locked(i);
    }
    pump();
  }

  void finish_batch_locked() {
    result.items.clear();
    for (std::size_t s = 0; s < steps.size(); ++s) {
      for (std::size_t i : steps[s].items) result.items.push_back(states[i].record);
      for (const auto& record : steps[s].carried_only) result.items.push_back(record);
    }
    result.summary.counts = progress;
    result.summary.halted = halted;
    result.summary.halt_reason = halt_reason;
    result.summary.cancelled = cancelled;
    result.summary.dry_run = options.dry_run;
    result.summary.started = started_at;
    result.summary.finished = clock->wall_now();
    done = true;
    finished_cv.notify_all();
  }

  void cancel() {
    {
      std::lock_guard lock(mutex);
      if (done || cancelled) return;
      cancelled = true;
      skip_all_waiting_locked("cancelled: the batch was interrupted before it started");
      queue_cancel_running_locked();
      if (!started) return;  // start() will finish the batch
    }
    pump();
  }
};

BatchEngine::BatchEngine(BatchPlan plan, std::vector<BatchItem> items, BatchItemRunner& runner,
                         BatchObserver* observer, BatchEngineOptions options)
    : state_(std::make_shared<State>(std::move(plan), std::move(items), runner, observer,
                                     std::move(options))) {
  state_->init();
}

BatchEngine::~BatchEngine() {
  bool running = false;
  {
    std::lock_guard lock(state_->mutex);
    running = state_->started && !state_->done;
  }
  if (running) {
    cancel();
    wait();
  }
}

void BatchEngine::start() {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->started) return;
    state_->started = true;
    state_->started_at = state_->clock->wall_now();
    if (state_->plan.deadline)
      state_->deadline_at = state_->clock->steady_now() + *state_->plan.deadline;
  }
  state_->pump();
}

void BatchEngine::cancel() {
  state_->cancel();
}

const BatchResult& BatchEngine::wait() {
  std::unique_lock lock(state_->mutex);
  state_->finished_cv.wait(lock, [this] { return state_->done; });
  return state_->result;
}

bool BatchEngine::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  return state_->finished_cv.wait_for(lock, timeout, [this] { return state_->done; });
}

BatchProgress BatchEngine::progress() const {
  std::lock_guard lock(state_->mutex);
  return state_->progress;
}

std::vector<BatchEngine::RunningItem> BatchEngine::longest_running(std::size_t limit) const {
  std::vector<RunningItem> running;
  std::lock_guard lock(state_->mutex);
  for (std::size_t i = 0; i < state_->states.size(); ++i)
    if (state_->states[i].phase == State::Phase::running)
      running.push_back({state_->items[i].id, state_->states[i].since});
  const auto count = std::min(limit, running.size());
  std::partial_sort(running.begin(), running.begin() + static_cast<std::ptrdiff_t>(count),
                    running.end(),
                    [](const RunningItem& a, const RunningItem& b) { return a.since < b.since; });
  running.resize(count);
  return running;
}

}  // namespace stopd::core
