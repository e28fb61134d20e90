// Every waiting caller's deadline on one timer. A timer, a handler and a std::function per ticket
// cost about 280 bytes per job in flight; here a ticket costs its three-word hook: the tickets
// still waiting sit in an intrusive set ordered by deadline, and one asio timer is armed for the
// earliest. Still an event loop, not a sleeping thread per stop.
//
// Not thread-safe: every call is made under the dispatcher's lock. That lock also covers the timer
// itself (asio timers must not be used from two threads at once).
#pragma once

#include <boost/intrusive/set.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "stop_ticket_impl.hpp"
#include "stopd/core/host_clock.hpp"

namespace stopd::core {

class DeadlineQueue {
 public:
  // `on_due` runs on the timer's loop, without the lock, whenever the earliest deadline may have
  // passed; it takes the lock and calls take_due().
  DeadlineQueue(std::unique_ptr<HostClock::Timer> timer, std::function<void()> on_due)
      : timer_(std::move(timer)), on_due_(std::move(on_due)) {}
  ~DeadlineQueue() { tickets_.clear(); }
  DeadlineQueue(const DeadlineQueue&) = delete;
  DeadlineQueue& operator=(const DeadlineQueue&) = delete;

  // The caller keeps `ticket` alive until it is removed (remove(), take_due() or clear()).
  void add(TicketImpl& ticket) {
    tickets_.insert(ticket);
    if (ticket.deadline() < armed_at_) arm(ticket.deadline());
  }

  // A ticket that finished before its deadline. A no-op for one not in the queue. The timer stays
  // armed: it wakes up once for nothing rather than being re-armed on every removal.
  void remove(TicketImpl& ticket) {
    if (ticket.deadline_hook.is_linked()) tickets_.erase(tickets_.iterator_to(ticket));
  }

  // Removes the tickets whose deadline is at or before `now`, oldest first, calls `expire` with
  // each, and arms the timer for the next one.
  template <class Expire>
  void take_due(HostClock::Steady::time_point now, Expire&& expire) {
    while (!tickets_.empty() && tickets_.begin()->deadline() <= now) {
      TicketImpl& ticket = *tickets_.begin();
      tickets_.erase(tickets_.begin());
      expire(ticket);
    }
    armed_at_ = HostClock::Steady::time_point::max();
    if (!tickets_.empty()) arm(tickets_.begin()->deadline());
  }

  void clear() {
    tickets_.clear();
    timer_->cancel();
    armed_at_ = HostClock::Steady::time_point::max();
  }

  std::size_t size() const { return tickets_.size(); }

 private:
  struct ByDeadline {
    bool operator()(const TicketImpl& a, const TicketImpl& b) const {
      return a.deadline() < b.deadline();
    }
  };
  using Tickets = boost::intrusive::multiset<
      TicketImpl,
      boost::intrusive::member_hook<
          TicketImpl, boost::intrusive::set_member_hook<boost::intrusive::optimize_size<true>>,
          &TicketImpl::deadline_hook>,
      boost::intrusive::compare<ByDeadline>, boost::intrusive::constant_time_size<true>>;

  void arm(HostClock::Steady::time_point at) {
    armed_at_ = at;
    timer_->arm(at, on_due_);
  }

  Tickets tickets_;
  std::unique_ptr<HostClock::Timer> timer_;
  HostClock::Steady::time_point armed_at_ = HostClock::Steady::time_point::max();
  std::function<void()> on_due_;
};

}  // namespace stopd::core
