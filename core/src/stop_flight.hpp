// One stop of one resource, shared by every request for that resource while it runs
// (single-flight), and the context each provider attempt sees.
#pragma once

#include <atomic>
#include <boost/container/small_vector.hpp>
#include <chrono>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "stop_ticket_impl.hpp"
#include "stopd/core/registry.hpp"
#include "stopd/sdk/context.hpp"
#include "stopd/sdk/request.hpp"
#include "stored_request.hpp"

namespace spdlog {
class logger;
}

namespace stopd::core {

class AttemptContext;

// Time points travel between threads as nanosecond counts in atomics.
inline std::int64_t to_ticks(std::chrono::steady_clock::time_point t) {
  return t.time_since_epoch().count();
}
inline std::chrono::steady_clock::time_point from_ticks(std::int64_t ticks) {
  return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(ticks));
}

struct Flight {
  enum class Phase { queued, running, backing_off, done };

  Flight(std::size_t key_hash_, const RegisteredProvider& provider_, StoredRequest request_,
         unsigned max_attempts_, HostClock::Wall::time_point started_)
      : key_hash(key_hash_),
        provider(provider_),
        request(std::move(request_)),
        max_attempts(max_attempts_),
        started(started_) {}

  // Given under the dispatcher's lock, before the flight is shared, so that ids are dense: a
  // flight is built before the lock (it allocates) and dropped if its request joins another.
  std::string id;
  const std::size_t key_hash;  // of the resource key (flight_index.hpp)
  const RegisteredProvider& provider;
  const StoredRequest request;  // the first request; joiners only tighten the schedule
  const unsigned max_attempts;
  const HostClock::Wall::time_point started;

  // Read by providers from any thread.
  std::atomic<std::int64_t> force_at{0};
  // The earliest force time asked for by requests that joined; the flight's own grace only
  // starts counting when its first attempt starts (a stop queued behind a concurrency limit
  // keeps its whole grace).
  std::atomic<std::int64_t> joined_force_at{std::numeric_limits<std::int64_t>::max()};
  std::atomic<std::int64_t> deadline{0};
  std::atomic<bool> cancelled{false};

  // The request's type: the provider's registered name.
  const std::string& type() const { return provider.name(); }
  sdk::StopRequest expand_request() const { return request.expand(type()); }

  // Guarded by the dispatcher's mutex.
  Phase phase = Phase::queued;
  unsigned attempt = 0;
  // Callers still waiting: almost always one, kept inline.
  using Tickets = boost::container::small_vector<std::shared_ptr<TicketImpl>, 1>;
  Tickets tickets;
  std::shared_ptr<AttemptContext> current;
  std::unique_ptr<HostClock::Timer> retry_timer;
};

// Callbacks from the attempt context into the dispatcher.
class FlightEvents {
 public:
  virtual ~FlightEvents() = default;
  virtual void attempt_completed(const std::shared_ptr<Flight>& flight, unsigned attempt,
                                 sdk::StopOutcome outcome) = 0;
  virtual void attempt_progress(const Flight& flight, unsigned attempt, std::string_view phase,
                                const nlohmann::json& facts) = 0;
  virtual bool shutting_down() const = 0;
  // Where the attempt logs: the dispatcher's logger.
  virtual spdlog::logger& logger() const = 0;
};

class AttemptContext final : public sdk::StopContext {
 public:
  AttemptContext(std::shared_ptr<FlightEvents> events, std::shared_ptr<Flight> flight,
                 unsigned attempt)
      : events_(std::move(events)), flight_(std::move(flight)), attempt_(attempt) {}

  std::string_view stop_id() const override { return flight_->id; }
  unsigned attempt() const override { return attempt_; }
  Clock::time_point deadline() const override { return from_ticks(flight_->deadline.load()); }
  Clock::time_point force_at() const override { return from_ticks(flight_->force_at.load()); }
  bool cancelled() const override { return flight_->cancelled.load() || events_->shutting_down(); }
  void on_change(std::function<void()> callback) override;
  void progress(std::string_view phase, const nlohmann::json& facts) override;
  void log(sdk::LogLevel level, std::string_view message) override;
  void complete(sdk::StopOutcome outcome) override;

  // Tells the provider that the schedule or cancellation changed.
  void notify_change();
  bool completed() const { return completed_.load(); }

 private:
  std::shared_ptr<FlightEvents> events_;
  std::shared_ptr<Flight> flight_;
  const unsigned attempt_;
  std::atomic<bool> completed_{false};
  std::function<void()> callback_;  // guarded by pooled_lock(this): one per stop in flight
};

}  // namespace stopd::core
