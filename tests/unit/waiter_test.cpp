// sdk::Waiter against a StopContext whose schedule the test moves, as the host would.
#include "stopd/sdk/waiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace stopd::test {
namespace {

using namespace std::chrono_literals;
using sdk::Waiter;
using Wake = sdk::Waiter::Wake;
using WaiterClock = sdk::StopContext::Clock;

class ScheduleContext final : public sdk::StopContext {
 public:
  std::string_view stop_id() const override { return "waiter-test"; }
  unsigned attempt() const override { return 1; }
  Clock::time_point deadline() const override { return deadline_.load(); }
  Clock::time_point force_at() const override { return force_at_.load(); }
  bool cancelled() const override { return cancelled_.load(); }
  void on_change(std::function<void()> callback) override { callback_ = std::move(callback); }
  void progress(std::string_view, const nlohmann::json&) override {}
  void log(sdk::LogLevel, std::string_view) override {}
  void complete(sdk::StopOutcome) override {}

  // What the host does when a request escalates or withdraws the stop.
  void change(Clock::time_point force_at) {
    force_at_ = force_at;
    callback_();
  }
  void cancel() {
    cancelled_ = true;
    callback_();
  }

  std::atomic<Clock::time_point> deadline_{Clock::now() + 60s};
  std::atomic<Clock::time_point> force_at_{Clock::now() + 60s};
  std::atomic<bool> cancelled_{false};
  std::function<void()> callback_;
};

WaiterClock::duration since(WaiterClock::time_point start) {
  return WaiterClock::now() - start;
}

TEST(SdkWaiter, SleepsUntilThePollTimeWhenNothingIsDue) {
  ScheduleContext context;
  Waiter waiter(context);
  const auto start = WaiterClock::now();
  EXPECT_EQ(waiter.wait_for(30ms), Wake::poll);
  EXPECT_GE(since(start), 30ms);
}

TEST(SdkWaiter, ImmediateModeForcesAtOnce) {
  ScheduleContext context;
  context.force_at_ = WaiterClock::now();  // how an immediate stop looks to a provider
  Waiter waiter(context);
  const auto start = WaiterClock::now();
  EXPECT_EQ(waiter.wait_for(10s), Wake::force);
  EXPECT_LT(since(start), 1s);
}

TEST(SdkWaiter, WakesAtForceAtAndAtTheDeadlineBeforeThePoll) {
  ScheduleContext context;
  Waiter waiter(context);
  context.force_at_ = WaiterClock::now() + 30ms;
  auto start = WaiterClock::now();
  EXPECT_EQ(waiter.wait_for(10s), Wake::force);
  EXPECT_GE(since(start), 25ms);
  EXPECT_LT(since(start), 5s);

  context.force_at_ = WaiterClock::time_point::max();  // draining
  context.deadline_ = WaiterClock::now() + 30ms;
  start = WaiterClock::now();
  EXPECT_EQ(waiter.wait_until(WaiterClock::time_point::max()), Wake::deadline);
  EXPECT_LT(since(start), 5s);
}

TEST(SdkWaiter, AnEscalationThroughOnChangeWakesItEarly) {
  ScheduleContext context;
  Waiter waiter(context);
  std::thread host([&] {
    std::this_thread::sleep_for(30ms);
    context.change(WaiterClock::now());
  });
  const auto start = WaiterClock::now();
  EXPECT_EQ(waiter.wait_for(10s), Wake::force);
  EXPECT_LT(since(start), 5s);
  host.join();
}

TEST(SdkWaiter, CancellationWinsAndAChangeBeforeTheWaitIsNotLost) {
  ScheduleContext context;
  Waiter waiter(context);
  context.change(WaiterClock::now() + 30s);  // a later deadline or grace: nothing due yet
  const auto start = WaiterClock::now();
  EXPECT_EQ(waiter.wait_for(10s), Wake::changed);
  EXPECT_LT(since(start), 5s);

  context.force_at_ = WaiterClock::now();
  context.cancel();
  EXPECT_EQ(waiter.wait_for(10s), Wake::cancelled);
}

TEST(SdkWaiter, TheCallbackOutlivesTheWaiterHarmlessly) {
  ScheduleContext context;
  { Waiter waiter(context); }
  context.cancel();  // the host may call it after stop() returned
  SUCCEED();
}

}  // namespace
}  // namespace stopd::test
