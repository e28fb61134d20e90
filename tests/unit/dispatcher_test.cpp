#include "stopd/core/dispatcher.hpp"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "stopd/core/bounded_json.hpp"
#include "stopd/test/fake_clock.hpp"
#include "test_providers.hpp"

namespace stopd::test {
namespace {

using core::Dispatcher;
using core::DispatcherOptions;
using core::ProviderRegistry;
using core::StopEvent;
using core::StopEventKind;
using sdk::Code;
using namespace std::chrono_literals;

// Records every event; tests assert on the sequence.
class RecordingObserver final : public core::StopObserver {
 public:
  void on_event(const StopEvent& event) override {
    std::lock_guard lock(mutex_);
    kinds_.push_back(event.kind);
    if (event.kind == StopEventKind::retry_scheduled) delays_.push_back(event.retry_in);
  }
  std::vector<StopEventKind> kinds() {
    std::lock_guard lock(mutex_);
    return kinds_;
  }
  int count(StopEventKind kind) {
    std::lock_guard lock(mutex_);
    return static_cast<int>(std::count(kinds_.begin(), kinds_.end(), kind));
  }

 private:
  std::mutex mutex_;
  std::vector<StopEventKind> kinds_;
  std::vector<std::chrono::milliseconds> delays_;
};

DispatcherOptions on(const std::shared_ptr<FakeClock>& clock, DispatcherOptions options = {}) {
  options.clock = clock;
  return options;
}

core::SubmitOptions deadline_in(const core::HostClock& clock, std::chrono::milliseconds in) {
  core::SubmitOptions options;
  options.deadline = clock.steady_now() + in;
  return options;
}

DispatcherOptions fast_retries() {
  DispatcherOptions options;
  options.backoff_initial = 5ms;
  options.backoff_max = 20ms;
  return options;
}

sdk::StopOutcome stopped(std::string message = "done") {
  return sdk::StopOutcome::make(Code::stopped, std::move(message));
}

TEST(Dispatcher, StopsThroughASynchronousProvider) {
  ProviderRegistry registry;
  auto provider =
      std::make_shared<SyncProvider>("t.sync", [](const sdk::StopRequest& r, sdk::StopContext& c) {
        EXPECT_EQ(c.attempt(), 1u);
        EXPECT_GT(c.deadline(), sdk::StopContext::Clock::now());
        return stopped("stopped " + r.target["id"].get<std::string>());
      });
  registry.add(provider, {});
  Dispatcher dispatcher(registry);
  auto result = dispatcher.stop(request_for("t.sync", "a"));
  EXPECT_EQ(result.outcome.code, Code::stopped);
  EXPECT_EQ(result.outcome.message, "stopped a");
  EXPECT_EQ(result.attempts, 1u);
  EXPECT_FALSE(result.joined);
  EXPECT_FALSE(result.stop_id.empty());
  EXPECT_EQ(provider->calls.load(), 1);
}

TEST(Dispatcher, SecondStopOfTheSameResourceJoinsTheOneInFlight) {
  ProviderRegistry registry;
  Gate release;
  Gate entered;
  auto provider =
      std::make_shared<SyncProvider>("t.sync", [&](const sdk::StopRequest&, sdk::StopContext&) {
        entered.open();
        release.wait();
        return stopped();
      });
  registry.add(provider, {});
  Dispatcher dispatcher(registry);
  auto first = dispatcher.submit(request_for("t.sync", "same"));
  ASSERT_TRUE(entered.wait());
  auto second = dispatcher.submit(request_for("t.sync", "same"));
  auto other = dispatcher.submit(request_for("t.sync", "different"));
  release.open();
  const auto& a = first->wait();
  const auto& b = second->wait();
  other->wait();
  EXPECT_EQ(a.outcome.code, Code::stopped);
  EXPECT_EQ(b.outcome.code, Code::stopped);
  EXPECT_FALSE(a.joined);
  EXPECT_TRUE(b.joined);
  EXPECT_EQ(a.stop_id, b.stop_id);
  EXPECT_EQ(provider->calls.load(), 2);  // "same" once, "different" once
}

TEST(Dispatcher, ImmediateRequestEscalatesAGracefulStopInFlight) {
  ProviderRegistry registry;
  Gate entered;
  std::atomic<bool> forced_early{false};
  auto provider =
      std::make_shared<SyncProvider>("t.sync", [&](const sdk::StopRequest&, sdk::StopContext& c) {
        // A provider that waits for its grace, but wakes up when the schedule changes.
        std::mutex m;
        std::condition_variable cv;
        c.on_change([&] { cv.notify_all(); });
        entered.open();
        std::unique_lock lock(m);
        const bool woke = cv.wait_for(lock, 30s, [&] { return c.force_due(); });
        forced_early = woke;
        c.on_change(nullptr);
        auto outcome = stopped("forced");
        outcome.forced = true;
        return outcome;
      });
  registry.add(provider, {});
  Dispatcher dispatcher(registry);
  auto graceful = dispatcher.submit(request_for("t.sync", "x", 600));
  ASSERT_TRUE(entered.wait());
  auto immediate_request = request_for("t.sync", "x");
  immediate_request.mode = sdk::Mode::immediate;
  const auto before = std::chrono::steady_clock::now();
  auto immediate = dispatcher.submit(immediate_request);
  const auto& result = immediate->wait();
  EXPECT_TRUE(forced_early.load());
  EXPECT_LT(std::chrono::steady_clock::now() - before, 20s);  // not the 600 s grace
  EXPECT_TRUE(result.outcome.forced);
  EXPECT_TRUE(result.joined);
  EXPECT_EQ(graceful->wait().outcome.code, Code::stopped);
  EXPECT_EQ(provider->calls.load(), 1);  // never asked twice
}

TEST(Dispatcher, ShorterGraceMovesForceTimeEarlierButALongerOneDoesNot) {
  ProviderRegistry registry;
  Gate entered;
  Gate release;
  std::atomic<std::int64_t> seen_force_at{0};
  std::atomic<int> changes{0};
  auto provider =
      std::make_shared<SyncProvider>("t.sync", [&](const sdk::StopRequest&, sdk::StopContext& c) {
        c.on_change([&] {
          seen_force_at = c.force_at().time_since_epoch().count();
          ++changes;
        });
        seen_force_at = c.force_at().time_since_epoch().count();
        entered.open();
        release.wait();
        c.on_change(nullptr);
        return stopped();
      });
  registry.add(provider, {});
  Dispatcher dispatcher(registry);
  const auto start = std::chrono::steady_clock::now();
  auto first = dispatcher.submit(request_for("t.sync", "x", 300));
  ASSERT_TRUE(entered.wait());
  auto longer = dispatcher.submit(request_for("t.sync", "x", 900));
  const auto after_longer = seen_force_at.load();
  auto shorter = dispatcher.submit(request_for("t.sync", "x", 5));
  const auto force_at = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(seen_force_at.load()));
  release.open();
  first->wait();
  longer->wait();
  shorter->wait();
  // The 300 s grace stayed when a 900 s request joined; the 5 s request pulled it in.
  EXPECT_GT(after_longer, (start + 299s).time_since_epoch().count());
  EXPECT_LT(force_at, start + 60s);
  EXPECT_GE(force_at, start + 5s);
  EXPECT_GE(changes.load(), 1);
}

TEST(Dispatcher, CallerDeadlineExceededWhileProviderIsStuck) {
  ProviderRegistry registry;
  Gate entered;
  std::atomic<bool> saw_cancel{false};
  auto provider =
      std::make_shared<SyncProvider>("t.sync", [&](const sdk::StopRequest&, sdk::StopContext& c) {
        entered.open();
        // Polls like a well-behaved synchronous provider.
        while (!c.cancelled()) std::this_thread::sleep_for(5ms);
        saw_cancel = true;
        return sdk::StopOutcome::make(Code::cancelled, "gave up");
      });
  registry.add(provider, {});
  auto clock = std::make_shared<FakeClock>();
  Dispatcher dispatcher(registry, on(clock));
  auto ticket = dispatcher.submit(request_for("t.sync", "stuck", 60), deadline_in(*clock, 200ms));
  ASSERT_TRUE(entered.wait());
  clock->advance(199ms);
  EXPECT_FALSE(ticket->wait_for(50ms)) << "ended before its deadline";
  clock->advance(1ms);
  const auto result = ticket->wait();
  EXPECT_EQ(result.outcome.code, Code::deadline_exceeded);
  EXPECT_NE(result.outcome.message.find("before t.sync confirmed the stop"), std::string::npos)
      << result.outcome.message;
  // Nobody waits any more, so the provider is told to stop trying.
  for (int i = 0; i < 1000 && !saw_cancel; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(saw_cancel.load());
}

TEST(Dispatcher, JoinedCallerWithAnEarlierDeadlineLeavesWhileTheStopGoesOn) {
  ProviderRegistry registry;
  Gate release;
  Gate entered;
  auto provider =
      std::make_shared<SyncProvider>("t.sync", [&](const sdk::StopRequest&, sdk::StopContext&) {
        entered.open();
        release.wait();
        return stopped();
      });
  registry.add(provider, {});
  auto clock = std::make_shared<FakeClock>();
  Dispatcher dispatcher(registry, on(clock));
  auto patient = dispatcher.submit(request_for("t.sync", "x"));
  ASSERT_TRUE(entered.wait());
  auto hurried = dispatcher.submit(request_for("t.sync", "x"), deadline_in(*clock, 100ms));
  clock->advance(100ms);
  EXPECT_EQ(hurried->wait().outcome.code, Code::deadline_exceeded);
  EXPECT_FALSE(patient->done());
  release.open();
  EXPECT_EQ(patient->wait().outcome.code, Code::stopped);
}

// Every caller's deadline shares one timer: a later submit with an earlier deadline must re-arm
// it, callers that finish early must leave it (and may be freed), and each caller expires on its
// own deadline, not its neighbour's.
TEST(Dispatcher, CallerDeadlinesShareOneTimerAndEachExpiresOnItsOwn) {
  ProviderRegistry registry;
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<sdk::StopContext>> open;
  auto provider = std::make_shared<AsyncProvider>(
      "t.async", [&](const sdk::StopRequest& request, std::shared_ptr<sdk::StopContext> c) {
        std::lock_guard lock(mutex);
        open[request.target["id"].get<std::string>()] = std::move(c);
      });
  registry.add(provider, {});
  auto clock = std::make_shared<FakeClock>();
  Dispatcher dispatcher(registry, on(clock));
  auto submit = [&](const std::string& id, std::chrono::milliseconds in) {
    return dispatcher.submit(request_for("t.async", id), deadline_in(*clock, in));
  };
  auto patient = submit("patient", 60s);
  auto late = submit("late", 900ms);
  auto early = submit("early", 150ms);  // earlier than anything armed so far
  // Finished (and dropped by their callers) long before their deadlines, which come first.
  for (int i = 0; i < 50; ++i) submit("gone-" + std::to_string(i), 100ms + i * 1ms);
  {
    std::lock_guard lock(mutex);
    for (int i = 0; i < 50; ++i) open.at("gone-" + std::to_string(i))->complete(stopped());
  }

  clock->advance(149ms);
  EXPECT_FALSE(early->wait_for(50ms)) << "expired before its deadline";
  clock->advance(1ms);
  EXPECT_EQ(early->wait().outcome.code, Code::deadline_exceeded);
  clock->advance(749ms);
  EXPECT_FALSE(late->wait_for(50ms)) << "expired with an earlier deadline, not its own";
  clock->advance(1ms);
  EXPECT_EQ(late->wait().outcome.code, Code::deadline_exceeded);
  EXPECT_FALSE(patient->done());
  {
    std::lock_guard lock(mutex);
    open.at("patient")->complete(stopped());
    // Their callers left; the provider winds the stops down.
    for (const char* id : {"early", "late"})
      open.at(id)->complete(sdk::StopOutcome::make(Code::cancelled, "nobody waits"));
  }
  EXPECT_EQ(patient->wait().outcome.code, Code::stopped);
  EXPECT_EQ(dispatcher.in_flight(), 0u);
}

TEST(Dispatcher, RetriesUnavailableUntilItSucceeds) {
  ProviderRegistry registry;
  auto provider =
      std::make_shared<SyncProvider>("t.sync", [](const sdk::StopRequest&, sdk::StopContext& c) {
        if (c.attempt() < 3) return sdk::StopOutcome::make(Code::unavailable, "backend restarting");
        return stopped();
      });
  registry.add(provider, {});
  Dispatcher dispatcher(registry, fast_retries());
  auto observer = std::make_shared<RecordingObserver>();
  dispatcher.add_observer(observer);
  const auto result = dispatcher.stop(request_for("t.sync", "x"));
  EXPECT_EQ(result.outcome.code, Code::stopped);
  EXPECT_EQ(result.attempts, 3u);
  EXPECT_EQ(provider->calls.load(), 3);
  EXPECT_EQ(observer->count(StopEventKind::retry_scheduled), 2);
  EXPECT_EQ(observer->count(StopEventKind::started), 3);
  EXPECT_EQ(observer->count(StopEventKind::finished), 1);
}

// Flight events rebuild their request only when an observer reads it: what it reads must be the
// submitted request, for every kind of event (started, retry_scheduled and finished included).
TEST(Dispatcher, EveryEventCarriesTheSubmittedRequestAndItsType) {
  class RequestReader final : public core::StopObserver {
   public:
    void on_event(const StopEvent& event) override {
      std::lock_guard lock(mutex);
      types.emplace_back(event.type);
      targets.push_back(event.request().target);
      modes.push_back(event.request().mode);
      EXPECT_EQ(&event.request(), &event.request()) << "rebuilt twice for one event";
    }
    std::mutex mutex;
    std::vector<std::string> types;
    std::vector<nlohmann::json> targets;
    std::vector<sdk::Mode> modes;
  };
  ProviderRegistry registry;
  auto provider =
      std::make_shared<SyncProvider>("t.sync", [](const sdk::StopRequest&, sdk::StopContext& c) {
        if (c.attempt() < 2) return sdk::StopOutcome::make(Code::unavailable, "backend restarting");
        return stopped();
      });
  registry.add(provider, {});
  Dispatcher dispatcher(registry, fast_retries());
  auto reader = std::make_shared<RequestReader>();
  dispatcher.add_observer(reader);
  auto request = request_for("t.sync", "x/\u00e9 \"quoted\"");  // survives the stored text
  request.mode = sdk::Mode::immediate;
  const nlohmann::json submitted = request.target;
  EXPECT_EQ(dispatcher.stop(std::move(request)).outcome.code, Code::stopped);
  std::lock_guard lock(reader->mutex);
  ASSERT_EQ(reader->types.size(), 4u);  // started, retry_scheduled, started, finished
  for (std::size_t i = 0; i < reader->types.size(); ++i) {
    EXPECT_EQ(reader->types[i], "t.sync") << "event " << i;
    EXPECT_EQ(reader->targets[i], submitted) << "event " << i;
    EXPECT_EQ(reader->modes[i], sdk::Mode::immediate) << "event " << i;
  }
}

TEST(Dispatcher, NeverRetriesInvalidArgument) {
  ProviderRegistry registry;
  auto provider =
      std::make_shared<SyncProvider>("t.sync", [](const sdk::StopRequest&, sdk::StopContext&) {
        return sdk::StopOutcome::make(Code::invalid_argument, "no such shape");
      });
  registry.add(provider, {});
  Dispatcher dispatcher(registry, fast_retries());
  const auto result = dispatcher.stop(request_for("t.sync", "x"));
  EXPECT_EQ(result.outcome.code, Code::invalid_argument);
  EXPECT_EQ(result.attempts, 1u);
  EXPECT_EQ(provider->calls.load(), 1);
}

TEST(Dispatcher, StopsRetryingAtMaxAttempts) {
  ProviderRegistry registry;
  auto provider =
      std::make_shared<SyncProvider>("t.sync", [](const sdk::StopRequest&, sdk::StopContext&) {
        return sdk::StopOutcome::make(Code::unavailable, "down");
      });
  registry.add(provider, {});
  auto options = fast_retries();
  options.max_attempts = 4;
  Dispatcher dispatcher(registry, options);
  const auto result = dispatcher.stop(request_for("t.sync", "x"));
  EXPECT_EQ(result.outcome.code, Code::unavailable);
  EXPECT_EQ(result.attempts, 4u);
  EXPECT_NE(result.outcome.message.find("gave up after 4 attempts"), std::string::npos)
      << result.outcome.message;
}

TEST(Dispatcher, RetriesNeverOutliveTheDeadline) {
  ProviderRegistry registry;
  auto provider =
      std::make_shared<SyncProvider>("t.sync", [](const sdk::StopRequest&, sdk::StopContext&) {
        return sdk::StopOutcome::make(Code::unavailable, "down");
      });
  registry.add(provider, {});
  DispatcherOptions options;
  options.max_attempts = 100;
  options.backoff_initial = 100ms;
  options.backoff_max = 100ms;
  auto clock = std::make_shared<FakeClock>();
  Dispatcher dispatcher(registry, on(clock, options));
  auto observer = std::make_shared<RecordingObserver>();
  dispatcher.add_observer(observer);
  const auto deadline = clock->steady_now() + 400ms;
  core::SubmitOptions submit;
  submit.deadline = deadline;
  auto ticket = dispatcher.submit(request_for("t.sync", "x"), submit);
  // Time moves from one retry to the next, never to the deadline itself: the dispatcher must
  // give up on its own when the next retry would start after it.
  for (int retries = 1; !ticket->done(); ++retries) {
    const auto waited = std::chrono::steady_clock::now();
    while (observer->count(StopEventKind::retry_scheduled) < retries && !ticket->done()) {
      ASSERT_LT(std::chrono::steady_clock::now() - waited, 10s) << "no retry was scheduled";
      std::this_thread::yield();
    }
    if (ticket->done()) break;
    const auto next = clock->next_due();
    ASSERT_TRUE(next.has_value());
    ASSERT_LT(*next, deadline) << "a retry was scheduled past the deadline";
    clock->advance(*next - clock->steady_now());
  }
  const auto& result = ticket->wait();
  EXPECT_EQ(result.outcome.code, Code::unavailable) << result.outcome.message;
  EXPECT_NE(result.outcome.message.find("after the deadline"), std::string::npos)
      << result.outcome.message;
  EXPECT_GE(result.attempts, 4u);  // 400 ms / at most 100 ms per backoff
  EXPECT_LE(result.attempts, 8u);  // 400 ms / at least 50 ms per backoff
}

// A flight keeps its request as JSON text; an attempt that does not start at submit (queued
// behind the concurrency limit, or a retry) gets it back unchanged.
TEST(Dispatcher, QueuedAndRetriedAttemptsSeeTheRequestAsSubmitted) {
  ProviderRegistry registry;
  std::mutex mutex;
  std::vector<sdk::StopRequest> seen;
  Gate release;
  auto provider = std::make_shared<SyncProvider>(
      "t.sync",
      [&](const sdk::StopRequest& r, sdk::StopContext& c) {
        {
          std::lock_guard lock(mutex);
          seen.push_back(r);
        }
        if (r.target["id"] == "first") release.wait();
        // The second stop's first attempt is unavailable: its retry expands the request again.
        if (r.target["id"] == "second" && c.attempt() == 1)
          return sdk::StopOutcome::make(Code::unavailable, "try again");
        return stopped();
      },
      /*concurrency=*/1);
  registry.add(provider, {});
  Dispatcher dispatcher(registry, fast_retries());
  auto first = dispatcher.submit(request_for("t.sync", "first"));
  sdk::StopRequest second_request = request_for("t.sync", "second", 2.5);
  second_request.options = {{"note", "ünïcode \"quoted\""}};
  auto second = dispatcher.submit(second_request);  // queued behind the first
  release.open();
  EXPECT_EQ(first->wait().outcome.code, Code::stopped);
  EXPECT_EQ(second->wait().outcome.code, Code::stopped);
  EXPECT_EQ(second->wait().attempts, 2u);
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 3u);
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(seen[i].type, "t.sync");
    EXPECT_EQ(seen[i].target, second_request.target);
    EXPECT_EQ(seen[i].options, second_request.options);
    EXPECT_EQ(seen[i].grace, second_request.grace);
    EXPECT_EQ(seen[i].mode, second_request.mode);
  }
}

