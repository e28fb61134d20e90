// --local's backend: the core in this process, exactly as the daemon assembles it (LocalCore).
// A stop is a ticket of its dispatcher, always waited for; Ctrl-C cancels what runs.
#include <unistd.h>

#include <functional>
#include <mutex>
#include <optional>

#include "stopd/batch/batch_dispatcher_runner.hpp"
#include "stopd/batch/batch_expansion.hpp"
#include "stopd/batch/batch_resume.hpp"
#include "stopd/cli/backend.hpp"
#include "stopd/cli/batch_command.hpp"
#include "stopd/cli/batch_view.hpp"
#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/job_render.hpp"
#include "stopd/cli/local_core.hpp"
#include "stopd/cli/signal_watcher.hpp"
#include "stopd/core/plugin_loader.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;

// When a stop takes longer than this on a terminal, say what stopctl is waiting for.
constexpr std::chrono::seconds kWaitingNoticeAfter{1};
// A batch's live progress line is redrawn at most this often.
constexpr std::chrono::milliseconds kRedrawEvery{200};

// Ctrl-C (SIGTERM, SIGHUP) while --local runs something: it is cancelled, and stopctl says so; a
// second signal exits at once.
class Interrupter {
 public:
  // `what`: "the stop", "the stops", "the batch".
  Interrupter(Console& console, const std::string& what, int second_signal_exit_code)
      : console_(console),
        what_(what),
        second_signal_message_("stopctl: interrupted again: exiting without waiting for " + what +
                               " to wind down\n"),
        watcher_([this](int signal) { on_signal(signal); }, second_signal_message_.c_str(),
                 second_signal_exit_code) {}

  bool interrupted() const { return watcher_.received() != 0; }

  // `cancel` runs on the first signal; at once if that came already.
  void attach(std::function<void()> cancel) {
    std::lock_guard lock(mutex_);
    if (interrupted()) cancel();
    cancels_.push_back(std::move(cancel));
  }

  // Before the core goes away: a late signal must not touch what it ran.
  void detach() {
    std::lock_guard lock(mutex_);
    cancels_.clear();
  }

 private:
  void on_signal(int signal) {
    console_.err(std::string("stopctl: ") + signal_display_name(signal) + " received: cancelling " +
                 what_ + " (send it again to exit at once)");
    std::lock_guard lock(mutex_);
    for (const auto& cancel : cancels_) cancel();
  }

  Console& console_;
  const std::string what_;
  const std::string second_signal_message_;
  std::mutex mutex_;
  std::vector<std::function<void()>> cancels_;
  SignalWatcher watcher_;  // last: stopped before the members its callback uses
};

// A stop of the dispatcher in this process. It has no job to show: its answer is its outcome.
class LocalStop final : public PendingStop {
 public:
  LocalStop(Console& console, std::shared_ptr<core::StopTicket> ticket, const StopPlan& plan,
            json target, std::string schedule)
      : console_(console),
        ticket_(std::move(ticket)),
        type_(plan.request.type),
        shown_type_(plan.shown_type),
        target_(std::move(target)),
        schedule_(std::move(schedule)) {}

  StopAnswer accepted() override { return outcome(false); }

  StopAnswer outcome(bool progress) override {
    if (progress && !ticket_->wait_for(kWaitingNoticeAfter) && !console_.json() &&
        isatty(STDERR_FILENO) == 1)
      console_.err("stopctl: stopping " + type_ + " " + target_text(target_) + " (" + schedule_ +
                   "; Ctrl-C cancels)…");
    return result_answer(shown_type_, target_, ticket_->wait());
  }

 private:
  Console& console_;
  std::shared_ptr<core::StopTicket> ticket_;
  std::string type_;
  std::string shown_type_;
  json target_;
  std::string schedule_;
};

ProviderView view_of(const core::RegisteredProvider& p, const core::HostConfig& config) {
  ProviderView view;
  view.name = p.name();
  view.version = p.info.version;
  view.description = p.info.description;
  view.library = p.library.string();
  view.capabilities = p.info.capabilities;
  view.concurrency = p.concurrency;
  view.default_concurrency = p.info.default_concurrency;
  view.max_attempts_configured = p.max_attempts > 0;
  view.max_attempts = p.max_attempts > 0 ? p.max_attempts : config.dispatcher.max_attempts;
  view.target_schema = p.info.target_schema;
  view.options_schema = p.info.options_schema;
  view.selector_schema = p.info.selector_schema;
  if (p.plugin_host) {
    const core::PluginHostStatus status = p.plugin_host->status();
    view.isolated = true;
    view.plugin_host_state = core::to_string(status.state);
    view.plugin_host_restarts = status.restarts;
    view.plugin_host_last_exit = status.last_exit;
  }
  return view;
}

// A batch expanded in this process, run by the engine over its dispatcher.
class LocalBatch final : public PreparedBatch {
 public:
  LocalBatch(const BatchOrder& order, core::ResumedBatch batch, core::Dispatcher& dispatcher,
             Interrupter& interrupter)
      : order_(order),
        batch_(std::move(batch)),
        dispatcher_(dispatcher),
        interrupter_(interrupter) {}

