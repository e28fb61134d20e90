#include "stopd/jobs/job_manager.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "job_id.hpp"
#include "job_schedule.hpp"
#include "job_time.hpp"
#include "job_watchers.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/core/time_format.hpp"
#include "tracked_job.hpp"

namespace stopd::core {
namespace {

using sdk::Code;
using sdk::StopError;
using Steady = std::chrono::steady_clock;

// How long cancel() waits for the job's end to be journaled before returning it as it is.
constexpr std::chrono::seconds kCancelWait{10};
// After a failed journal write, the journal thread tries again this much later.
constexpr std::chrono::seconds kJournalRetry{1};
// `started` events of stops not (yet) known to the manager, kept for the rare race in which a
// queued stop starts on another thread before the submitting thread heard of it.
constexpr std::size_t kEarlyStarts = 256;
// A job's start is journaled at most this late (ends at once).
constexpr std::chrono::milliseconds kStartDelay{10};
// The journal thread ticks (every kStartDelay) for this long after the last queued write.
constexpr std::chrono::seconds kTicking{1};
// Job changes per journal transaction.
constexpr std::size_t kFlushChunk = 512;

class CallbackObserver final : public StopObserver {
 public:
  explicit CallbackObserver(std::function<void(const StopEvent&)> callback)
      : callback_(std::move(callback)) {}
  void on_event(const StopEvent& event) override { callback_(event); }

 private:
  std::function<void(const StopEvent&)> callback_;
};

std::int64_t ms_of(std::chrono::system_clock::time_point at) {
  return to_ms(Job::Time(at));
}

}  // namespace

struct JobManager::State : std::enable_shared_from_this<JobManager::State> {
  State(Dispatcher& dispatcher_, JobStore& store_, JobManagerOptions options_)
      : dispatcher(dispatcher_), store(store_), options(std::move(options_)) {}

  Dispatcher& dispatcher;
  // The dispatcher's clock: what jobs record and the deadlines they hand it are on its time.
  Job::Time clock_now() const {
    return std::chrono::floor<std::chrono::milliseconds>(dispatcher.clock()->wall_now());
  }
  Steady::time_point steady_clock_now() const { return dispatcher.clock()->steady_now(); }
  // The dispatcher's logger too (DispatcherOptions::logger): one place to give a test its own.
  spdlog::logger& log() const { return *dispatcher.logger(); }
  JobStore& store;
  const JobManagerOptions options;

  mutable std::mutex mutex;
  std::condition_variable settled;  // a job ended, or left memory (journaled or abandoned)
  std::condition_variable work;     // something for the journal thread
  // Jobs in flight, by id (the key views the job's own id), and by the stop they ride on.
  std::unordered_map<std::string_view, std::unique_ptr<TrackedJob>> jobs;
  std::unordered_multimap<std::string_view, TrackedJob*> by_stop;
  std::vector<TrackedJob*> writes;  // for the journal thread
  Steady::time_point oldest_write;  // when `writes` last became non-empty
  bool urgent_write = false;        // an end is queued
  bool flushing = false;            // a flush() runs (one at a time, on any thread)
  Steady::time_point retry_after;   // after a failed write: no flush before then
  std::string last_write_error;     // why the last failed write failed
  // When the journal thread wakes next (it may wake earlier); while it ticks, a delayed write
  // needs no notification.
  Steady::time_point journal_wakes_at = Steady::time_point::min();
  Steady::time_point last_write_queued;
  std::deque<std::pair<std::string, unsigned>> early_starts;
  int resume_readers = 0;  // resume_unfinished() calls between reading the journal and memory
  std::vector<std::string> forgotten_while_resuming;  // ids ended meanwhile (see there)
  std::size_t unfinished = 0;                         // tracked jobs not yet ended
  bool accepting = true;                              // false once draining or closed
  bool detached = false;  // drain() returned: only successes and cancel() are journaled
  bool closed = false;    // the manager is gone: events are ignored
  bool stopping = false;  // the journal thread finishes its queue and exits
  std::thread journal_thread;

  // The job whose dispatcher.submit() runs on this thread: the stop id of the first event the
  // dispatcher delivers during that call is its stop (see dispatch()).
  struct Binding {
    const State* manager = nullptr;
    TrackedJob* job = nullptr;
  };
  static thread_local Binding binding;

  // The handle watch() returns.
  struct Subscription {
    std::weak_ptr<State> state;
    std::shared_ptr<JobWatcher> watcher;
    std::string id;
    ~Subscription() {
      watcher->unsubscribe();
      if (auto self = state.lock()) self->unwatch(id, watcher.get());
    }
  };

