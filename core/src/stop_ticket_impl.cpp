#include "stop_ticket_impl.hpp"

#include "lock_pool.hpp"

namespace stopd::core {

bool TicketImpl::done() const {
  std::lock_guard lock(pooled_lock(this).mutex);
  return done_;
}

std::string TicketImpl::stop_id() const {
  std::lock_guard lock(pooled_lock(this).mutex);
  return stop_id_;
}

void TicketImpl::set_stop_id(std::string id) {
  std::lock_guard lock(pooled_lock(this).mutex);
  stop_id_ = std::move(id);
}

const StopResult& TicketImpl::wait() {
  PooledLock& slot = pooled_lock(this);
  std::unique_lock lock(slot.mutex);
  slot.changed.wait(lock, [this] { return done_; });
  return *result_;  // immutable once done_
}

bool TicketImpl::wait_for(std::chrono::milliseconds timeout) {
  PooledLock& slot = pooled_lock(this);
  std::unique_lock lock(slot.mutex);
  return slot.changed.wait_for(lock, timeout, [this] { return done_; });
}

void TicketImpl::on_done(std::function<void(const StopResult&)> callback) {
  {
    std::lock_guard lock(pooled_lock(this).mutex);
    if (!done_) {
      if (!callback_) {
        callback_ = std::move(callback);
      } else {
        // Rare (the job manager registers one): chained, so they still run in order.
        callback_ = [first = std::move(callback_),
                     second = std::move(callback)](const StopResult& result) {
          first(result);
          second(result);
        };
      }
      return;
    }
  }
  callback(*result_);
}

void TicketImpl::cancel() {
  if (auto owner = owner_.lock()) owner->cancel(*this);
}

bool TicketImpl::finish(StopResult result) {
  std::function<void(const StopResult&)> callback;
  PooledLock& slot = pooled_lock(this);
  {
    std::lock_guard lock(slot.mutex);
    if (done_) return false;
    result.joined = joined_;
    if (stop_id_.empty()) stop_id_ = result.stop_id;
    result.started = started_;
    result.finished = clock_->wall_now();
    result_ = std::make_unique<StopResult>(std::move(result));
    done_ = true;
    callback.swap(callback_);
  }
  slot.changed.notify_all();
  if (callback) callback(*result_);
  return true;
}

}  // namespace stopd::core
