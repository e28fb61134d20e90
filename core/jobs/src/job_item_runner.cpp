#include "job_item_runner.hpp"

#include <atomic>

#include "stopd/core/logging.hpp"

namespace stopd::core {

StopResult result_of_job(const Job& job) {
  StopResult result;
  result.stop_id = job.stop_id;
  result.outcome = job.outcome.value_or(
      sdk::StopOutcome::make(sdk::Code::internal, "the job ended without an outcome"));
  result.attempts = job.attempts;
  result.joined = job.joined;
  result.dry_run = job.request.dry_run;
  result.started = job.started.value_or(job.created);
  result.finished = job.finished.value_or(std::chrono::system_clock::now());
  return result;
}

JobItemRunner::~JobItemRunner() {
  std::map<std::string, Running> running;
  {
    std::lock_guard lock(mutex_);
    running.swap(running_);
  }
  // Destroying the watch handles waits for a callback in progress: outside the lock, which the
  // callback takes.
}

void JobItemRunner::start(const BatchItem& item,
                          std::optional<std::chrono::steady_clock::time_point> deadline,
                          Done done) {
  auto reported = std::make_shared<std::atomic<bool>>(false);
  {
    std::lock_guard lock(mutex_);
    if (detached_) {
      running_[item.id] = Running{std::string(), nullptr, reported, std::move(done)};
      return;
    }
  }
  JobSubmission submission;
  submission.request = item.request;
  submission.requester = requester_;
  submission.request_id = request_id_of(batch_id_, item.id);
  if (deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - clock_->steady_now());
    submission.deadline = std::max(left, std::chrono::milliseconds(1));
  }
  Job job;
  try {
    job = jobs_.submit(std::move(submission));
  } catch (const sdk::StopError& e) {
    StopResult refused;
    refused.outcome = sdk::StopOutcome::make(e.code(), e.what());
    refused.started = refused.finished = clock_->wall_now();
    done(refused);
    return;
  }

  // The end is reported once: from the snapshot of a job that had finished already (a resumed
  // batch), from the job's `finished` event, or by cancel() after detach().
  const std::string item_id = item.id;
  auto on_event = [this, item_id, reported, done](const JobEvent& event) {
    if (!event.job.is_finished() || reported->exchange(true)) return;
    std::shared_ptr<void> handle;
    {
      std::lock_guard lock(mutex_);
      auto it = running_.find(item_id);
      if (it != running_.end()) {
        handle = std::move(it->second.watch);  // dropped below, outside the lock
        running_.erase(it);
      }
    }
    done(result_of_job(event.job));
  };
  {
    std::lock_guard lock(mutex_);
    running_[item_id] = Running{job.id, nullptr, reported, done};
  }
  std::shared_ptr<void> watch;
  try {
    watch = jobs_.watch(job.id, on_event);
  } catch (const sdk::StopError& e) {  // pruned between submit and watch: cannot happen in practice
    std::lock_guard lock(mutex_);
    running_.erase(item_id);
    if (!reported->exchange(true)) {
      StopResult lost;
      lost.outcome = sdk::StopOutcome::make(sdk::Code::internal, e.what());
      lost.started = lost.finished = clock_->wall_now();
      done(lost);
    }
    return;
  }
  std::lock_guard lock(mutex_);
  if (reported->load()) return;  // ended during watch(): the handle goes with this scope
  running_[item_id].watch = std::move(watch);
}

void JobItemRunner::detach() {
  std::lock_guard lock(mutex_);
  detached_ = true;
}

void JobItemRunner::cancel(const std::string& item_id) {
  std::string job_id;
  Running parked;
  {
    std::lock_guard lock(mutex_);
    auto it = running_.find(item_id);
    if (it == running_.end()) return;
    if (detached_) {
      parked = std::move(it->second);
      running_.erase(it);
    } else {
      job_id = it->second.job_id;
    }
  }
  if (parked.reported) {
    parked.watch.reset();  // waits for a delivery in progress; then no more come
    if (!parked.reported->exchange(true)) {
      StopResult left;
      left.outcome = sdk::StopOutcome::make(
          sdk::Code::cancelled, "stopd is stopping; the batch goes on when it starts again");
      left.started = left.finished = clock_->wall_now();
      parked.done(left);
    }
    return;
  }
  try {
    jobs_.cancel(job_id);
  } catch (const std::exception& e) {
    host_logger()->warn("batch={} item={} job={}: cannot cancel: {}", batch_id_, item_id, job_id,
                        e.what());
  }
}

}  // namespace stopd::core