  void start() {
    journal_thread = std::thread([this] { run_journal(); });
  }

  void shutdown() {
    {
      std::lock_guard lock(mutex);
      closed = true;
      accepting = false;
      stopping = true;
    }
    work.notify_all();
    settled.notify_all();
    if (journal_thread.joinable()) journal_thread.join();
  }

  // ---- submit and resume ---------------------------------------------------------------------

  Job submit(JobSubmission submission) {
    sdk::StopRequest& request = submission.request;
    if (request.options.is_null()) request.options = nlohmann::json::object();
    {
      std::lock_guard lock(mutex);
      if (!accepting) throw StopError(Code::unavailable, "stopd is shutting down");
    }
    if (auto error = dispatcher.validate(request)) throw StopError(Code::invalid_argument, *error);
    if (submission.deadline && submission.deadline->count() <= 0)
      throw StopError(
          Code::invalid_argument,
          "deadline: expected a positive number of seconds, got " +
              std::to_string(static_cast<double>(submission.deadline->count()) / 1000.0));
    if (!submission.request_id.empty())
      if (auto existing = by_request_id(submission.request_id)) return *existing;

    // Dispatched first, journaled once with its end if it ends at once (see JobSubmission::wait).
    // Not with a request_id: the journal's unique index is what settles two submits with one key
    // at once.
    const bool deferred = submission.request_id.empty();
    const bool caller_waits = submission.wait;
    const Job::Time now = clock_now();
    const Steady::time_point steady_now = steady_clock_now();
    const std::chrono::milliseconds budget =
        submission.deadline.value_or(default_deadline(request, options.dispatcher));
    Job job;
    job.id = new_job_id(now);
    job.request = std::move(request);
    job.requester = std::move(submission.requester);
    job.request_id = std::move(submission.request_id);
    job.created = now;
    job.deadline = now + budget;
    job.force_at = force_at_of(job.request, now);

    auto tracked = std::make_unique<TrackedJob>();
    tracked->id = job.id;
    tracked->deadline_ms = to_ms(job.deadline);
    tracked->force_at_ms = job.force_at ? to_ms(*job.force_at) : kNoTime;
    tracked->grace_ms = grace_ms_of(job.request);
    if (deferred) tracked->unjournaled = std::make_unique<Job>(job);
    TrackedJob* const t = track(std::move(tracked));

    if (!deferred) try {
        store.insert(job);
      } catch (const JournalError& e) {
        untrack(t);
        // Two submits with one request_id at once: the second insert fails; the first job wins.
        if (!job.request_id.empty())
          if (auto existing = by_request_id(job.request_id)) return *existing;
        log().error("job={} not accepted: {}", job.id, e.what());
        throw StopError(Code::unavailable, std::string("journal: ") + e.what());
      }
    log().debug("job={} accepted type={} requester={}", job.id, job.request.type, job.requester);

    dispatch(t, job.request, steady_now + budget);
    // Not acknowledged before it is journaled: now, by this thread, with its end if it has one.
    if (deferred && !caller_waits) return wait(job, std::chrono::milliseconds(0));
    // `t` may be gone already (ended and journaled): the job as the manager knows it now.
    if (!overlay(job))
      if (auto journaled = store.get(job.id)) job = std::move(*journaled);
    return job;
  }

  std::optional<Job> by_request_id(const std::string& request_id) const {
    auto job = store.find_by_request_id(request_id);
    if (job) overlay(*job);
    return job;
  }

  TrackedJob* track(std::unique_ptr<TrackedJob> job) {
    std::lock_guard lock(mutex);
    if (!accepting) throw StopError(Code::unavailable, "stopd is shutting down");
    TrackedJob* raw = job.get();
    jobs.emplace(raw->id, std::move(job));
    ++unfinished;
    if (raw->unjournaled) {
      raw->awaited = true;  // its submitter waits next
      queue_write(*raw);    // journaled within kStartDelay unless its end comes first
    }
    return raw;
  }

  void untrack(TrackedJob* t) {
    std::lock_guard lock(mutex);
    if (t->state != JobState::finished && !t->abandoned) --unfinished;
    forget(*t);
    settled.notify_all();
  }

  // Under the lock. Destroys `t`.
  void forget(TrackedJob& t) {
    if (!t.stop_id.empty()) {
      auto [first, last] = by_stop.equal_range(t.stop_id);
      for (auto it = first; it != last; ++it)
        if (it->second == &t) {
          by_stop.erase(it);
          break;
        }
    }
    jobs.erase(std::string_view(t.id));
  }

