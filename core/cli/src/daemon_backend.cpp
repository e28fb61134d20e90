// The daemon's backend: stopd over gRPC (DaemonClient), every answer said to come from
// "stopd at ENDPOINT". A stop is a job (Stop), followed to its outcome only when waited for
// (WatchJob); Ctrl-C then stops the waiting, never the job.
#include <optional>
#include <sstream>

#include "convert.hpp"
#include "stopd/batch/batch_report.hpp"
#include "stopd/cli/backend.hpp"
#include "stopd/cli/batch_command.hpp"
#include "stopd/cli/batch_view.hpp"
#include "stopd/cli/daemon_client.hpp"
#include "stopd/cli/job_follower.hpp"
#include "stopd/cli/job_render.hpp"
#include "stopd/cli/wait_interrupter.hpp"
#include "stopd/core/utf8.hpp"
#include "stopd/grpc_status/grpc_status.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;
using sdk::Code;

// When a stop takes longer than this on a terminal, show what stopctl is waiting for.
constexpr std::chrono::seconds kLiveAfter{1};

// Refusals of the request itself, shown as the stop's outcome (as the dispatcher's refusals are
// in local mode); anything else (unreachable, unauthenticated, timed out) is an error of stopctl.
bool refusal_of_the_request(grpc::StatusCode code) {
  return code == grpc::StatusCode::INVALID_ARGUMENT ||
         code == grpc::StatusCode::PERMISSION_DENIED ||
         code == grpc::StatusCode::FAILED_PRECONDITION || code == grpc::StatusCode::NOT_FOUND ||
         code == grpc::StatusCode::RESOURCE_EXHAUSTED || code == grpc::StatusCode::ALREADY_EXISTS ||
         code == grpc::StatusCode::OUT_OF_RANGE;
}

// The daemon's StopRequest for a planned stop and its typed target and options. Throws
// std::invalid_argument for an integer too large to pass exactly.
v1::StopRequest stop_message(const StopPlan& plan, const json& target, const json& options) {
  v1::StopRequest message;
  message.set_type(plan.request.type);
  *message.mutable_target() = api::to_struct(target);
  *message.mutable_options() = api::to_struct(options);
  if (plan.request.mode == sdk::Mode::immediate) {
    message.set_mode(v1::MODE_IMMEDIATE);
  } else {
    message.set_mode(v1::MODE_GRACEFUL);
    if (!plan.request.grace)
      message.set_unbounded_grace(true);
    else
      message.set_grace_seconds(static_cast<double>(plan.request.grace->count()) / 1000.0);
  }
  if (plan.deadline_ms >= 0)
    message.set_deadline_seconds(static_cast<double>(plan.deadline_ms) / 1000.0);
  message.set_dry_run(plan.request.dry_run);
  message.set_wait(false);  // stopctl follows the job itself (WatchJob): progress, Ctrl-C
  if (plan.request_id) message.set_request_id(*plan.request_id);
  return message;
}

// A finished job as a stop's answer: its outcome line (the line a local stop prints) and its JSON.
StopAnswer job_answer(const core::Job& job) {
  const Code code = job.outcome ? job.outcome->code : Code::internal;
  return {core::to_json(job), outcome_line(job), job.outcome && sdk::is_success(code),
          core::exit_code_for(code)};
}

// A job in the daemon, followed with WatchJob when waited for.
class DaemonStop final : public PendingStop {
 public:
  // `interrupter`: null when the stop is not waited for.
  DaemonStop(DaemonClient& client, WaitInterrupter* interrupter, Console& console, core::Job job)
      : client_(client), interrupter_(interrupter), console_(console), job_(std::move(job)) {}

  StopAnswer accepted() override {
    return {core::to_json(job_), accepted_line(job_), true, core::exit_code::ok};
  }