TEST(Dispatcher, NothingAProviderThrowsEscapes) {
  ProviderRegistry registry;
  registry.add(std::make_shared<SyncProvider>(
                   "t.throws",
                   [](const sdk::StopRequest& r, sdk::StopContext&) -> sdk::StopOutcome {
                     const auto id = r.target["id"].get<std::string>();
                     if (id == "std") throw std::runtime_error("disk on fire");
                     if (id == "coded") throw sdk::StopError(Code::permission_denied, "nope");
                     throw 42;
                   }),
               {});
  registry.add(std::make_shared<AsyncProvider>(
                   "t.async_throws",
                   [](const sdk::StopRequest&, std::shared_ptr<sdk::StopContext>) {
                     throw std::logic_error("bug");
                   }),
               {});
  Dispatcher dispatcher(registry, fast_retries());
  auto std_error = dispatcher.stop(request_for("t.throws", "std"));
  EXPECT_EQ(std_error.outcome.code, Code::internal);
  EXPECT_NE(std_error.outcome.message.find("disk on fire"), std::string::npos);
  EXPECT_EQ(dispatcher.stop(request_for("t.throws", "coded")).outcome.code,
            Code::permission_denied);
  EXPECT_EQ(dispatcher.stop(request_for("t.throws", "int")).outcome.code, Code::internal);
  auto async_error = dispatcher.stop(request_for("t.async_throws", "x"));
  EXPECT_EQ(async_error.outcome.code, Code::internal);
  EXPECT_NE(async_error.outcome.message.find("bug"), std::string::npos);
}