  // Hands a journaled job to the dispatcher; its end comes back through the ticket.
  void dispatch(TrackedJob* t, sdk::StopRequest request, Steady::time_point deadline) {
    SubmitOptions submit_options;
    submit_options.deadline = deadline;
    std::shared_ptr<StopTicket> ticket;
    binding = Binding{this, t};
    try {
      ticket = dispatcher.submit(std::move(request), submit_options);
    } catch (const std::exception& e) {
      binding = Binding{};
      StopResult result;
      result.outcome =
          sdk::StopOutcome::make(Code::internal, std::string("dispatcher: ") + e.what());
      result.finished = dispatcher.clock()->wall_now();
      finish(t, result);
      return;
    }
    binding = Binding{};
    const std::string stop_id = ticket->stop_id();
    bool cancel_now = false;
    {
      std::lock_guard lock(mutex);
      t->ticket = ticket;
      bind(*t, stop_id);
      cancel_now = t->cancel_requested;
    }
    if (cancel_now) ticket->cancel();
    // From here on `t` may end and be freed at any time: it is not touched again.
    ticket->on_done([weak = weak_from_this(), t](const StopResult& result) {
      if (auto self = weak.lock()) self->finish(t, result);
    });
  }

  std::size_t resume_unfinished() {
    // A job this manager ran may end, and leave memory, between reading the journal and
    // checking memory below: the journal thread records such ids while a resume reads.
    {
      std::lock_guard lock(mutex);
      if (!accepting) return 0;
      ++resume_readers;
    }
    std::vector<Job> journaled;
    try {
      journaled = store.unfinished();
    } catch (...) {
      std::lock_guard lock(mutex);
      if (--resume_readers == 0) forgotten_while_resuming.clear();
      throw;
    }
    const Job::Time now = clock_now();
    const Steady::time_point steady_now = steady_clock_now();

    struct Resumed {
      TrackedJob* job;
      sdk::StopRequest request;
      Steady::time_point deadline;
    };
    std::vector<Resumed> resumed;
    std::vector<Job> rows;
    {
      std::lock_guard lock(mutex);
      const std::unordered_set<std::string_view> ended(forgotten_while_resuming.begin(),
                                                       forgotten_while_resuming.end());
      if (!accepting) journaled.clear();  // drain() began meanwhile
      for (Job& job : journaled) {
        if (jobs.find(std::string_view(job.id)) != jobs.end()) continue;  // runs already
        if (ended.count(job.id) > 0) continue;                            // ran and ended
        ResumePlan plan = resume_plan(job, now);
        job.resumed += 1;
        if (const auto crashes = store.interruptions().find(job.id);
            crashes != store.interruptions().end() && crashes->second >= options.quarantine_after) {
          end_without_running(
              job, now, Code::internal,
              "quarantined: stopd ended without a clean shutdown " +
                  std::to_string(crashes->second) +
                  " times in a row while this job was in flight (a crash or exit() in the " +
                  job.request.type +
                  " plugin, most likely on this resource), so it is not run again; look at "
                  "stopd's log and the plugin before you submit the stop anew");
          rows.push_back(std::move(job));
          continue;
        }
        if (plan.expired) {
          end_without_running(job, now, Code::deadline_exceeded,
                              "its deadline (" + rfc3339_utc(job.deadline) +
                                  ") passed while stopd was not running; the resource was not "
                                  "touched again");
          rows.push_back(std::move(job));
          continue;
        }
        auto tracked = std::make_unique<TrackedJob>();
        tracked->id = job.id;
        tracked->state = job.state;
        tracked->started_ms = job.started ? to_ms(*job.started) : kNoTime;
        tracked->deadline_ms = to_ms(job.deadline);
        tracked->force_at_ms = job.force_at ? to_ms(*job.force_at) : kNoTime;
        tracked->grace_ms = grace_ms_of(plan.request);
        tracked->attempts_before = tracked->attempts = job.attempts;
        tracked->resumed = job.resumed;
        TrackedJob* raw = tracked.get();
        jobs.emplace(raw->id, std::move(tracked));
        ++unfinished;
        resumed.push_back(
            Resumed{raw, std::move(plan.request), steady_now + (plan.deadline - now)});
        rows.push_back(std::move(job));
      }
      if (--resume_readers == 0) forgotten_while_resuming.clear();
    }
    if (rows.empty()) return 0;
    try {
      store.update_many(rows);  // resumed += 1, or the end: durable before it runs again
    } catch (...) {
      for (const Resumed& each : resumed) untrack(each.job);
      throw;
    }
    for (Resumed& each : resumed) {
      log().info("job={} resumed (time {})", each.job->id, each.job->resumed);
      dispatch(each.job, std::move(each.request), each.deadline);
    }
    return resumed.size();
  }

