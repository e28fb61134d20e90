// Where the host reads the time and waits for it. The dispatcher and the batch engine take a
// HostClock instead of calling std::chrono's clocks, so a test can hand them a FakeClock
// (tests/support, stopd/test/fake_clock.hpp) and move time forward instead of sleeping through it.
// The idea is LevelDB's Env, cut down to what stopd uses: two readings and a timer on an asio loop.
//
// Providers keep reading the real steady clock (sdk::StopContext::Clock): a deadline a provider
// sees is on the host's clock, which in production is the same one.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>

namespace stopd::core {

class HostClock {
 public:
  using Steady = std::chrono::steady_clock;
  using Wall = std::chrono::system_clock;

  virtual ~HostClock() = default;

  // For deadlines, timeouts and backoff: never jumps.
  virtual Steady::time_point steady_now() const = 0;
  // For what is shown or stored (started, finished): the calendar's time.
  virtual Wall::time_point wall_now() const = 0;

  // One timer whose call runs on an asio loop. Not thread-safe: its owner serialises arm(),
  // cancel() and destruction (the dispatcher does it under its lock).
  class Timer {
   public:
    virtual ~Timer() = default;  // cancels
    // Calls `due` once, on the loop, when steady_now() reaches `at` (at once if it has). Replaces
    // the previous arm(). A call that was already on its way when the timer was re-armed,
    // cancelled or destroyed may still run: `due` checks whether its moment really came.
    virtual void arm(Steady::time_point at, std::function<void()> due) = 0;
    virtual void cancel() = 0;
  };
  virtual std::unique_ptr<Timer> make_timer(boost::asio::io_context& loop) = 0;
};

// The machine's clocks and asio's steady timers. One instance, shared.
std::shared_ptr<HostClock> real_host_clock();

}  // namespace stopd::core
