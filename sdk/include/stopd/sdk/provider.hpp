// The one interface a plugin implements. A simple provider overrides info() and stop(); one that
// must serve thousands of stops at once overrides start(). A plugin built with STOPD_PLUGIN need
// not set capabilities.asynchronous, .inspect or .list: the host derives them (see plugin.hpp).
#pragma once

#include <boost/config.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stopd/sdk/context.hpp"
#include "stopd/sdk/outcome.hpp"
#include "stopd/sdk/request.hpp"

namespace stopd::sdk {

struct Capabilities {
  // start() is implemented, never blocks, and reports through StopContext::complete(). The host
  // then calls start() from its own threads instead of giving stop() a thread of its own.
  bool asynchronous = false;
  bool inspect = false;  // inspect() is implemented (used by dry runs and verification)
  bool list = false;     // list() is implemented (selector-based stops)
  bool drain = false;  // an unbounded grace (wait until the resource's work is done) is meaningful
};

struct ProviderInfo {
  std::string name;         // the resource type it registers, e.g. "local.process"
  std::string version;      // the plugin's own version
  std::string description;  // one paragraph for `stopctl plugins describe`
  // JSON Schemas (draft 7). The host validates every request against them before stop() runs,
  // so a provider can rely on the shape; semantic checks remain the provider's.
  nlohmann::json target_schema = nlohmann::json::object();
  nlohmann::json options_schema = nlohmann::json::object();
  nlohmann::json selector_schema = nlohmann::json::object();  // for list()
  Capabilities capabilities;
  // How many stops of this type may run at once unless the operator configures otherwise.
  unsigned default_concurrency = 16;
};

// What inspect() found. A dry run reports `running`/`stopping` as "would stop", `stopped` as
// already_stopped and `absent` as not_found, the codes a real stop would return.
struct Inspection {
  enum class State { running, stopping, stopped, absent };
  State state = State::running;
  std::string summary;  // one line for humans: "pid 4242 (sleep), running"
  nlohmann::json facts = nlohmann::json::object();
};

// Threads: the host calls a provider from its own threads, which block SIGINT, SIGTERM and
// SIGHUP (the host waits for them itself). Threads a provider starts inherit that mask, and so
// would a child process it forks: reset the mask (e.g. posix_spawn with
// POSIX_SPAWN_SETSIGMASK) when you start one.
class BOOST_SYMBOL_VISIBLE IStopProvider {
 public:
  virtual ~IStopProvider() = default;

  // Called once after creation; the host caches the result.
  virtual ProviderInfo info() const = 0;

  // Synchronous stop: block until the resource is stopped, the deadline passes or the stop is
  // cancelled, and return what happened. Runs on a host worker thread; the host bounds how many
  // run at once. Throwing is allowed (StopError keeps its code; anything else is `internal`).
  virtual StopOutcome stop(const StopRequest& request, StopContext& context) {
    (void)request;
    (void)context;
    return StopOutcome::make(Code::internal, "provider implements neither stop() nor start()");
  }

  // Asynchronous stop, used instead of stop() when capabilities.asynchronous is set (for a
  // STOPD_PLUGIN plugin: when the class overrides start()):
  // begin the work, return at once, keep `context` alive and call context->complete() exactly
  // once when done. `request` is valid only until start() returns: copy what the work needs.
  virtual void start(const StopRequest& request, std::shared_ptr<StopContext> context) {
    context->complete(stop(request, *context));
  }

  // The resource's current state, without changing it. Throw StopError to fail. `target` has been
  // validated against target_schema, as for stop(). Overriding it is what makes dry runs ask.
  virtual Inspection inspect(const nlohmann::json& target) {
    (void)target;
    throw StopError(Code::failed_precondition, "this provider cannot inspect its resources");
  }

  // Every target matching `selector` (validated against selector_schema), each one a valid
  // StopRequest::target. Throw StopError to fail.
  virtual std::vector<nlohmann::json> list(const nlohmann::json& selector) {
    (void)selector;
    throw StopError(Code::failed_precondition, "this provider cannot list its resources");
  }
};

}  // namespace stopd::sdk
