#include "stopd/batch/batch_dispatcher_runner.hpp"

namespace stopd::core {

void DispatcherItemRunner::start(const BatchItem& item,
                                 std::optional<std::chrono::steady_clock::time_point> deadline,
                                 Done done) {
  SubmitOptions options;
  options.deadline = deadline;
  options.max_attempts = item.max_attempts;
  auto ticket = dispatcher_.submit(item.request, options);
  {
    std::lock_guard lock(mutex_);
    running_[item.id] = ticket;
  }
  // Registered after the ticket is known to cancel(), so a cancel never misses a started item;
  // a ticket already done runs the callback right here.
  ticket->on_done([this, id = item.id, done = std::move(done)](const StopResult& result) {
    {
      std::lock_guard lock(mutex_);
      running_.erase(id);
    }
    done(result);
  });
}

void DispatcherItemRunner::cancel(const std::string& item_id) {
  std::shared_ptr<StopTicket> ticket;
  {
    std::lock_guard lock(mutex_);
    const auto it = running_.find(item_id);
    if (it == running_.end()) return;
    ticket = it->second;
  }
  ticket->cancel();  // outside the lock: it may complete the ticket, and on_done takes the lock
}

}  // namespace stopd::core
