// The one interface stopctl's commands are written against, and its two implementations: the
// core in this process (--local, local_backend.cpp: core::Host and its dispatcher) and stopd over
// gRPC (daemon_backend.cpp: DaemonClient). A command decides what to ask and how to show the
// answer; a backend says how it is asked there. Where the two really differ, the difference is
// an answer of the backend, never a second copy of a command:
//   - --local runs a stop and waits for it, and Ctrl-C cancels it; the daemon makes a job
//     (keeps_jobs()), waited for only when asked, and Ctrl-C stops only the waiting;
//   - a stop's answer is its result, or the daemon's job;
//   - hints name the command that reaches the same providers ('stopctl --local plugins list',
//     'stopctl plugins list'), and messages say where an answer came from ("stopd at ENDPOINT
//     says: …").
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "stopd/batch/batch_engine.hpp"
#include "stopd/cli/console.hpp"
#include "stopd/cli/options.hpp"
#include "stopd/cli/stop_plan.hpp"
#include "stopd/sdk/provider.hpp"

namespace stopd::cli {

// One provider as a backend describes it.
struct ProviderView {
  std::string name;
  std::string version;
  std::string description;
  std::string library;  // empty: built into the host
  sdk::Capabilities capabilities;
  unsigned concurrency = 0;
  std::optional<unsigned> default_concurrency;  // known locally only
  std::optional<unsigned> max_attempts;         // known locally only
  bool max_attempts_configured = false;
  nlohmann::json target_schema = nlohmann::json::object();
  nlohmann::json options_schema = nlohmann::json::object();
  nlohmann::json selector_schema = nlohmann::json::object();
  bool isolated = false;          // runs in a stopd-plugin-host process (isolation: process)
  std::string plugin_host_state;  // running | restarting | failed (isolated only)
  unsigned plugin_host_restarts = 0;
  std::string plugin_host_last_exit;
};

// A plugin file the backend's loader refused, and why.
struct RefusedPlugin {
  std::string file;
  std::string reason;
};

// What `plugins list` shows: the providers, the refused plugins, and what the backend says about
// where they were loaded.
struct ProviderListing {
  std::vector<ProviderView> providers;
  std::vector<RefusedPlugin> refused;
  std::vector<std::string> warnings;  // the plugin loader's (--local)
  std::string none_loaded;            // shown instead of the table when there is no provider
  std::string refused_heading;        // "Refused plugins (host offers …):"
  // The keys -o json shows besides "providers" and "refused": --local's plugin_dirs, host_abi
  // and warnings; the daemon's endpoint.
  nlohmann::json json = nlohmann::json::object();
};

// A provider looked up by name.
struct ProviderLookup {
  std::optional<ProviderView> provider;
  // When there is none: why, and who says so, to follow the name in a message:
  // " (loaded: a, b; refused plugins: …)" or ": stopd at ENDPOINT says: …".
  std::string unknown;
};

// Why a backend did not take a stop, or list a selector's targets.
struct Refusal {
  sdk::Code code = sdk::Code::internal;
  std::string message;
  // False when the stop was not refused but could not be asked for (stopd unreachable, the token
  // rejected, no answer in time): an error of stopctl rather than the stop's outcome.
  bool of_the_request = true;
};

// The targets a selector matched.
struct TargetList {
  std::vector<nlohmann::json> targets;
  unsigned hidden = 0;  // matches outside the caller's token's scopes (the daemon's)
};

// A stop a backend took: a ticket of the dispatcher in this process, or a job in the daemon.
class PendingStop {
 public:
  virtual ~PendingStop() = default;
  // What a stop that is not waited for shows: the daemon's accepted job. (A backend that keeps
  // no jobs has only the outcome to show.)
  virtual StopAnswer accepted() = 0;
  // Waits for the outcome, or until a signal (or --timeout) ends the wait: see
  // StopAnswer::finished. `progress`: once the wait lasts, say on a terminal what it waits for.
  virtual StopAnswer outcome(bool progress) = 0;
};

// A batch as the command hands it to a backend: its plan read and checked, its flags checked.
struct BatchOrder {
  core::BatchPlan plan;  // --parallel and the failure flags applied
  std::string text;      // the plan as read, for a backend that parses it itself (the daemon)
  std::string source;    // what messages call it: the file, or "<stdin>"
  std::optional<unsigned> parallel;
  bool fail_fast = false;
  std::optional<std::string> max_failures;  // as given
  bool dry_run = false;
  std::optional<std::vector<core::BatchItemRecord>> resume;  // --resume's records (--local)
};

class BatchView;

// A batch a backend has readied.
class PreparedBatch {
 public:
  virtual ~PreparedBatch() = default;
  // Runs it to its end, every finished item shown through `view` (and the steps first for a
  // dry run, where the backend knows them). nullopt when a signal stopped stopctl following a
  // batch that goes on (the daemon's), which it said.
  virtual std::optional<core::BatchResult> run(BatchView& view) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Whether a stop is a job the backend keeps (the daemon): it has an idempotency key
  // (--request-id) and can be left running, so it is waited for only when asked. A backend
  // without jobs (--local) always waits.
  virtual bool keeps_jobs() const = 0;

