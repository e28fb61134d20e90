#include "stop_ticket_impl.hpp"

namespace stopd::core {

bool TicketImpl::done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

std::string TicketImpl::stop_id() const {
  std::lock_guard lock(mutex_);
  return stop_id_;
}

void TicketImpl::set_stop_id(std::string id) {
  std::lock_guard lock(mutex_);
  stop_id_ = std::move(id);
}

const StopResult& TicketImpl::wait() {
  std::unique_lock lock(mutex_);
  finished_.wait(lock, [this] { return done_; });
  return result_;  // immutable once done_
}

bool TicketImpl::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return finished_.wait_for(lock, timeout, [this] { return done_; });
}

void TicketImpl::on_done(std::function<void(const StopResult&)> callback) {
  {
    std::lock_guard lock(mutex_);
    if (!done_) {
      callbacks_.push_back(std::move(callback));
      return;
    }
  }
  callback(result_);
}

void TicketImpl::cancel() {
  if (on_cancel_) on_cancel_(*this);
}

bool TicketImpl::finish(StopResult result) {
  std::vector<std::function<void(const StopResult&)>> callbacks;
  {
    std::lock_guard lock(mutex_);
    if (done_) return false;
    result.joined = joined_;
    if (stop_id_.empty()) stop_id_ = result.stop_id;
    result.started = started_;
    result.finished = std::chrono::system_clock::now();
    result_ = std::move(result);
    done_ = true;
    callbacks.swap(callbacks_);
    // Destroyed, not just cancelled: a ticket may outlive the dispatcher's event loop.
    timer_.reset();
  }
  finished_.notify_all();
  for (auto& callback : callbacks) callback(result_);
  return true;
}

void TicketImpl::arm_deadline(boost::asio::io_context& io, std::function<void()> expire) {
  std::lock_guard lock(mutex_);
  if (done_) return;
  timer_ = std::make_unique<boost::asio::steady_timer>(io, deadline_);
  timer_->async_wait([expire = std::move(expire)](const boost::system::error_code& error) {
    if (!error) expire();
  });
}

}  // namespace stopd::core
