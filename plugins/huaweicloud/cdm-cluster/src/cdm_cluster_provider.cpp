#include "stopd/huaweicloud/cdm_cluster_provider.hpp"

#include <variant>

#include "cdm_api.hpp"
#include "schemas.hpp"
#include "stop_mode_choice.hpp"
#include "stopd/huaweicloud/call_scope.hpp"
#include "stopd/huaweicloud/outcome_mapping.hpp"
#include "stopd/huaweicloud/provider_common.hpp"

namespace stopd::huaweicloud {
namespace {

using cdm::ClusterRef;
using sdk::Code;
using sdk::StopOutcome;

const ServiceDefaults kCdm{"CDM", "https://cdm.{region}.myhuaweicloud.com", std::nullopt};

// An escalation is a force_at earlier than the one the stop was sent with by more than this: a
// grace ending on schedule is the cluster's own business (it shuts down after delayTime).
constexpr auto kEscalationTolerance = std::chrono::milliseconds(500);

ClusterRef parse_target(const nlohmann::json& target) {
  return cdm::target_fields().parse(target);
}

// The cluster's status, or the outcome that ends the stop (not found, unauthenticated, …).
std::variant<int, StopOutcome> read_status(ApiClient& client, const ClusterRef& cluster,
                                           const CallScope& scope) {
  const auto result = client.call(cdm::get_cluster_request(cluster), scope);
  if (auto failure = failure_of("CDM", "read " + cluster.describe(), result)) return *failure;
  if (auto status = cdm::cluster_status(*result.response)) return *status;
  return StopOutcome::make(Code::internal,
                           "CDM answered the read of " + cluster.describe() + " without a status",
                           response_facts(*result.response, result.attempts));
}

}  // namespace

CdmClusterProvider::CdmClusterProvider(const sdk::ProviderConfig& config)
    : client_(kName, config.settings, kCdm, config.logger) {}

sdk::ProviderInfo CdmClusterProvider::info() const {
  auto info = provider_info(cdm::target_schema(), cdm::options_schema());
  info.capabilities.drain = true;
  return info;
}

sdk::Inspection CdmClusterProvider::inspect(const nlohmann::json& target) {
  const ClusterRef cluster = parse_target(target);
  ApiClient& client = client_.client();
  const DeadlineScope scope(Clock::now() + client_.request_timeout(), client_.logger());
  const auto result = client.call(cdm::get_cluster_request(cluster), scope);
  sdk::Inspection inspection;
  if (result.response && result.response->status == 404) {
    inspection.state = sdk::Inspection::State::absent;
    inspection.summary = cluster.describe() + ": not found";
    inspection.facts = response_facts(*result.response, result.attempts);
    return inspection;
  }
  if (auto failure = failure_of("CDM", "read " + cluster.describe(), result))
    throw sdk::StopError(failure->code, failure->message);
  const auto status = cdm::cluster_status(*result.response);
  if (!status) throw sdk::StopError(Code::internal, "CDM answered without a cluster status");
  inspection.state = *status == cdm::kStatusStopped    ? sdk::Inspection::State::stopped
                     : *status == cdm::kStatusStopping ? sdk::Inspection::State::stopping
                                                       : sdk::Inspection::State::running;
  inspection.summary = cluster.describe() + ": status " + cdm::describe_status(*status);
  inspection.facts = {{"status", *status}};
  return inspection;
}

sdk::StopOutcome CdmClusterProvider::stop(const sdk::StopRequest& request,
                                          sdk::StopContext& context) {
  const ClusterRef cluster = parse_target(request.target);
  const bool wait = cdm::option_fields().parse(request.options, "options").wait.value_or(false);
  if (request.dry_run) return dry_run_outcome(inspect(request.target));
  ApiClient& client = client_.client();
  const StopContextScope scope(context);

  auto first = read_status(client, cluster, scope);
  if (auto* outcome = std::get_if<StopOutcome>(&first)) return std::move(*outcome);
  const int status_before = std::get<int>(first);
  nlohmann::json details = {{"status_before", status_before}, {"jobId", nlohmann::json::array()}};
  if (status_before == cdm::kStatusStopped)
    return StopOutcome::make(Code::already_stopped,
                             cluster.describe() + " is already stopped (status 900)", details);

  cdm::StopMode mode = cdm::choose_stop_mode(request, context);
  const auto sent_force_at = context.force_at();
  bool forced = mode.immediately;
  // A cluster already shutting down gracefully is not asked again (the graceful request goes out
  // once); an immediate stop still goes out, it shortens the shutdown.
  const bool send = !(status_before == cdm::kStatusStopping && !mode.immediately);
  auto send_stop = [&](const cdm::StopMode& stop_mode) -> std::optional<StopOutcome> {
    const auto result = client.call(cdm::stop_cluster_request(cluster, stop_mode), scope);
    if (auto failure = failure_of("CDM", "stop " + cluster.describe(), result)) {
      failure->details.update(details);
      return failure;
    }
    for (const auto& id : cdm::job_ids(*result.response)) details["jobId"].push_back(id);
    if (!result.response->request_id.empty()) details["request_id"] = result.response->request_id;
    context.progress("stop_requested", stop_mode.facts());
    return std::nullopt;
  };
  details.update(mode.facts());
  if (send) {
    if (auto failure = send_stop(mode)) return std::move(*failure);
  } else {
    details["already_stopping"] = true;
  }

  if (!wait) {
    details["confirmed"] = false;
    StopOutcome accepted = StopOutcome::make(
        Code::stopped,
        (send ? "CDM accepted the stop of " : "CDM is already stopping ") + cluster.describe() +
            " (" + details["stop_mode"].get<std::string>() +
            "); it shuts down asynchronously: set the wait option to confirm status 900",
        details);
    accepted.forced = forced;
    return accepted;
  }

  int status = status_before;
  auto ended = wait_until_settled<int>(
      scope, context, client_.poll_interval(), [&] { return read_status(client, cluster, scope); },
      [&](const int& seen) -> std::optional<StopOutcome> {
        status = seen;
        if (status == cdm::kStatusStopped) {
          details["status"] = status;
          details["confirmed"] = true;
          StopOutcome done = StopOutcome::make(
              Code::stopped, cluster.describe() + " stopped (status 900)", details);
          done.forced = forced;
          return done;
        }
        const bool escalated = !mode.immediately && context.force_due() &&
                               context.force_at() + kEscalationTolerance < sent_force_at;
        if (!escalated) return std::nullopt;
        mode = cdm::StopMode{true, 0};
        forced = true;
        details["escalated"] = true;
        return send_stop(mode);
      },
      details);
  if (ended) return std::move(*ended);
  details["status"] = status;
  if (context.cancelled())
    return StopOutcome::make(Code::cancelled,
                             "cancelled while waiting for " + cluster.describe() +
                                 " to stop; last status " + cdm::describe_status(status),
                             details);
  return StopOutcome::make(Code::deadline_exceeded,
                           cluster.describe() +
                               " did not reach status 900 by the deadline; last "
                               "status " +
                               cdm::describe_status(status),
                           details);
}

}  // namespace stopd::huaweicloud