  // The command that lists this backend's providers, for hints: "stopctl --local plugins list".
  virtual std::string plugins_list_command() const = 0;
  // How a command line reaches the same providers ("stopctl --local --config x.json",
  // "stopctl --socket /x"), for the examples `plugins describe` shows.
  virtual std::string command_prefix() const = 0;

  // The plugins are loaded, or the daemon dialled, on first use.
  virtual ProviderListing list_providers() = 0;
  virtual ProviderLookup find_provider(const std::string& name) = 0;

  // Readies the backend for stops, before any call that loads the plugins or dials the daemon.
  // It blocks SIGINT, SIGTERM and SIGHUP first (every thread it starts inherits that), for what
  // the backend does with them: --local cancels `what` ("the stop", "the stops") and says so;
  // the daemon's stops only the waiting, and only if there is any (`wait`). Then loads the
  // plugins (a config error if none is usable) or dials the daemon.
  virtual void open_for_stops(bool wait, const std::string& what) = 0;
  // Whether such a signal came.
  virtual bool interrupted() const = 0;
  // The targets of `type` that `selector` matches, or nullopt and why not.
  virtual std::optional<TargetList> list_targets(const std::string& type,
                                                 const nlohmann::json& selector,
                                                 Refusal& refused) = 0;
  // Starts the stop `plan` asks for, of `target` with `options` (both typed by the provider's
  // schemas); or returns null and why not.
  virtual std::unique_ptr<PendingStop> submit(const StopPlan& plan, const nlohmann::json& target,
                                              const nlohmann::json& options, Refusal& refused) = 0;

  // Readies a batch; `order` must outlive it. --local blocks the signals (Ctrl-C cancels the
  // batch), loads the plugins, expands the selectors, validates every target and applies
  // --resume; the daemon, which does all that itself, is reached only when the batch runs, and
  // Ctrl-C then stops the following, not the batch.
  virtual std::unique_ptr<PreparedBatch> prepare_batch(const BatchOrder& order) = 0;
};

// Neither loads anything nor dials the daemon: that waits for the first call that needs it.
// --local's backend (local_backend.cpp).
std::unique_ptr<Backend> make_local_backend(const GlobalOptions& global, Console& console);
// The daemon's (daemon_backend.cpp).
std::unique_ptr<Backend> make_daemon_backend(const GlobalOptions& global, Console& console);
// The one the command line asks for.
inline std::unique_ptr<Backend> make_backend(const GlobalOptions& global, Console& console) {
  return global.local ? make_local_backend(global, console) : make_daemon_backend(global, console);
}

}  // namespace stopd::cli