  StopAnswer outcome(bool progress) override {
    FollowOptions follow;
    if (progress) {
      follow.live = !console_.json();
      follow.live_stream = Console::Stream::err;
      follow.live_after = kLiveAfter;
      follow.live_prefix = "stopping ";
    }
    const FollowResult result = follow_job(client_, job_.id, job_, follow, *interrupter_, console_);
    if (result.end == FollowResult::End::finished) return job_answer(result.job);
    const UnfinishedWait unfinished = unfinished_wait(result, client_);
    return {unfinished.json, "stopctl: " + unfinished.message, false, unfinished.exit_code, false};
  }

 private:
  DaemonClient& client_;
  WaitInterrupter* interrupter_;
  Console& console_;
  core::Job job_;
};

ProviderView view_of(const v1::Provider& p) {
  ProviderView view;
  view.name = p.name();
  view.version = p.version();
  view.description = p.description();
  view.library = p.library();
  view.capabilities.asynchronous = p.capabilities().asynchronous();
  view.capabilities.inspect = p.capabilities().inspect();
  view.capabilities.list = p.capabilities().list();
  view.capabilities.drain = p.capabilities().drain();
  view.concurrency = p.concurrency();
  view.target_schema = api::from_struct(p.target_schema());
  view.options_schema = api::from_struct(p.options_schema());
  view.selector_schema = api::from_struct(p.selector_schema());
  if (p.isolation() == "process") {
    view.isolated = true;
    view.plugin_host_state = p.plugin_host().state();
    view.plugin_host_restarts = p.plugin_host().restarts();
    view.plugin_host_last_exit = p.plugin_host().last_exit();
  }
  return view;
}

core::BatchItemRecord record_of(const json& line) {
  std::istringstream in(line.dump());
  std::vector<core::BatchItemRecord> records = core::read_batch_report(in, "the daemon's record");
  if (records.empty()) throw std::invalid_argument("the daemon sent an empty item record");
  return std::move(records.front());
}

core::BatchProgress progress_of(const json& counts) {
  core::BatchProgress p;
  p.total = counts.value("total", std::size_t{0});
  p.succeeded = counts.value("succeeded", std::size_t{0});
  p.failed = counts.value("failed", std::size_t{0});
  p.skipped = counts.value("skipped", std::size_t{0});
  p.running = counts.value("running", std::size_t{0});
  p.pending = counts.value("pending", std::size_t{0});
  return p;
}

core::BatchResult batch_result_of(const v1::Batch& batch) {
  core::BatchResult result;
  for (const auto& item : batch.items()) result.items.push_back(record_of(api::from_struct(item)));
  const json summary = api::from_struct(batch.summary());
  result.summary.counts = progress_of(summary);
  result.summary.halted = summary.value("halted", false);
  result.summary.halt_reason = summary.value("halt_reason", std::string());
  result.summary.cancelled = summary.value("cancelled", false);
  result.summary.dry_run = summary.value("dry_run", false);
  // The daemon's clock: when it accepted the batch and when the batch ended.
  result.summary.started = api::from_timestamp(batch.created());
  result.summary.finished =
      batch.has_finished_at()
          ? api::from_timestamp(batch.finished_at())
          : result.summary.started +
                std::chrono::milliseconds(static_cast<long>(summary.value("duration_ms", 0.0)));
  return result;
}

// A refusal of the submission in batch's own exit codes: a plan the daemon found invalid is
// invalid_plan; anything else keeps its message with the exit code of a daemon error.
CliError submit_error(DaemonClient& client, const grpc::Status& status, const std::string& source) {
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    std::vector<std::string> problems;
    std::istringstream lines(client.redact(status.error_message()));
    for (std::string line; std::getline(lines, line);) problems.push_back(line);
    return plan_error(source, problems);
  }
  const CliError error = client.error(status);
  return CliError(batch_exit_code::daemon, error.code(), error.what());
}

class DaemonBackend final : public Backend {
 public:
  DaemonBackend(const GlobalOptions& global, Console& console)
      : global_(global), console_(console) {}

