#include "stopd/core/host_clock.hpp"

#include <boost/asio/steady_timer.hpp>

namespace stopd::core {
namespace {

class RealTimer final : public HostClock::Timer {
 public:
  explicit RealTimer(boost::asio::io_context& loop) : timer_(loop) {}

  void arm(HostClock::Steady::time_point at, std::function<void()> due) override {
    // Replaces the pending wait, whose handler then runs with operation_aborted.
    timer_.expires_at(at);
    timer_.async_wait([due = std::move(due)](const boost::system::error_code& error) {
      if (!error) due();
    });
  }
  void cancel() override { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
};

class RealClock final : public HostClock {
 public:
  Steady::time_point steady_now() const override { return Steady::now(); }
  Wall::time_point wall_now() const override { return Wall::now(); }
  std::unique_ptr<Timer> make_timer(boost::asio::io_context& loop) override {
    return std::make_unique<RealTimer>(loop);
  }
};

}  // namespace

std::shared_ptr<HostClock> real_host_clock() {
  static const auto clock = std::make_shared<RealClock>();
  return clock;
}

}  // namespace stopd::core
