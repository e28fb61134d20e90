// The machine's clock with its wall time moved: real steady time and real timers, but a calendar
// reading of the test's choosing. A schedule's next minute can then be two seconds away, and a
// test or benchmark sees it fire in real time without waiting for the real minute to turn (cron
// has no finer grain than a minute). Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "stopd/core/host_clock.hpp"

namespace stopd::test {

class ShiftedClock final : public core::HostClock {
 public:
  explicit ShiftedClock(Wall::time_point to) : real_(core::real_host_clock()) { move_to(to); }

  Steady::time_point steady_now() const override { return real_->steady_now(); }
  Wall::time_point wall_now() const override {
    return real_->wall_now() + Wall::duration(shift_.load());
  }
  std::unique_ptr<Timer> make_timer(boost::asio::io_context& loop) override {
    return real_->make_timer(loop);
  }

  // From now on, the wall reading is `to` at this moment and runs on from there: a jump, as an
  // operator setting the clock makes one.
  void move_to(Wall::time_point to) { shift_ = (to - real_->wall_now()).count(); }

 private:
  std::shared_ptr<core::HostClock> real_;
  std::atomic<Wall::duration::rep> shift_{0};
};

}  // namespace stopd::test