  bool keeps_jobs() const override { return true; }

  std::string plugins_list_command() const override { return "stopctl plugins list"; }

  std::string command_prefix() const override {
    std::string prefix = "stopctl";
    const ConnectionOptions& c = global_.connection;
    if (c.socket) prefix += " --socket " + shell_quote(*c.socket);
    if (c.address) prefix += " --address " + shell_quote(*c.address);
    if (c.insecure) prefix += " --insecure";
    if (c.tls_ca) prefix += " --tls-ca " + shell_quote(*c.tls_ca);
    if (c.tls_cert) prefix += " --tls-cert " + shell_quote(*c.tls_cert);
    if (c.tls_key) prefix += " --tls-key " + shell_quote(*c.tls_key);
    if (c.tls_server_name) prefix += " --tls-server-name " + shell_quote(*c.tls_server_name);
    if (c.token_file) prefix += " --token-file " + shell_quote(*c.token_file);
    return prefix;
  }

  ProviderListing list_providers() override {
    DaemonClient& client = this->client();
    const v1::ListProvidersResponse response = client.list_providers();
    ProviderListing listing;
    for (const auto& provider : response.providers())
      listing.providers.push_back(view_of(provider));
    for (const auto& r : response.refused()) listing.refused.push_back({r.file(), r.reason()});
    listing.none_loaded = "stopd at " + client.endpoint() + " has no provider loaded";
    listing.refused_heading = "Refused plugins (by stopd at " + client.endpoint() + "):";
    listing.json = {{"daemon", client.endpoint()}};
    return listing;
  }

  ProviderLookup find_provider(const std::string& name) override {
    DaemonClient& client = this->client();
    ProviderLookup lookup;
    std::string why;
    if (std::optional<v1::Provider> found = client.find_provider(name, why))
      lookup.provider = view_of(*found);
    else
      lookup.unknown = ": stopd at " + client.endpoint() + " says: " + why;
    return lookup;
  }

  void open_for_stops(bool wait, const std::string& /*what: the job, always*/) override {
    if (wait) interrupter_.emplace();
    client();
  }

  bool interrupted() const override { return interrupter_ && interrupter_->interrupted(); }

  std::optional<TargetList> list_targets(const std::string& type, const json& selector,
                                         Refusal& refused) override {
    DaemonClient& client = this->client();
    v1::ListTargetsRequest request;
    request.set_type(type);
    *request.mutable_selector() = api::to_struct(selector);
    v1::ListTargetsResponse response;
    if (const grpc::Status status = client.try_list_targets(request, response); !status.ok()) {
      const CliError error = client.error(status);
      if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
          status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
          status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
        throw error;  // stopd itself: unreachable, or the caller is not known to it
      refused = {core::from_grpc_code(status.error_code()), error.what()};
      return std::nullopt;
    }
    TargetList list;
    for (const auto& target : response.targets()) list.targets.push_back(api::from_struct(target));
    list.hidden = response.hidden();
    return list;
  }

  std::unique_ptr<PendingStop> submit(const StopPlan& plan, const json& target, const json& options,
                                      Refusal& refused) override {
    DaemonClient& client = this->client();
    v1::StopRequest message;
    try {
      message = stop_message(plan, target, options);
    } catch (const std::invalid_argument& e) {  // an integer too large to pass exactly
      refused = {Code::invalid_argument, e.what()};
      return nullptr;
    }
    v1::Job accepted;
    if (const grpc::Status status = client.try_stop(message, accepted); !status.ok()) {
      refused = {core::from_grpc_code(status.error_code()), client.error(status).what(),
                 refusal_of_the_request(status.error_code())};
      return nullptr;
    }
    return std::make_unique<DaemonStop>(client, interrupter_ ? &*interrupter_ : nullptr, console_,
                                        api::from_proto(accepted));
  }