  // A resumed job that is not run again ends here, with the reason, as a stop that ran would.
  void end_without_running(Job& job, Job::Time now, Code code, std::string message) {
    log().warn("job={} not resumed: {}", job.id, message);
    job.state = JobState::finished;
    job.finished = now;
    job.outcome = sdk::StopOutcome::make(code, std::move(message));
  }

  // ---- dispatcher events ---------------------------------------------------------------------

  // Under the lock: `t` rides on stop `stop_id` from now on.
  void bind(TrackedJob& t, std::string_view stop_id) {
    if (stop_id.empty() || !t.stop_id.empty()) return;
    t.stop_id = std::string(stop_id);
    by_stop.emplace(t.stop_id, &t);
    for (auto it = early_starts.begin(); it != early_starts.end(); ++it)
      if (it->first == t.stop_id) {
        mark_running(t, it->second, ms_of(dispatcher.clock()->wall_now()));
        early_starts.erase(it);
        break;
      }
  }

  // Under the lock.
  void mark_running(TrackedJob& t, unsigned attempt, std::int64_t at_ms) {
    t.attempts = t.attempts_before + attempt;
    if (t.started_ms == kNoTime) t.started_ms = at_ms;
    // The grace counts from when the provider first gets the stop (as in the dispatcher); a job
    // that joined a running stop keeps the force time its own request asked for.
    if (attempt == 1 && !t.joined && t.grace_ms >= 0) t.force_at_ms = at_ms + t.grace_ms;
    if (t.state == JobState::pending) t.state = JobState::running;
    queue_write(t);
  }

  // Under the lock: a job that joined a stop already running is running too.
  void adopt(TrackedJob& t, std::int64_t at_ms) {
    auto [first, last] = by_stop.equal_range(t.stop_id);
    for (auto it = first; it != last; ++it) {
      const TrackedJob& other = *it->second;
      if (&other != &t && other.started_ms != kNoTime && other.attempts > other.attempts_before) {
        mark_running(t, other.attempts - other.attempts_before, at_ms);
        return;
      }
    }
  }

  void on_event(const StopEvent& event) {
    std::vector<std::shared_ptr<WatchChannel>> to_drain;
    {
      std::lock_guard lock(mutex);
      if (closed) return;
      const std::int64_t at_ms = ms_of(event.at);
      if (binding.manager == this && binding.job != nullptr && binding.job->stop_id.empty()) {
        TrackedJob& t = *binding.job;
        bind(t, event.stop_id);
        if (event.kind == StopEventKind::joined) {
          t.joined = true;
          adopt(t, at_ms);
        }
      }
      auto [first, last] = by_stop.equal_range(event.stop_id);
      if (first == last) {
        if (event.kind == StopEventKind::started) {
          early_starts.emplace_back(std::string(event.stop_id), event.attempt);
          if (early_starts.size() > kEarlyStarts) early_starts.pop_front();
        }
        return;
      }
      for (auto it = first; it != last; ++it) {
        TrackedJob& t = *it->second;
        if (t.state == JobState::finished || t.abandoned) continue;
        // Each job ends with its own ticket's result (finish()), not the stop's.
        if (event.kind == StopEventKind::finished) continue;
        if (event.kind == StopEventKind::started) mark_running(t, event.attempt, at_ms);
        if (t.channel) {
          t.channel->post(event_for(t, event));
          to_drain.push_back(t.channel);
        }
      }
    }
    for (const auto& channel : to_drain) channel->drain();
  }

  // Under the lock.
  static JobEvent event_for(const TrackedJob& t, const StopEvent& event) {
    JobEvent out;
    out.at = event.at;
    out.kind = std::string(to_string(event.kind));
    switch (event.kind) {
      case StopEventKind::progress:
        out.phase = std::string(event.phase);
        if (event.facts != nullptr) out.facts = *event.facts;
        break;
      case StopEventKind::started:
        out.facts = {{"attempt", event.attempt}};
        break;
      case StopEventKind::retry_scheduled:
        out.facts = {{"attempt", event.attempt}, {"retry_in_ms", event.retry_in.count()}};
        break;
      default:
        break;
    }
    out.job = t.channel->job;
    t.fill(out.job, true);
    return out;
  }

