#include "event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

namespace stopd::process {
namespace {

constexpr std::uint64_t kTimerToken = EventLoop::kFirstReservedToken;
constexpr std::uint64_t kWakeToken = EventLoop::kFirstReservedToken + 1;

UniqueFd checked(int fd, const char* what) {
  if (fd < 0) throw std::system_error(errno, std::generic_category(), what);
  return UniqueFd(fd);
}

void drain(int fd) {
  std::uint64_t count = 0;
  while (::read(fd, &count, sizeof count) < 0 && errno == EINTR) {
  }
}

}  // namespace

EventLoop::EventLoop()
    : epoll_(checked(::epoll_create1(EPOLL_CLOEXEC), "epoll_create1")),
      timer_(
          checked(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK), "timerfd_create")),
      wake_(checked(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd")) {
  if (const int error = watch(timer_.get(), kTimerToken))
    throw std::system_error(error, std::generic_category(), "epoll_ctl(timerfd)");
  if (const int error = watch(wake_.get(), kWakeToken))
    throw std::system_error(error, std::generic_category(), "epoll_ctl(eventfd)");
}

int EventLoop::watch(int fd, std::uint64_t token) noexcept {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = token;
  return ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) == 0 ? 0 : errno;
}

void EventLoop::arm_timer(Clock::time_point due) noexcept {
  if (due == armed_) return;
  armed_ = due;
  itimerspec spec{};
  if (due != Clock::time_point::max()) {
    const auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(due.time_since_epoch()).count();
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    // An all-zero it_value disarms instead of firing.
    if (spec.it_value.tv_sec <= 0 && spec.it_value.tv_nsec <= 0) spec.it_value.tv_nsec = 1;
  }
  ::timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
}

void EventLoop::wake() noexcept {
  const std::uint64_t one = 1;
  while (::write(wake_.get(), &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void EventLoop::wait(std::vector<std::uint64_t>& ready) {
  ready.clear();
  std::array<epoll_event, 512> events;
  int n = 0;
  do n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), -1);
  while (n < 0 && errno == EINTR);
  if (n < 0) throw std::system_error(errno, std::generic_category(), "epoll_wait");
  for (int i = 0; i < n; ++i) {
    const std::uint64_t token = events[static_cast<std::size_t>(i)].data.u64;
    if (token == kTimerToken) {
      drain(timer_.get());
      // The timer is one-shot: the next arm_timer() must reprogram it even for the same time.
      armed_ = Clock::time_point::max();
    } else if (token == kWakeToken) {
      drain(wake_.get());
    } else {
      ready.push_back(token);
    }
  }
}

}  // namespace stopd::process
