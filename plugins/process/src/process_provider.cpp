#include "stopd/process/process_provider.hpp"

#include <csignal>
#include <stdexcept>

#include "fd_limit.hpp"
#include "process_selector.hpp"
#include "process_target.hpp"
#include "schemas.hpp"
#include "signal_names.hpp"
#include "stop_engine.hpp"
#include "stop_job.hpp"
#include "stop_report.hpp"
#include "stopd/sdk/blocking_stop.hpp"
#include "target_spec.hpp"

namespace stopd::process {
namespace {

using sdk::Code;

int configured_stop_signal(const nlohmann::json& settings) {
  if (!settings.is_object()) return SIGTERM;
  const auto it = settings.find("stop_signal");
  if (it == settings.end()) return SIGTERM;
  const auto signal = parse_signal_json(*it);
  if (!signal)
    throw std::invalid_argument(
        "local.process settings: stop_signal: " + it->dump() +
        " is not a signal (use a name such as \"SIGTERM\" or \"TERM\", or a number such as 15)");
  return *signal;
}

std::string running_summary(const ProcessTarget& target, const Resolution& found) {
  if (!target.is_group()) {
    std::string summary =
        "pid " + std::to_string(found.pid) + " (" + found.running.front().comm + ")";
    if (target.spec().kind == TargetKind::pidfile) summary += " from pidfile " + target.spec().path;
    return summary + ", running";
  }
  const auto count = found.running.size();
  return target.describe() + ": " + std::to_string(count) +
         (count == 1 ? " process" : " processes") + " running";
}

nlohmann::json process_facts(const ProcessTarget& target, const Resolution& found) {
  nlohmann::json facts = target.facts(found);
  auto& processes = facts["processes"] = nlohmann::json::array();
  for (const auto& process : found.running) {
    if (processes.size() >= kMaxListedProcesses) break;
    processes.push_back(
        {{"pid", process.pid}, {"comm", process.comm}, {"start_time", process.start_time}});
  }
  facts["process_count"] = found.running.size();
  return facts;
}

// What a real stop would do, without signalling anything.
sdk::StopOutcome dry_run(const ProcessTarget& target, int stop_signal, bool immediate) {
  const Resolution found = target.resolve();
  nlohmann::json details = process_facts(target, found);
  details["dry_run"] = true;
  if (found.running.empty())
    return sdk::StopOutcome::make(Code::already_stopped, "dry run: " + found.absent_reason,
                                  details);
  details["signal"] = signal_name(immediate ? SIGKILL : stop_signal);
  return sdk::StopOutcome::make(Code::stopped,
                                "dry run: would send " +
                                    signal_name(immediate ? SIGKILL : stop_signal) + " to " +
                                    running_summary(target, found),
                                details);
}

void complete_quietly(sdk::StopContext& context, sdk::StopOutcome outcome) {
  try {
    context.complete(std::move(outcome));
  } catch (...) {
  }
}

}  // namespace

ProcessProvider::ProcessProvider(const sdk::ProviderConfig& config)
    : logger_(config.logger),
      stop_signal_(configured_stop_signal(config.settings)),
      engine_(std::make_shared<StopEngine>(config.logger)) {}

ProcessProvider::~ProcessProvider() {
  engine_->shutdown();
}

sdk::ProviderInfo ProcessProvider::info() const {
  // Name, version, description and the capabilities start(), inspect() and list() imply come
  // from STOPD_PLUGIN.
  sdk::ProviderInfo info;
  info.target_schema = target_schema();
  info.options_schema = options_schema();
  info.selector_schema = selector_schema();
  info.capabilities.drain = true;
  // Asynchronous: a stop in flight costs one pidfd per process, not a thread.
  info.default_concurrency = 100000;
  return info;
}

void ProcessProvider::start(const sdk::StopRequest& request,
                            std::shared_ptr<sdk::StopContext> context) {
  raise_open_file_limit();
  std::unique_ptr<StopJob> job;
  try {
    const int signal = parse_stop_signal_option(request.options, stop_signal_);
    ProcessTarget target(parse_target(request.target));
    if (request.dry_run) {
      complete_quietly(*context, dry_run(target, signal, request.mode == sdk::Mode::immediate));
      return;
    }
    const std::uint64_t id = engine_->next_job_id();
    // Registered before the first signal so no escalation can slip between the two. The callback
    // only names the job: it may run after the job (or the whole provider) is gone.
    context->on_change([engine = std::weak_ptr<StopEngine>(engine_), id] {
      if (auto alive = engine.lock()) alive->schedule_changed(id);
    });
    job = std::make_unique<StopJob>(id, std::move(target), signal, context,
                                    request.mode == sdk::Mode::immediate);
  } catch (const sdk::StopError& e) {
    complete_quietly(*context, sdk::StopOutcome::make(e.code(), e.what()));
    return;
  } catch (const std::exception& e) {
    complete_quietly(*context, sdk::StopOutcome::make(Code::internal,
                                                      std::string("local.process: ") + e.what()));
    return;
  }
  job->begin();
  if (!job->finished()) engine_->adopt(std::move(job));
}

sdk::StopOutcome ProcessProvider::stop(const sdk::StopRequest& request, sdk::StopContext& context) {
  return sdk::run_blocking(
      context, [&](std::shared_ptr<sdk::StopContext> relay) { start(request, std::move(relay)); });
}

sdk::Inspection ProcessProvider::inspect(const nlohmann::json& target_json) {
  sdk::Inspection inspection;
  std::optional<ProcessTarget> target;
  Resolution found;
  try {
    target.emplace(parse_target(target_json));
    found = target->resolve();
  } catch (const sdk::StopError& e) {
    if (e.code() != Code::not_found) throw;
    inspection.state = sdk::Inspection::State::absent;
    inspection.summary = e.what();
    inspection.facts = target ? target->facts(found) : nlohmann::json::object();
    return inspection;
  }
  inspection.facts = process_facts(*target, found);
  if (found.running.empty()) {
    inspection.state = sdk::Inspection::State::stopped;
    inspection.summary = found.absent_reason;
  } else {
    inspection.state = sdk::Inspection::State::running;
    inspection.summary = running_summary(*target, found);
  }
  return inspection;
}

std::vector<nlohmann::json> ProcessProvider::list(const nlohmann::json& selector) {
  return list_matching(selector);
}

long ProcessProvider::loop_thread_tid() const {
  return engine_->loop_thread_tid();
}

}  // namespace stopd::process
