// The one path every stop takes, whoever asks (daemon, CLI, batch engine):
//   validate → single-flight → concurrency limit → run under a host-owned deadline
//   → retry `unavailable` with jittered backoff → notify observers.
// Timers run on one event loop; synchronous providers borrow a worker thread only while they
// run; asynchronous providers borrow none.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "stopd/core/host_clock.hpp"
#include "stopd/core/registry.hpp"
#include "stopd/core/stop_observer.hpp"
#include "stopd/core/stop_result.hpp"
#include "stopd/sdk/request.hpp"

namespace spdlog {
class logger;
}

namespace stopd::core {

// Beyond these sizes (of the compact JSON) a target or options object is refused: no resource
// needs more to be named, and the journal and every log line carry it.
inline constexpr std::size_t kMaxTargetBytes = 16 * 1024;
inline constexpr std::size_t kMaxOptionsBytes = 64 * 1024;

struct DispatcherOptions {
  // Default deadline of a bounded stop: grace + margin (the margin covers forcing and confirming).
  std::chrono::milliseconds deadline_margin{std::chrono::seconds(30)};
  // Default deadline of a drain (unbounded grace).
  std::chrono::milliseconds drain_deadline{std::chrono::hours(1)};
  unsigned max_attempts = 5;  // provider calls per stop, including the first
  std::chrono::milliseconds backoff_initial{200};
  std::chrono::milliseconds backoff_max{std::chrono::seconds(10)};
  unsigned max_worker_threads = 256;  // cap on threads lent to synchronous providers
  // How long shutdown waits for providers to return from the stops it cancels. A synchronous
  // stop() still running then (it ignores its deadline and cancellation) is abandoned: its thread
  // is detached, and the host keeps the provider alive (see Host), so the process can exit.
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(2)};
  // Deadlines, backoff and the times results carry are read from here (null: real_host_clock()).
  // shutdown_timeout is not: it bounds a wait on providers' code in real time.
  std::shared_ptr<HostClock> clock;
  // Where the dispatcher and the attempts it runs log (null: host_logger()): a test hands it a
  // logger of its own rather than adding a sink to the process-wide one.
  std::shared_ptr<spdlog::logger> logger;
};

struct SubmitOptions {
  // When this caller gives up. nullopt: the dispatcher's default for the request's grace.
  // On the dispatcher's clock (Dispatcher::clock()).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::optional<unsigned> max_attempts;
};

// A caller's handle on one submitted stop. Thread-safe.
class StopTicket {
 public:
  virtual ~StopTicket() = default;
  virtual bool done() const = 0;
  // The stop this request rides on (shared by joined requests); events carry the same id.
  virtual std::string stop_id() const = 0;
  // Blocks until done. The reference lives as long as the ticket: keep the ticket (or copy the
  // result) rather than binding a reference to submit(...)->wait().
  virtual const StopResult& wait() = 0;
  // Blocks at most `timeout`; true when done (then wait() returns at once).
  virtual bool wait_for(std::chrono::milliseconds timeout) = 0;
  // Runs `callback` once with the result: now if already done, else on a dispatcher thread.
  virtual void on_done(std::function<void(const StopResult&)> callback) = 0;
  // Withdraws this caller (its result becomes `cancelled`). The stop itself is cancelled when
  // no caller is left waiting for it.
  virtual void cancel() = 0;
};

class Dispatcher {
 public:
  Dispatcher(const ProviderRegistry& registry, DispatcherOptions options = {});
  ~Dispatcher();  // shutdown()
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // The checks submit() makes before anything runs (known type, schemas, sizes, grace): the
  // message for invalid_argument, or nullopt. Lets a caller refuse a request before it records it.
  std::optional<std::string> validate(const sdk::StopRequest& request) const;

  // Never throws for bad input: an invalid request yields a ticket that is already done with
  // `invalid_argument` and a message naming the field.
  std::shared_ptr<StopTicket> submit(sdk::StopRequest request, SubmitOptions options = {});

  StopResult stop(sdk::StopRequest request, SubmitOptions options = {}) {
    return submit(std::move(request), options)->wait();
  }

  // Observers must be added before the first submit().
  void add_observer(std::shared_ptr<StopObserver> observer);

  std::size_t in_flight() const;

  // The clock it reads (DispatcherOptions::clock): callers compute SubmitOptions::deadline on it.
  const std::shared_ptr<HostClock>& clock() const;
  // The logger it writes to (DispatcherOptions::logger, or host_logger()); never null.
  const std::shared_ptr<spdlog::logger>& logger() const;

  // Cancels what is still running and waits at most options.shutdown_timeout for it (the
  // destructor calls it too). Returns how many provider calls still ran then and were abandoned.
  std::size_t shutdown();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace stopd::core