  std::unique_ptr<PreparedBatch> prepare_batch(const BatchOrder& order) override;

  // The batch, submitted with SubmitBatch (the daemon expands, validates, journals and runs it)
  // and followed with WatchBatch. Ctrl-C only stops following: the batch goes on in the daemon
  // (its id is printed).
  std::optional<core::BatchResult> run_batch(const BatchOrder& order, BatchView& view) {
    interrupter_.emplace();  // first: gRPC's threads inherit the blocked signals
    DaemonClient& client = this->client();
    v1::SubmitBatchRequest request;
    request.set_plan(order.text);
    // A file name need not be UTF-8; a protobuf string must be, or stopd cannot decode it.
    request.set_source(core::repair_utf8(order.source));
    if (order.parallel) request.set_parallel(*order.parallel);
    request.set_fail_fast(order.fail_fast);
    if (order.max_failures) request.set_max_failures(*order.max_failures);
    request.set_dry_run(order.dry_run);
    v1::Batch batch;
    const grpc::Status submitted = client.try_submit_batch(request, batch);
    if (!submitted.ok()) throw submit_error(client, submitted, order.source);
    console_.err("stopctl: batch " + batch.id() + " accepted by the daemon (" + client.endpoint() +
                 "); Ctrl-C stops following it, not the batch");

    auto context = client.waiting_context();
    interrupter_->attach(*context);
    auto reader = client.watch_batch(*context, batch.id());
    std::optional<v1::Batch> finished;
    v1::BatchEvent event;
    while (reader->Read(&event)) {
      // Items that ended before the watch began come in the snapshot, the rest one by one.
      if (event.kind() == "snapshot")
        for (const auto& item : event.batch().items())
          view.on_item_finished(record_of(api::from_struct(item)),
                                progress_of(api::from_struct(event.progress())));
      if (event.kind() == "item_finished")
        view.on_item_finished(record_of(api::from_struct(event.record())),
                              progress_of(api::from_struct(event.progress())));
      else if (event.kind() == "halted")
        view.on_halted(event.reason());
      if (event.has_batch() && event.batch().finished()) finished = event.batch();
    }
    const grpc::Status status = reader->Finish();
    interrupter_->detach();
    if (interrupter_->interrupted()) {
      console_.err("stopctl: stopped following batch " + batch.id() + "; it goes on in the daemon");
      return std::nullopt;
    }
    if (!finished) {
      if (status.ok())
        throw CliError(batch_exit_code::internal, "internal",
                       "batch " + batch.id() + ": the daemon's stream ended before the batch did");
      const CliError error = client.error(status);
      throw CliError(batch_exit_code::daemon, error.code(),
                     "batch " + batch.id() + ": " + error.what());
    }
    return batch_result_of(*finished);
  }

 private:
  DaemonClient& client() {
    if (!client_) client_.emplace(global_, console_);
    return *client_;
  }

  const GlobalOptions& global_;
  Console& console_;
  std::optional<WaitInterrupter> interrupter_;  // before the client: gRPC's threads inherit it
  std::optional<DaemonClient> client_;
};

// The daemon's batch: nothing to ready here, the daemon does it when the batch is submitted.
class DaemonBatch final : public PreparedBatch {
 public:
  DaemonBatch(DaemonBackend& backend, const BatchOrder& order) : backend_(backend), order_(order) {}
  std::optional<core::BatchResult> run(BatchView& view) override {
    return backend_.run_batch(order_, view);
  }

 private:
  DaemonBackend& backend_;
  const BatchOrder& order_;
};

std::unique_ptr<PreparedBatch> DaemonBackend::prepare_batch(const BatchOrder& order) {
  return std::make_unique<DaemonBatch>(*this, order);
}

}  // namespace

std::unique_ptr<Backend> make_daemon_backend(const GlobalOptions& global, Console& console) {
  return std::make_unique<DaemonBackend>(global, console);
}

}  // namespace stopd::cli
