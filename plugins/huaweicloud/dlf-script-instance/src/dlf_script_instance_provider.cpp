#include "stopd/huaweicloud/dlf_script_instance_provider.hpp"

#include <variant>

#include "dlf_api.hpp"
#include "schemas.hpp"
#include "stopd/huaweicloud/call_scope.hpp"
#include "stopd/huaweicloud/provider_common.hpp"

namespace stopd::huaweicloud {
namespace {

using dlf::InstanceRef;
using sdk::Code;
using sdk::StopOutcome;

// DLF's documented quota: 30 requests/s per user.
const ServiceDefaults kDlf{"DLF", "https://dayu-dlf.{region}.myhuaweicloud.com", RateLimit{30, 30}};

InstanceRef parse_target(const nlohmann::json& target) {
  return dlf::target_fields().parse(target);
}

// The instance's status, or the outcome that ends the stop (not found, unauthenticated, …).
std::variant<std::string, StopOutcome> read_status(ApiClient& client, const InstanceRef& instance,
                                                   const CallScope& scope) {
  const auto result = client.call(dlf::get_instance_request(instance), scope);
  if (auto failure = failure_of("DLF", "read " + instance.describe(), result, dlf::kErrorCodes))
    return *failure;
  if (auto status = dlf::instance_status(*result.response)) return *status;
  return StopOutcome::make(Code::internal,
                           "DLF answered the read of " + instance.describe() + " without a status",
                           response_facts(*result.response, result.attempts));
}

}  // namespace

DlfScriptInstanceProvider::DlfScriptInstanceProvider(const sdk::ProviderConfig& config)
    : client_(kName, config.settings, kDlf, config.logger) {}

sdk::ProviderInfo DlfScriptInstanceProvider::info() const {
  return provider_info(dlf::target_schema(), dlf::options_schema());
}

sdk::Inspection DlfScriptInstanceProvider::inspect(const nlohmann::json& target) {
  const InstanceRef instance = parse_target(target);
  ApiClient& client = client_.client();
  const DeadlineScope scope(Clock::now() + client_.request_timeout(), client_.logger());
  auto read = read_status(client, instance, scope);
  sdk::Inspection inspection;
  if (auto* outcome = std::get_if<StopOutcome>(&read)) {
    if (outcome->code != Code::not_found) throw sdk::StopError(outcome->code, outcome->message);
    inspection.state = sdk::Inspection::State::absent;
    inspection.summary = outcome->message;
    inspection.facts = outcome->details;
    return inspection;
  }
  const auto& status = std::get<std::string>(read);
  inspection.state =
      dlf::has_ended(status) ? sdk::Inspection::State::stopped : sdk::Inspection::State::running;
  inspection.summary = instance.describe() + ": " + status;
  inspection.facts = {{"status", status}};
  return inspection;
}

sdk::StopOutcome DlfScriptInstanceProvider::stop(const sdk::StopRequest& request,
                                                 sdk::StopContext& context) {
  const InstanceRef instance = parse_target(request.target);
  const bool wait = dlf::option_fields().parse(request.options, "options").wait.value_or(false);
  if (request.dry_run) return dry_run_outcome(inspect(request.target));
  ApiClient& client = client_.client();
  const StopContextScope scope(context);

  auto first = read_status(client, instance, scope);
  if (auto* outcome = std::get_if<StopOutcome>(&first)) return std::move(*outcome);
  const std::string status_before = std::get<std::string>(first);
  nlohmann::json details = {{"status_before", status_before}};
  if (instance.workspace) details["workspace"] = *instance.workspace;
  if (dlf::has_ended(status_before))
    return StopOutcome::make(Code::already_stopped,
                             instance.describe() + " already ended (" + status_before + ")",
                             details);

  const auto result = client.call(dlf::stop_instance_request(instance), scope);
  if (auto failure = failure_of("DLF", "stop " + instance.describe(), result, dlf::kErrorCodes)) {
    failure->details.update(details);
    return std::move(*failure);
  }
  if (!result.response->request_id.empty()) details["request_id"] = result.response->request_id;
  context.progress("stop_requested", {{"http_status", result.response->status}});
  if (!wait) {
    details["confirmed"] = false;
    return StopOutcome::make(Code::stopped,
                             "DLF accepted the stop of " + instance.describe() + " (HTTP " +
                                 std::to_string(result.response->status) + ")",
                             details);
  }

  std::string status = status_before;
  auto ended = wait_until_settled<std::string>(
      scope, context, client_.poll_interval(), [&] { return read_status(client, instance, scope); },
      [&](const std::string& seen) -> std::optional<StopOutcome> {
        status = seen;
        if (!dlf::has_ended(status)) return std::nullopt;
        details["status"] = status;
        details["confirmed"] = true;
        return StopOutcome::make(Code::stopped, instance.describe() + " stopped (" + status + ")",
                                 details);
      },
      details);
  if (ended) return std::move(*ended);
  details["status"] = status;
  if (context.cancelled())
    return StopOutcome::make(
        Code::cancelled,
        "cancelled while waiting for " + instance.describe() + " to end; last status " + status,
        details);
  return StopOutcome::make(
      Code::deadline_exceeded,
      instance.describe() + " had not ended by the deadline; last status " + status, details);
}

}  // namespace stopd::huaweicloud
