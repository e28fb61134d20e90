// `stopctl batch PLAN` through the daemon: the plan is checked here first (a syntax error costs
// no round trip), submitted with SubmitBatch (the daemon expands, validates, journals and runs
// it), then followed with WatchBatch, shown and reported like a local batch. Ctrl-C only stops
// following: the batch goes on in the daemon (its id is printed).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "convert.hpp"
#include "stopd/batch/batch_report.hpp"
#include "stopd/cli/batch_command.hpp"
#include "stopd/cli/batch_view.hpp"
#include "stopd/cli/daemon_client.hpp"
#include "stopd/cli/wait_interrupter.hpp"
#include "stopd/core/bounded_json.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;

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

core::BatchResult result_of(const v1::Batch& batch) {
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

}  // namespace

int run_batch_in_daemon(const GlobalOptions& global, const BatchArguments& args, Console& console) {
  if (args.resume)
    throw usage_error(
        "--resume works with --local; the daemon resumes its own batches after a restart "
        "('stopctl batch' again with the same plan re-runs it in the daemon)");
  v1::SubmitBatchRequest request;
  // The command line before the plan is read: a usage error costs nothing.
  if (args.parallel) request.set_parallel(parse_parallel(*args.parallel));
  request.set_fail_fast(args.fail_fast);
  if (args.max_failures) {
    parse_max_failures(*args.max_failures);  // refused here, before the round trip
    request.set_max_failures(*args.max_failures);
  }
  request.set_dry_run(args.dry_run);
  const std::string source = args.plan == "-" ? "<stdin>" : args.plan;
  request.set_plan(read_plan(args.plan));
  // A file name need not be UTF-8; a protobuf string must be, or stopd cannot decode the request.
  request.set_source(core::repair_utf8(source));
  core::BatchPlan plan;
  try {
    plan = core::parse_batch_plan(request.plan(), source);
  } catch (const core::PlanError& e) {
    throw plan_error(source, e.problems());
  }

  std::ofstream report;
  if (args.report) {
    report.open(*args.report, std::ios::out | std::ios::trunc);
    if (!report)
      throw config_error("--report: cannot write " + *args.report + ": " + std::strerror(errno));
  }

  WaitInterrupter interrupter;  // first: gRPC's threads inherit the blocked signals
  DaemonClient client(global, console);
  v1::Batch batch;
  const grpc::Status submitted = client.try_submit_batch(request, batch);
  if (!submitted.ok()) throw submit_error(client, submitted, source);
  console.err("stopctl: batch " + batch.id() + " accepted by the daemon (" + client.endpoint() +
              "); Ctrl-C stops following it, not the batch");

  BatchView view(console, plan, args.report ? &report : nullptr, args.dry_run);
  auto context = client.waiting_context();
  interrupter.attach(*context);
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
  interrupter.detach();
  if (interrupter.interrupted()) {
    console.err("stopctl: stopped following batch " + batch.id() + "; it goes on in the daemon");
    return batch_exit_code::interrupted;
  }
  if (!finished) {
    if (status.ok())
      throw CliError(batch_exit_code::internal, "internal",
                     "batch " + batch.id() + ": the daemon's stream ended before the batch did");
    const CliError error = client.error(status);
    throw CliError(batch_exit_code::daemon, error.code(),
                   "batch " + batch.id() + ": " + error.what());
  }
  const core::BatchResult result = result_of(*finished);
  view.finish(result);
  if (!view.report_ok())
    console.err("stopctl: warning: writing the report " + *args.report +
                " failed; it is incomplete");
  if (result.summary.cancelled) return batch_exit_code::interrupted;
  return static_cast<int>(std::min<std::size_t>(
      result.summary.not_succeeded(), static_cast<std::size_t>(batch_exit_code::most_failed)));
}

}  // namespace stopd::cli
