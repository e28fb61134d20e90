// The host's side of one stop, handed to the provider. It carries the schedule the provider must
// keep (which can tighten while the stop runs), cancellation, progress, logging and, for
// asynchronous providers, the way to report the outcome.
#pragma once

#include <boost/config.hpp>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

#include "stopd/sdk/logger.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::sdk {

class BOOST_SYMBOL_VISIBLE StopContext {
 public:
  using Clock = std::chrono::steady_clock;

  virtual ~StopContext() = default;

  // Identifies this stop in the host's log, journal and metrics.
  virtual std::string_view stop_id() const = 0;

  // 1 for the first attempt; the host retries `unavailable` outcomes with a fresh context.
  virtual unsigned attempt() const = 0;

  // When the host gives up on this stop. Finish (or report deadline_exceeded) by then; the host
  // answers its callers with deadline_exceeded at this point whatever the provider does.
  virtual Clock::time_point deadline() const = 0;

  // When the graceful path must turn into force: the request's grace, or earlier if a later
  // request for the same resource escalated it (an `immediate` stop, or a shorter grace).
  // Clock::time_point::max() while draining (unbounded grace). At or before now: force now.
  // Immediate mode looks exactly like that: force_at() is the moment the host accepted the stop,
  // already past when stop() or start() first runs. Schedule by force_at(), not request.mode: an
  // escalated graceful stop keeps mode graceful, and its force_at() moves earlier (on_change()
  // fires). sdk::Waiter (waiter.hpp) waits for all of this in a blocking stop().
  virtual Clock::time_point force_at() const = 0;

  bool force_due() const { return force_at() <= Clock::now(); }

  // The caller withdrew the stop, or every caller's deadline passed. Stop working and report
  // `cancelled` (or whatever is true by then).
  virtual bool cancelled() const = 0;

  // Registers a callback the host invokes, from any of its threads, whenever force_at(),
  // deadline() or cancelled() changes. One callback per context; a second call replaces the
  // first. Keep it short and non-blocking (e.g. wake your event loop). It can run concurrently
  // with, or just after, your complete(): capture weak references, not raw pointers.
  virtual void on_change(std::function<void()> callback) = 0;

  // A step the provider reached ("signalled", "waiting", "forced", …) with facts, for watchers.
  virtual void progress(std::string_view phase,
                        const nlohmann::json& facts = nlohmann::json::object()) = 0;

  // Logs with this stop's id attached.
  virtual void log(LogLevel level, std::string_view message) = 0;

  // Asynchronous providers report the outcome here, exactly once, from any thread (even before
  // start() returns). Later calls are ignored. Synchronous providers return the outcome instead.
  virtual void complete(StopOutcome outcome) = 0;
};

}  // namespace stopd::sdk