  // The ticket's end. Journaled by the journal thread; waiters and watchers hear of it after.
  void finish(TrackedJob* t, const StopResult& result) {
    std::lock_guard lock(mutex);
    if (closed || t->state == JobState::finished || t->abandoned) return;
    --unfinished;
    if (detached && !t->cancel_requested && !sdk::is_success(result.outcome.code)) {
      // The host is shutting down after a drain: this end is an artifact of that, not of the
      // resource. The job stays unfinished in the journal; the next start resumes it.
      t->abandoned = true;
      log().info("job={} left unfinished for the next start ({}: {})", t->id,
                 sdk::to_string(result.outcome.code), result.outcome.message);
    } else {
      t->state = JobState::finished;
      t->finished_ms = ms_of(result.finished);
      if (t->started_ms == kNoTime && result.attempts > 0) t->started_ms = ms_of(result.started);
      t->attempts = std::max(t->attempts, t->attempts_before + result.attempts);
      t->joined = t->joined || result.joined;
      if (t->stop_id.empty()) t->stop_id = result.stop_id;  // not indexed: it has ended
      t->outcome = std::make_unique<sdk::StopOutcome>(result.outcome);
    }
    queue_write(*t, !t->awaited);
    settled.notify_all();
  }

  // Under the lock. An end (`urgent`) is written at once: waiters and watchers wait for it. A
  // start is written within kStartDelay, so a stop that ends by then costs one write, not two,
  // and a burst of starts shares one; get() and watchers see it at once from memory.
  void queue_write(TrackedJob& t, bool urgent = false) {
    if (urgent && !urgent_write) {
      urgent_write = true;
      work.notify_one();
    }
    if (t.write_queued) return;
    t.write_queued = true;
    writes.push_back(&t);
    last_write_queued = Steady::now();
    if (writes.size() == 1) {
      oldest_write = Steady::now();
      // Waking the journal thread costs a context switch per job on a busy daemon; while it
      // ticks (see run_journal()) it comes by in time anyway.
      if (oldest_write + kStartDelay < journal_wakes_at) work.notify_one();
    }
  }

  // ---- the journal thread --------------------------------------------------------------------

  void run_journal() {
    const auto interval =
        std::max<Steady::duration>(options.prune_interval, std::chrono::seconds(1));
    Steady::time_point next_prune = Steady::now();  // once at start, then every interval
    std::unique_lock lock(mutex);
    for (;;) {
      const auto now = Steady::now();
      const bool may_flush = !writes.empty() && !flushing && now >= retry_after;
      if (may_flush && (urgent_write || stopping || now >= oldest_write + kStartDelay)) {
        flush(lock);
        continue;
      }
      if (stopping && !flushing && (writes.empty() || now < retry_after)) break;
      if (now >= next_prune && !stopping) {
        lock.unlock();
        prune();
        lock.lock();
        next_prune = Steady::now() + interval;
        continue;
      }
      Steady::time_point wake = next_prune;
      if (!writes.empty() && !flushing)
        wake = std::min(
            wake,
            std::max(retry_after, urgent_write || stopping ? now : oldest_write + kStartDelay));
      // Busy: tick every kStartDelay, so queueing a delayed write never has to wake this thread.
      if (now < last_write_queued + kTicking) wake = std::min(wake, now + kStartDelay);
      journal_wakes_at = wake;
      work.wait_until(lock, wake);  // a flush elsewhere notifies `work` when it is done
      journal_wakes_at = Steady::time_point::min();
    }
  }

