#include "stop_engine.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <system_error>

#include "errors.hpp"
#include "realtime_burst.hpp"

namespace stopd::process {
namespace {

using Clock = StopJob::Clock;

constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << StopJob::kSlotBits) - 1;

std::uint64_t token_of(std::uint64_t job, std::uint32_t slot) {
  return (job << StopJob::kSlotBits) | slot;
}

void log_to(const std::shared_ptr<sdk::Logger>& logger, sdk::LogLevel level,
            const std::string& message) {
  try {
    if (logger && logger->enabled(level)) logger->log(level, message);
  } catch (...) {
  }
}

}  // namespace

StopEngine::StopEngine(std::shared_ptr<sdk::Logger> logger) : logger_(std::move(logger)) {}

StopEngine::~StopEngine() {
  shutdown();
}

void StopEngine::adopt(std::unique_ptr<StopJob> job) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    job->fail(sdk::Code::cancelled, "provider shutting down");
    return;
  }
  if (!thread_.joinable()) {
    try {
      loop_ = std::make_shared<EventLoop>();
      // The thread keeps the engine (and the loop) alive until it has completed every stop, even
      // when the provider is destroyed from inside one of its own complete() calls.
      thread_ = std::thread([self = shared_from_this(), loop = loop_] { self->run(loop); });
    } catch (const std::exception& e) {
      loop_.reset();
      lock.unlock();
      const auto* system = dynamic_cast<const std::system_error*>(&e);
      job->fail(system ? code_for_errno(system->code().value()) : sdk::Code::internal,
                std::string("cannot start the local.process event loop: ") + e.what());
      return;
    }
  }
  inbox_.push_back(std::move(job));
  if (!std::exchange(wake_pending_, true)) loop_->wake();
}

void StopEngine::schedule_changed(std::uint64_t job_id) noexcept {
  try {
    std::lock_guard lock(mutex_);
    if (stopping_ || !loop_) return;
    changed_.push_back(job_id);
    if (!std::exchange(wake_pending_, true)) loop_->wake();
  } catch (...) {
    // Out of memory for one id: the job still acts at its next timer.
  }
}

void StopEngine::shutdown() noexcept {
  std::thread thread;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (loop_) loop_->wake();
    thread = std::move(thread_);
  }
  if (!thread.joinable()) return;
  if (thread.get_id() == std::this_thread::get_id()) {
    thread.detach();
  } else {
    thread.join();
  }
}

void StopEngine::run(const std::shared_ptr<EventLoop>& loop) {
  loop_tid_.store(static_cast<long>(::syscall(SYS_gettid)));
  std::vector<std::uint64_t> ready;
  std::vector<std::unique_ptr<StopJob>> inbox;
  std::vector<std::uint64_t> changed;
  for (;;) {
    try {
      loop->wait(ready);
    } catch (const std::exception& e) {
      // epoll_wait only fails on a broken descriptor; nothing can be watched any more.
      log_to(logger_, sdk::LogLevel::error,
             std::string("local.process event loop failed: ") + e.what());
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    {
      std::lock_guard lock(mutex_);
      inbox.swap(inbox_);
      changed.swap(changed_);
      wake_pending_ = false;
      if (stopping_) {
        shut_down_jobs(std::move(inbox));
        return;
      }
    }
    auto now = Clock::now();
    for (auto& job : inbox) admit(std::move(job), *loop, now);
    inbox.clear();

    // Exits before timers: a process that exited just as its grace ran out is not "forced".
    for (const std::uint64_t token : ready) {
      const auto it = jobs_.find(token >> StopJob::kSlotBits);
      if (it == jobs_.end()) continue;  // finished earlier in this round
      it->second.job->on_exit(static_cast<std::uint32_t>(token & kSlotMask), now);
      settle(it->first, it->second, *loop);
    }
    // A stop whose schedule changed several times since the last round is evaluated once.
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    run_batch(changed, now, *loop);
    changed.clear();

    now = Clock::now();
    due_.clear();
    while (const auto entry = timers_.pop_due(now)) {
      const auto it = jobs_.find(entry->job);
      if (it == jobs_.end() || it->second.generation != entry->generation) continue;
      it->second.due = Clock::time_point::max();
      due_.push_back(entry->job);
    }
    run_batch(due_, now, *loop);
    // Stale entries pile up when schedules keep changing; keep the heap proportional to the jobs.
    if (timers_.size() > 2 * jobs_.size() + 1024) {
      timers_.compact([this](const TimerQueue::Entry& entry) {
        const auto it = jobs_.find(entry.job);
        return it == jobs_.end() || it->second.generation != entry.generation;
      });
    }
    loop->arm_timer(timers_.next_due());
  }
}

void StopEngine::run_batch(const std::vector<std::uint64_t>& ids, Clock::time_point now,
                           EventLoop& loop) {
  // Kills first, for every stop of the batch that forces now; then each stop's bookkeeping.
  forcing_.clear();
  for (const std::uint64_t id : ids) {
    const auto it = jobs_.find(id);
    if (it != jobs_.end() && it->second.job->force_due(now)) forcing_.push_back(id);
  }
  if (!forcing_.empty()) {
    RealtimeBurst burst;
    for (const std::uint64_t id : forcing_) jobs_.at(id).job->send_due_kills();
  }
  for (const std::uint64_t id : ids) {
    const auto it = jobs_.find(id);
    if (it == jobs_.end()) continue;
    it->second.job->evaluate(now);
    settle(id, it->second, loop);
  }
}

void StopEngine::admit(std::unique_ptr<StopJob> job, EventLoop& loop, Clock::time_point now) {
  const std::uint64_t id = job->id();
  Running& running = jobs_[id];  // ids are never reused
  running.job = std::move(job);
  running.job->evaluate(now);  // the schedule may have changed since begin()
  settle(id, running, loop);   // watches its pidfds, arms its timer
}

void StopEngine::settle(std::uint64_t id, Running& running, EventLoop& loop) {
  StopJob& job = *running.job;
  if (!job.finished()) {
    if (const int error = job.watch_new_members(
            [&](int fd, std::uint32_t slot) { return loop.watch(fd, token_of(id, slot)); })) {
      job.fail(code_for_errno(error),
               "cannot watch the processes: epoll_ctl: " + errno_text(error));
    }
  }
  if (job.finished()) {
    jobs_.erase(id);
    return;
  }
  const auto due = job.next_due();
  if (due == running.due) return;
  running.due = due;
  ++running.generation;
  if (due != Clock::time_point::max()) timers_.push({due, id, running.generation});
}

void StopEngine::shut_down_jobs(std::vector<std::unique_ptr<StopJob>> inbox) {
  for (auto& job : inbox) job->fail(sdk::Code::cancelled, "provider shutting down");
  for (auto& [id, running] : jobs_)
    running.job->fail(sdk::Code::cancelled, "provider shutting down");
  jobs_.clear();
  log_to(logger_, sdk::LogLevel::debug, "local.process event loop stopped");
}

}  // namespace stopd::process
