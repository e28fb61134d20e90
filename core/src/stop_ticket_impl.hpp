// The caller's side of a stop: one per submit(), finished exactly once (by the stop's end, the
// caller's own deadline, or cancel()).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "stopd/core/dispatcher.hpp"

namespace stopd::core {

struct Flight;

class TicketImpl final : public StopTicket {
 public:
  using Clock = std::chrono::steady_clock;

  TicketImpl(std::function<void(TicketImpl&)> on_cancel, Clock::time_point deadline, bool joined)
      : on_cancel_(std::move(on_cancel)),
        deadline_(deadline),
        joined_(joined),
        started_(std::chrono::system_clock::now()) {}

  bool done() const override;
  std::string stop_id() const override;
  void set_stop_id(std::string id);
  const StopResult& wait() override;
  bool wait_for(std::chrono::milliseconds timeout) override;
  void on_done(std::function<void(const StopResult&)> callback) override;
  void cancel() override;

  // Returns false when the ticket was already finished (the first result wins).
  bool finish(StopResult result);

  // Arms the caller's deadline on `io`; `expire` runs there when it passes first.
  void arm_deadline(boost::asio::io_context& io, std::function<void()> expire);

  Clock::time_point deadline() const { return deadline_; }
  bool joined() const { return joined_; }
  void set_joined(bool joined) { joined_ = joined; }
  std::chrono::system_clock::time_point started() const { return started_; }

  // The stop this caller waits for; set by the dispatcher under its lock.
  std::weak_ptr<Flight> flight;

 private:
  std::function<void(TicketImpl&)> on_cancel_;
  const Clock::time_point deadline_;
  bool joined_;
  const std::chrono::system_clock::time_point started_;

  mutable std::mutex mutex_;
  std::condition_variable finished_;
  bool done_ = false;
  StopResult result_;
  std::vector<std::function<void(const StopResult&)>> callbacks_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::string stop_id_;
};

}  // namespace stopd::core