  // Writes every queued change in one transaction (group commit), then lets go of the jobs
  // whose end it journaled: waiters wake, watchers get `finished`. Runs on the journal thread or
  // on a waiter's (see wait_journaled()); `flushing` keeps it to one at a time, so the changes of
  // one job reach the journal in order.
  void flush(std::unique_lock<std::mutex>& lock) {
    flushing = true;
    urgent_write = false;
    std::vector<TrackedJob*> batch;
    batch.swap(writes);
    std::vector<Job> inserts;  // jobs not in the journal yet (JobSubmission::wait)
    std::vector<TrackedJob*> inserted;
    std::vector<Job> rows;
    rows.reserve(batch.size());
    std::vector<bool> ended(batch.size(), false);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      TrackedJob& t = *batch[i];
      t.write_queued = false;
      ended[i] = t.abandoned || t.state == JobState::finished;
      if (t.unjournaled) {  // abandoned too: it stays unfinished in the journal for a resume
        Job row = *t.unjournaled;
        t.fill(row, true);
        inserts.push_back(std::move(row));
        inserted.push_back(&t);
        continue;
      }
      if (t.abandoned) continue;
      Job row;
      row.id = t.id;
      t.fill(row, true);
      rows.push_back(std::move(row));
    }
    lock.unlock();
    bool journaled = true;
    std::string write_error;
    std::size_t inserts_written = 0;
    try {
      // In chunks: a burst of thousands of ends never holds up a new job's insert for long.
      std::vector<Job> new_chunk;
      std::vector<Job> chunk;
      const auto take = [](std::vector<Job>& from, std::size_t& at, std::size_t count,
                           std::vector<Job>& into) {
        into.assign(
            std::make_move_iterator(from.begin() + static_cast<std::ptrdiff_t>(at)),
            std::make_move_iterator(from.begin() + static_cast<std::ptrdiff_t>(at + count)));
        at += count;
      };
      std::size_t next_insert = 0;
      std::size_t next_update = 0;
      while (next_insert < inserts.size() || next_update < rows.size()) {
        const std::size_t new_count = std::min(kFlushChunk, inserts.size() - next_insert);
        const std::size_t count = std::min(kFlushChunk - new_count, rows.size() - next_update);
        take(inserts, next_insert, new_count, new_chunk);
        take(rows, next_update, count, chunk);
        store.append_many(new_chunk, chunk);
        inserts_written += new_count;
      }
    } catch (const std::exception& e) {
      journaled = false;
      write_error = e.what();
      log().error("journal: {} job change(s) not written ({}); retrying",
                  inserts.size() + rows.size(), e.what());
    }
    lock.lock();
    if (!journaled) last_write_error = std::move(write_error);

