// The caller's side of a stop: one per submit(), finished exactly once (by the stop's end, the
// caller's own deadline, or cancel()).
//
// Thousands of these wait at once (one per job in flight), so a ticket keeps only what a waiting
// caller needs: no timer of its own (the dispatcher's DeadlineQueue links it by its hook), no
// mutex or condition variable of its own (lock_pool.hpp: the daemon never blocks on a ticket, it
// takes results through on_done()), and the result only once there is one.
#pragma once

#include <boost/intrusive/set_hook.hpp>
#include <functional>
#include <memory>
#include <string>

#include "stopd/core/dispatcher.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::core {

struct Flight;
class TicketImpl;

// Whoever issued a ticket and takes it back when its caller cancels: the dispatcher.
class TicketOwner {
 public:
  virtual ~TicketOwner() = default;
  virtual void cancel(TicketImpl& ticket) = 0;
};

class TicketImpl final : public StopTicket {
 public:
  using Steady = HostClock::Steady;

  // A null `owner` makes cancel() a no-op (a ticket answered at once). `clock` (the dispatcher's)
  // outlives the ticket's finish().
  TicketImpl(std::weak_ptr<TicketOwner> owner, const HostClock& clock, Steady::time_point deadline,
             bool joined)
      : owner_(std::move(owner)),
        clock_(&clock),
        deadline_(deadline),
        started_(clock.wall_now()),
        joined_(joined) {}

  bool done() const override;
  std::string stop_id() const override;
  void set_stop_id(std::string id);
  const StopResult& wait() override;
  bool wait_for(std::chrono::milliseconds timeout) override;
  void on_done(std::function<void(const StopResult&)> callback) override;
  void cancel() override;

  // Returns false when the ticket was already finished (the first result wins).
  bool finish(StopResult result);

  Steady::time_point deadline() const { return deadline_; }
  bool joined() const { return joined_; }
  void set_joined(bool joined) { joined_ = joined; }
  std::chrono::system_clock::time_point started() const { return started_; }

  // The stop this caller waits for; set by the dispatcher under its lock.
  std::weak_ptr<Flight> flight;

  // Links the ticket into the dispatcher's DeadlineQueue while it waits; guarded by the
  // dispatcher's lock. optimize_size packs the colour into a pointer: three words.
  boost::intrusive::set_member_hook<boost::intrusive::optimize_size<true>> deadline_hook;

 private:
  std::weak_ptr<TicketOwner> owner_;
  const HostClock* const clock_;
  const Steady::time_point deadline_;
  const std::chrono::system_clock::time_point started_;
  bool joined_;  // set by the dispatcher before the ticket is handed out
  // Guarded by pooled_lock(this).
  bool done_ = false;
  std::unique_ptr<StopResult> result_;  // set once, with done_; immutable after
  // Usually one (the job manager's); further ones are chained into it.
  std::function<void(const StopResult&)> callback_;
  std::string stop_id_;
};

}  // namespace stopd::core
