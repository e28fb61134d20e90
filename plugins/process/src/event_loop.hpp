// The kernel side of the provider's one loop thread: epoll over pidfds, one timerfd for the
// earliest due time of all stops, and one eventfd through which other threads (start(), the
// host's change callbacks) wake the loop. No thread or timer per stop.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "unique_fd.hpp"

namespace stopd::process {

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;

  // Throws std::system_error (e.g. EMFILE) if the descriptors cannot be created.
  EventLoop();

  // Reports `token` from wait() while `fd` polls readable. The registration disappears when the
  // descriptor is closed. Returns 0 or an errno (ENOSPC: fs.epoll.max_user_watches).
  int watch(int fd, std::uint64_t token) noexcept;

  // One absolute deadline on CLOCK_MONOTONIC (what std::chrono::steady_clock reads);
  // Clock::time_point::max() disarms it. A time already past fires at once.
  void arm_timer(Clock::time_point due) noexcept;

  // Any thread. Makes the current or next wait() return.
  void wake() noexcept;

  // Blocks until a watched descriptor is readable, the timer fires or wake() was called. `ready`
  // receives the tokens of readable descriptors (it is cleared first).
  void wait(std::vector<std::uint64_t>& ready);

  // Tokens at and above this value are the loop's own.
  static constexpr std::uint64_t kFirstReservedToken = ~std::uint64_t{0} - 1;

 private:
  UniqueFd epoll_;
  UniqueFd timer_;
  UniqueFd wake_;
  Clock::time_point armed_ = Clock::time_point::max();
};

}  // namespace stopd::process