    for (std::size_t i = 0; i < inserts_written; ++i) inserted[i]->unjournaled.reset();
    std::vector<std::shared_ptr<WatchChannel>> to_drain;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      TrackedJob& t = *batch[i];
      if (!journaled && (!t.abandoned || t.unjournaled)) {
        if (!stopping) queue_write(t, ended[i]);  // stopping: given up; the next start resumes it
        continue;
      }
      if (!ended[i]) continue;
      if (t.channel && !t.abandoned) {
        JobEvent event;
        event.at = from_ms(t.finished_ms);
        event.kind = "finished";
        event.job = t.channel->job;
        t.fill(event.job, true);
        t.channel->post(std::move(event));
        to_drain.push_back(t.channel);
      }
      if (resume_readers > 0 && !t.abandoned) forgotten_while_resuming.push_back(t.id);
      forget(t);
    }
    if (!journaled) retry_after = Steady::now() + kJournalRetry;
    flushing = false;
    if (!writes.empty()) work.notify_one();
    settled.notify_all();
    if (to_drain.empty()) return;
    lock.unlock();
    for (const auto& channel : to_drain) channel->drain();
    lock.lock();
  }

  void prune() {
    try {
      const auto cutoff = clock_now() - options.retention;
      if (const std::size_t pruned = store.prune_finished_before(cutoff); pruned > 0)
        log().info("journal: pruned {} finished job(s) older than {} h", pruned,
                   std::chrono::duration_cast<std::chrono::hours>(options.retention).count());
    } catch (const std::exception& e) {
      log().error("journal: pruning failed: {}", e.what());
    }
  }

  // ---- queries, cancel, watch, drain ---------------------------------------------------------

  // The in-memory progress of a job in flight over its journal record; false if not in flight.
  bool overlay(Job& job) const {
    std::lock_guard lock(mutex);
    auto it = jobs.find(std::string_view(job.id));
    if (it == jobs.end() || it->second->abandoned) return false;
    it->second->fill(job, false);
    return true;
  }

  // A job in flight that is not in the journal yet (JobSubmission::wait), as it is now.
  std::optional<Job> unjournaled(const std::string& id) const {
    std::lock_guard lock(mutex);
    auto it = jobs.find(std::string_view(id));
    if (it == jobs.end() || !it->second->unjournaled) return std::nullopt;
    Job job = *it->second->unjournaled;
    it->second->fill(job, false);
    return job;
  }

  std::optional<Job> get(const std::string& id) const {
    if (auto job = store.get(id)) {
      overlay(*job);
      return job;
    }
    if (auto job = unjournaled(id)) return job;
    auto job = store.get(id);  // journaled between the two looks
    if (job) overlay(*job);
    return job;
  }

  // Until `id` is no longer in flight (its end journaled) or `timeout`. A waiter that finds an
  // end queued and no flush running journals it itself: the stop's end goes from the thread
  // that saw it to the journal without waking the journal thread. Returns true if it saw the
  // job finished and then journaled, with `*latest` (if given) filled from that end.
  bool wait_journaled(const std::string& id, std::chrono::milliseconds timeout, Job* latest) {
    std::unique_lock lock(mutex);
    const Steady::time_point until = Steady::now() + timeout;
    bool saw_end = false;
    bool tried_journal = false;
    for (;;) {
      if (closed) return false;
      auto it = jobs.find(std::string_view(id));
      if (it == jobs.end()) return saw_end;
      TrackedJob& t = *it->second;
      const bool ended = t.abandoned || t.state == JobState::finished;
      if (latest != nullptr && t.state == JobState::finished && !t.abandoned) {
        t.fill(*latest, true);
        saw_end = true;
      }
      const auto now = Steady::now();
      if (ended && t.write_queued && !flushing && now >= retry_after) {
        flush(lock);
        continue;
      }
      if (now >= until) {
        // Whatever wait() returns is journaled, at least as accepted: the caller may hand it out.
        if (t.unjournaled) {
          if (flushing) {
            settled.wait(lock);
          } else if (!tried_journal) {
            tried_journal = true;
            flush(lock);
          } else {
            throw started_but_not_journaled(id);
          }
          continue;
        }
        t.awaited = false;
        if (ended && t.write_queued) {  // giving up: the journal thread writes it now
          urgent_write = true;
          work.notify_one();
        }
        return false;
      }
      t.awaited = true;
      settled.wait_until(lock, retry_after > now ? std::min(until, retry_after) : until);
    }
  }

  // Under the lock: what a caller hears of a job dispatched before its first journal write
  // (JobSubmission::wait) when that write failed. The stop runs; the write is retried. So not
  // UNAVAILABLE ("not accepted"; gRPC clients retry it, and a retry would stop the resource again
  // under a second job) but DEADLINE_EXCEEDED, which gRPC defines for a call that may have taken
  // effect all the same, and which a client whose own deadline ran out first gets anyway.
  StopError started_but_not_journaled(const std::string& id) const {
    log().error("job={} stop started but not journaled yet ({}); retrying", id, last_write_error);
    return StopError(
        Code::deadline_exceeded,
        "job " + id + ": the stop was started, but its journal record could not be written in " +
            "time (" + last_write_error + "). stopd retries the write every " +
            std::to_string(kJournalRetry.count()) + " s; meanwhile GetJob " + id +
            " shows the job. If stopd stops before the write succeeds, the job is not in the "
            "journal and is not resumed");
  }

  Job wait(const std::string& id, std::chrono::milliseconds timeout) {
    wait_journaled(id, timeout, nullptr);
    auto job = get(id);
    if (!job) throw StopError(Code::not_found, "no job " + id);
    return *job;
  }

  Job wait(const Job& job, std::chrono::milliseconds timeout) {
    Job latest = job;
    if (wait_journaled(job.id, timeout, &latest)) return latest;
    try {
      return wait(job.id, std::chrono::milliseconds(0));
    } catch (const JournalError& e) {
      // Journaled, but not readable now: with sync=normal a read first applies the intent log
      // to the tables, which another process may hold locked. The job was accepted and is
      // durable, so the caller gets it as this manager knows it, not an error that reads as
      // "not accepted".
      log().warn(
          "job={} journaled, but the journal cannot be read back ({}); "
          "answering with the job as known in memory",
          job.id, e.what());
      overlay(latest);
      return latest;
    }
  }

  Job cancel(const std::string& id) {
    std::shared_ptr<StopTicket> ticket;
    bool in_flight = false;
    {
      std::lock_guard lock(mutex);
      auto it = jobs.find(std::string_view(id));
      if (it != jobs.end() && !it->second->abandoned) {
        in_flight = true;
        TrackedJob& t = *it->second;
        if (t.state != JobState::finished) {
          t.cancel_requested = true;
          ticket = t.ticket;  // null while dispatch() runs: it cancels when it sees the flag
        }
      }
    }
    if (ticket) ticket->cancel();
    if (in_flight) {
      wait_journaled(id, kCancelWait, nullptr);
      auto job = get(id);
      if (!job) throw StopError(Code::not_found, "no job " + id);
      return *job;
    }
    auto job = store.get(id);
    if (!job) throw StopError(Code::not_found, "no job " + id);
    if (job->is_finished()) return *job;
    {
      std::lock_guard lock(mutex);
      if (!accepting) throw StopError(Code::unavailable, "stopd is shutting down");
    }
    // Journaled but run by no one (a previous run's job not resumed yet): withdrawn here.
    job->state = JobState::finished;
    job->finished = clock_now();
    job->outcome = sdk::StopOutcome::make(Code::cancelled, "cancelled before it was resumed");
    try {
      store.update(*job);
    } catch (const JournalError& e) {
      throw StopError(Code::unavailable, std::string("journal: ") + e.what());
    }
    return *job;
  }

  std::shared_ptr<void> watch(const std::string& id,
                              std::function<void(const JobEvent&)> on_event) {
    auto watcher = std::make_shared<JobWatcher>(std::move(on_event));
    // Held until the snapshot is delivered: events queued meanwhile wait for it.
    std::unique_lock delivery(watcher->delivery());
    std::optional<Job> job = store.get(id);
    if (!job) job = unjournaled(id);
    JobEvent snapshot;
    snapshot.kind = "snapshot";
    snapshot.at = dispatcher.clock()->wall_now();
    std::shared_ptr<WatchChannel> channel;
    {
      std::lock_guard lock(mutex);
      auto it = jobs.find(std::string_view(id));
      if (job && it != jobs.end() && !it->second->abandoned && !closed) {
        TrackedJob& t = *it->second;
        if (!t.channel) t.channel = std::make_shared<WatchChannel>(std::move(*job));
        channel = t.channel;
        watcher->first_sequence = channel->next_sequence();
        channel->add(watcher);
        snapshot.job = channel->job;
        t.fill(snapshot.job, false);
      }
    }
    if (!channel) {
      // Not in flight: read again, since it may have ended (and left memory) just now.
      job = store.get(id);
      if (!job) throw StopError(Code::not_found, "no job " + id);
      snapshot.job = std::move(*job);
      watcher->deliver_locked(snapshot);
      return watcher;  // nothing more will come; the handle only keeps the callback
    }
    watcher->deliver_locked(snapshot);
    delivery.unlock();
    auto subscription = std::make_shared<Subscription>();
    subscription->state = weak_from_this();
    subscription->watcher = std::move(watcher);
    subscription->id = id;
    return subscription;
  }

  void unwatch(const std::string& id, const JobWatcher* watcher) {
    std::lock_guard lock(mutex);
    auto it = jobs.find(std::string_view(id));
    if (it == jobs.end() || !it->second->channel) return;
    if (it->second->channel->remove(watcher)) it->second->channel.reset();
  }

  std::size_t drain(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    accepting = false;
    settled.wait_for(lock, timeout, [this] { return unfinished == 0 || closed; });
    detached = true;
    log().info("jobs: drained; {} job(s) left unfinished in the journal", unfinished);
    return unfinished;
  }

  std::size_t in_flight() const {
    std::lock_guard lock(mutex);
    return unfinished;
  }
};