// A plugin's output is its own (a container name from the runtime, a cloud's error text): the host
// stores and sends it, so invalid UTF-8, values nested without end and huge messages are made
// safe where they cross into the host, instead of making dump() throw or recurse later.
TEST(Dispatcher, APluginsBadOutputIsContainedWhereItEntersTheHost) {
  ProviderRegistry registry;
  auto provider = std::make_shared<SyncProvider>(
      "t.messy", [](const sdk::StopRequest&, sdk::StopContext& context) {
        nlohmann::json deep = nlohmann::json::array();
        nlohmann::json* innermost = &deep;
        for (int i = 0; i < 100'000; ++i) {
          innermost->push_back(nlohmann::json::array());
          innermost = &innermost->back();
        }
        context.progress("phase\xff", {{"name\xfe", "caf\xe9"}});
        return sdk::StopOutcome::make(Code::stopped, "stopped caf\xe9" + std::string(100'000, '!'),
                                      {{"deep", std::move(deep)}, {"name", "\xc0\xaf"}});
      });
  registry.add(provider, {});
  Dispatcher dispatcher(registry);
  const auto result = dispatcher.stop(request_for("t.messy", "a"));
  EXPECT_EQ(result.outcome.code, Code::stopped);
  EXPECT_EQ(result.outcome.message.rfind("stopped caf\xEF\xBF\xBD!!!", 0), 0u);
  EXPECT_LE(result.outcome.message.size(), core::limits::kMaxMessageBytes + 3);
  EXPECT_TRUE(core::is_json_safe(result.outcome.details))
      << core::json_excerpt(result.outcome.details);
  EXPECT_EQ(result.outcome.details["name"], "\xEF\xBF\xBD\xEF\xBF\xBD");
  // Now safe to render whole, which is what the journal and the API do.
  EXPECT_NO_THROW(result.outcome.details.dump());
}

TEST(Dispatcher, ConcurrencyLimitIsRespected) {
  ProviderRegistry registry;
  std::atomic<int> running{0};
  std::atomic<int> peak{0};
  auto provider = std::make_shared<SyncProvider>(
      "t.sync",
      [&](const sdk::StopRequest&, sdk::StopContext&) {
        const int now = ++running;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(20ms);
        --running;
        return stopped();
      },
      /*concurrency=*/2);
  registry.add(provider, {});
  Dispatcher dispatcher(registry);
  auto observer = std::make_shared<RecordingObserver>();
  dispatcher.add_observer(observer);
  std::vector<std::shared_ptr<core::StopTicket>> tickets;
  for (int i = 0; i < 12; ++i)
    tickets.push_back(dispatcher.submit(request_for("t.sync", "r" + std::to_string(i))));
  for (auto& ticket : tickets) EXPECT_EQ(ticket->wait().outcome.code, Code::stopped);
  EXPECT_EQ(peak.load(), 2);
  EXPECT_EQ(provider->calls.load(), 12);
  EXPECT_GE(observer->count(StopEventKind::queued), 1);
}

TEST(Dispatcher, QueuedStopWhoseCallerGivesUpNeverStarts) {
  ProviderRegistry registry;
  Gate release;
  auto provider = std::make_shared<SyncProvider>(
      "t.sync",
      [&](const sdk::StopRequest&, sdk::StopContext&) {
        release.wait();
        return stopped();
      },
      /*concurrency=*/1);
  registry.add(provider, {});
  auto clock = std::make_shared<FakeClock>();
  Dispatcher dispatcher(registry, on(clock));
  auto blocker = dispatcher.submit(request_for("t.sync", "first"));
  auto hurried = dispatcher.submit(request_for("t.sync", "second"), deadline_in(*clock, 100ms));
  clock->advance(100ms);
  const auto waiting = hurried->wait();
  EXPECT_EQ(waiting.outcome.code, Code::deadline_exceeded);
  EXPECT_NE(waiting.outcome.message.find("queued"), std::string::npos) << waiting.outcome.message;
  release.open();
  blocker->wait();
  EXPECT_EQ(provider->calls.load(), 1);
}

TEST(Dispatcher, CancelWithdrawsTheCallerAndTellsTheProvider) {
  ProviderRegistry registry;
  std::shared_ptr<sdk::StopContext> kept;
  Gate cancelled_seen;
  auto provider = std::make_shared<AsyncProvider>(
      "t.async", [&](const sdk::StopRequest&, std::shared_ptr<sdk::StopContext> c) {
        kept = c;
        c->on_change([weak = std::weak_ptr<sdk::StopContext>(c), &cancelled_seen] {
          if (auto context = weak.lock(); context && context->cancelled()) cancelled_seen.open();
        });
      });
  registry.add(provider, {});
  Dispatcher dispatcher(registry);
  auto ticket = dispatcher.submit(request_for("t.async", "x"));
  EXPECT_FALSE(ticket->done());
  ticket->cancel();
  EXPECT_EQ(ticket->wait().outcome.code, Code::cancelled);
  EXPECT_TRUE(cancelled_seen.wait(10s));
  kept->complete(sdk::StopOutcome::make(Code::cancelled, "ok, stopped trying"));
  EXPECT_EQ(dispatcher.in_flight(), 0u);
}

TEST(Dispatcher, AsynchronousProviderCompletingLaterFromItsOwnThread) {
  ProviderRegistry registry;
  std::vector<std::thread> threads;
  std::mutex mutex;
  auto provider = std::make_shared<AsyncProvider>(
      "t.async", [&](const sdk::StopRequest&, std::shared_ptr<sdk::StopContext> c) {
        std::lock_guard lock(mutex);
        threads.emplace_back([c] {
          std::this_thread::sleep_for(10ms);
          c->progress("halfway", {{"percent", 50}});
          c->complete(stopped());
          c->complete(sdk::StopOutcome::make(Code::internal, "a second completion is ignored"));
        });
      });
  registry.add(provider, {});
  auto observer = std::make_shared<RecordingObserver>();
  {
    Dispatcher dispatcher(registry);
    dispatcher.add_observer(observer);
    EXPECT_EQ(dispatcher.stop(request_for("t.async", "x")).outcome.code, Code::stopped);
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(observer->kinds(),
            (std::vector<StopEventKind>{StopEventKind::started, StopEventKind::progress,
                                        StopEventKind::finished}));
}

TEST(Dispatcher, ManyAsynchronousStopsNeedNoThreadEach) {
  ProviderRegistry registry;
  std::mutex mutex;
  std::vector<std::shared_ptr<sdk::StopContext>> open;
  auto provider = std::make_shared<AsyncProvider>(
      "t.async", [&](const sdk::StopRequest&, std::shared_ptr<sdk::StopContext> c) {
        std::lock_guard lock(mutex);
        open.push_back(std::move(c));
      });
  registry.add(provider, {});
  Dispatcher dispatcher(registry);
  std::vector<std::shared_ptr<core::StopTicket>> tickets;
  for (int i = 0; i < 5000; ++i)
    tickets.push_back(dispatcher.submit(request_for("t.async", std::to_string(i))));
  EXPECT_EQ(dispatcher.in_flight(), 5000u);
  // The host added only its timer thread; no worker per stop.
  std::size_t threads = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task"))
    ++threads;
  EXPECT_LT(threads, 10u);
  for (auto& c : open) c->complete(stopped());
  for (auto& t : tickets) EXPECT_EQ(t->wait().outcome.code, Code::stopped);
  EXPECT_EQ(dispatcher.in_flight(), 0u);
}

TEST(Dispatcher, RejectsBadRequestsWithTheFieldNamed) {
  ProviderRegistry registry;
  auto provider = std::make_shared<SyncProvider>(
      "t.sync", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); });
  registry.add(provider, {});
  Dispatcher dispatcher(registry);
  auto expect_invalid = [&](sdk::StopRequest request, const std::string& needle) {
    const auto result = dispatcher.stop(std::move(request));
    EXPECT_EQ(result.outcome.code, Code::invalid_argument) << result.outcome.message;
    EXPECT_NE(result.outcome.message.find(needle), std::string::npos) << result.outcome.message;
    EXPECT_EQ(result.attempts, 0u);
  };
  expect_invalid(request_for("t.nope", "x"),
                 "type: unknown resource type 't.nope' (loaded: t.sync)");
  auto missing = request_for("t.sync", "x");
  missing.target = nlohmann::json::object();
  expect_invalid(missing, "target: missing required key 'id'");
  auto wrong_type = request_for("t.sync", "x");
  wrong_type.target = {{"id", 12}};
  expect_invalid(wrong_type, "target.id: expected string, got integer 12");
  auto unknown_key = request_for("t.sync", "x");
  unknown_key.target["colour"] = "red";
  expect_invalid(unknown_key, "target: unknown key 'colour'");
  auto not_object = request_for("t.sync", "x");
  not_object.target = "x";
  expect_invalid(not_object, "target: expected an object");
  auto bad_option = request_for("t.sync", "x");
  bad_option.options = {{"volume", 11}};
  expect_invalid(bad_option, "options: unknown key 'volume'");
  expect_invalid(request_for("t.sync", "x", -3),
                 "grace: expected a number of seconds >= 0, got -3");
  auto drain = request_for("t.sync", "x");
  drain.grace.reset();
  expect_invalid(drain, "grace: unbounded");
  expect_invalid(request_for("t.sync", std::string(20000, 'a')), "target: 200");
  expect_invalid(request_for("t.sync", "a\xff"),
                 "target: contains a string that is not valid UTF-8");
  EXPECT_EQ(provider->calls.load(), 0);
}