  std::optional<core::BatchResult> run(BatchView& view) override {
    if (order_.dry_run) view.print_order(batch_.items, batch_.finished);
    view.write_carried(batch_.finished);

    core::DispatcherItemRunner runner(dispatcher_);
    core::BatchEngineOptions options;
    options.dry_run = order_.dry_run;
    options.finished = std::move(batch_.finished);
    options.clock = dispatcher_.clock();
    const bool live = view.live_enabled();
    core::BatchEngine engine(order_.plan, std::move(batch_.items), runner, &view,
                             std::move(options));
    interrupter_.attach([&engine] { engine.cancel(); });
    struct DetachFirst {
      Interrupter& interrupter;
      ~DetachFirst() { interrupter.detach(); }
    } detach_first{interrupter_};
    engine.start();
    if (live) {
      // Only the view is redrawn on a timer; the batch itself moves on completions.
      while (!engine.wait_for(kRedrawEvery)) view.draw_live(engine);
    }
    return engine.wait();
  }

 private:
  const BatchOrder& order_;
  core::ResumedBatch batch_;
  core::Dispatcher& dispatcher_;
  Interrupter& interrupter_;
};

class LocalBackend final : public Backend {
 public:
  LocalBackend(const GlobalOptions& global, Console& console)
      : global_(global), console_(console) {}
  ~LocalBackend() override {
    if (interrupter_) interrupter_->detach();
  }
  LocalBackend(const LocalBackend&) = delete;
  LocalBackend& operator=(const LocalBackend&) = delete;

  bool keeps_jobs() const override { return false; }

  std::string plugins_list_command() const override { return "stopctl --local plugins list"; }

  std::string command_prefix() const override {
    std::string prefix = "stopctl --local";
    if (global_.config_file) prefix += " --config " + shell_quote(*global_.config_file);
    return prefix;
  }

  ProviderListing list_providers() override {
    const LocalCore& core = this->core();
    const core::PluginLoadReport& report = core.host->load_report();
    ProviderListing listing;
    for (const auto* provider : core.host->registry().all())
      listing.providers.push_back(view_of(*provider, core.config));
    for (const auto& r : report.refused) listing.refused.push_back({r.file.string(), r.reason});
    listing.warnings = report.warnings;
    listing.none_loaded = loaded_plugins_note(core);
    listing.refused_heading = "Refused plugins (host offers " + core::host_abi_description() + "):";
    listing.json = {{"warnings", report.warnings},
                    {"plugin_dirs", json::array()},
                    {"host_abi", core::host_abi_description()}};
    for (const auto& dir : core.plugin_dirs) listing.json["plugin_dirs"].push_back(dir.string());
    return listing;
  }

  ProviderLookup find_provider(const std::string& name) override {
    const LocalCore& core = this->core();
    ProviderLookup lookup;
    if (const core::RegisteredProvider* found = core.host->registry().find(name))
      lookup.provider = view_of(*found, core.config);
    else
      lookup.unknown =
          " (" + loaded_plugins_note(core) + refused_plugins_note(core.host->load_report()) + ")";
    return lookup;
  }

  void open_for_stops(bool /*wait: always*/, const std::string& what) override {
    interrupter_.emplace(console_, what, core::exit_code::cancelled);
    require_providers();
  }

  bool interrupted() const override { return interrupter_ && interrupter_->interrupted(); }

  std::optional<TargetList> list_targets(const std::string& type, const json& selector,
                                         Refusal& refused) override {
    try {
      return TargetList{core().host->list(type, selector), 0};
    } catch (const sdk::StopError& e) {
      refused = {e.code(), e.what()};
      return std::nullopt;
    }
  }

  std::unique_ptr<PendingStop> submit(const StopPlan& plan, const json& target, const json& options,
                                      Refusal& /*refused: never*/) override {
    sdk::StopRequest request = plan.request;
    request.target = target;
    request.options = options;
    core::SubmitOptions submit;
    if (plan.deadline_ms >= 0)
      submit.deadline =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(plan.deadline_ms);
    std::string schedule = schedule_text(request);
    std::shared_ptr<core::StopTicket> ticket =
        core().host->dispatcher().submit(std::move(request), submit);
    interrupter_->attach([ticket] { ticket->cancel(); });
    return std::make_unique<LocalStop>(console_, std::move(ticket), plan, target,
                                       std::move(schedule));
  }

  std::unique_ptr<PreparedBatch> prepare_batch(const BatchOrder& order) override {
    interrupter_.emplace(console_, "the batch", batch_exit_code::interrupted);
    require_providers();
    core::ResumedBatch batch;
    try {
      const core::HostBatchCatalog catalog(*core().host);
      batch.items = core::expand_batch_plan(order.plan, catalog, order.dry_run);
      if (order.resume)
        batch = core::resume_batch(order.plan, std::move(batch.items), *order.resume);
    } catch (const core::PlanError& e) {
      throw plan_error(order.source, e.problems());
    }
    return std::make_unique<LocalBatch>(order, std::move(batch), core().host->dispatcher(),
                                        *interrupter_);
  }

 private:
  LocalCore& core() {
    if (!core_) core_.emplace(open_local_core(global_));
    return *core_;
  }

  // Stops and batches need a plugin: none at all is a mistake in the config.
  void require_providers() {
    const LocalCore& core = this->core();
    if (core.host->registry().empty())
      throw config_error("no usable plugin: " + loaded_plugins_note(core) +
                         refused_plugins_note(core.host->load_report()));
  }

  const GlobalOptions& global_;
  Console& console_;
  std::optional<Interrupter> interrupter_;  // before the core: its threads inherit the mask
  std::optional<LocalCore> core_;
};

}  // namespace

std::unique_ptr<Backend> make_local_backend(const GlobalOptions& global, Console& console) {
  return std::make_unique<LocalBackend>(global, console);
}

}  // namespace stopd::cli