thread_local JobManager::State::Binding JobManager::State::binding;

JobManager::JobManager(Host& host, JobStore& store, JobManagerOptions options)
    : JobManager(host.dispatcher(), store, std::move(options)) {}

JobManager::JobManager(Dispatcher& dispatcher, JobStore& store, JobManagerOptions options)
    : state_(std::make_shared<State>(dispatcher, store, std::move(options))) {
  dispatcher.add_observer(std::make_shared<CallbackObserver>(
      [weak = std::weak_ptr<State>(state_)](const StopEvent& event) {
        if (auto state = weak.lock()) state->on_event(event);
      }));
  state_->start();
}

JobManager::~JobManager() {
  state_->shutdown();
}

Job JobManager::submit(JobSubmission submission) {
  return state_->submit(std::move(submission));
}

Job JobManager::wait(const std::string& id, std::chrono::milliseconds timeout) {
  return state_->wait(id, timeout);
}

Job JobManager::wait(const Job& job, std::chrono::milliseconds timeout) {
  return state_->wait(job, timeout);
}

std::optional<Job> JobManager::get(const std::string& id) const {
  return state_->get(id);
}

JobPage JobManager::list(const JobFilter& filter) const {
  return state_->store.list(filter);
}

std::uint64_t JobManager::dead_letters() const {
  return state_->store.dead_letters();
}

Job JobManager::cancel(const std::string& id) {
  return state_->cancel(id);
}

std::shared_ptr<void> JobManager::watch(const std::string& id,
                                        std::function<void(const JobEvent&)> on_event) {
  return state_->watch(id, std::move(on_event));
}

std::size_t JobManager::resume_unfinished() {
  return state_->resume_unfinished();
}

std::size_t JobManager::drain(std::chrono::milliseconds timeout) {
  return state_->drain(timeout);
}

std::size_t JobManager::in_flight() const {
  return state_->in_flight();
}

}  // namespace stopd::core