TEST(Dispatcher, DryRunInspectsAndChangesNothing) {
  ProviderRegistry registry;
  auto running = std::make_shared<SyncProvider>(
      "t.running", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); });
  running->inspect_state = sdk::Inspection::State::running;
  auto gone = std::make_shared<SyncProvider>(
      "t.gone", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); });
  gone->inspect_state = sdk::Inspection::State::stopped;
  auto blind = std::make_shared<SyncProvider>(
      "t.blind", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); });
  registry.add(running, {});
  registry.add(gone, {});
  registry.add(blind, {});
  Dispatcher dispatcher(registry);
  auto dry = [&](const std::string& type) {
    auto request = request_for(type, "x");
    request.dry_run = true;
    return dispatcher.stop(request);
  };
  const auto would_stop = dry("t.running");
  EXPECT_TRUE(would_stop.dry_run);
  EXPECT_EQ(would_stop.outcome.code, Code::stopped);
  EXPECT_NE(would_stop.outcome.message.find("dry run: would stop thing x"), std::string::npos);
  EXPECT_EQ(would_stop.outcome.details["state"], "running");
  EXPECT_EQ(dry("t.gone").outcome.code, Code::already_stopped);
  EXPECT_EQ(dry("t.blind").outcome.code, Code::stopped);
  EXPECT_EQ(running->calls.load() + gone->calls.load() + blind->calls.load(), 0);
}

TEST(Dispatcher, ShutdownCancelsWhatIsStillRunning) {
  ProviderRegistry registry;
  std::shared_ptr<core::StopTicket> ticket;
  auto provider =
      std::make_shared<SyncProvider>("t.sync", [](const sdk::StopRequest&, sdk::StopContext& c) {
        while (!c.cancelled()) std::this_thread::sleep_for(2ms);
        return sdk::StopOutcome::make(Code::cancelled, "host going away");
      });
  registry.add(provider, {});
  {
    Dispatcher dispatcher(registry);
    ticket = dispatcher.submit(request_for("t.sync", "x", 600));
    while (provider->calls.load() == 0) std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(ticket->done());
  EXPECT_EQ(ticket->wait().outcome.code, Code::cancelled);
}

}  // namespace
}  // namespace stopd::test
