#include "stopd/huaweicloud/fgs_workflow_execution_provider.hpp"

#include "fgs_api.hpp"
#include "schemas.hpp"
#include "stopd/huaweicloud/call_scope.hpp"
#include "stopd/huaweicloud/outcome_mapping.hpp"
#include "stopd/huaweicloud/provider_common.hpp"

namespace stopd::huaweicloud {
namespace {

using fgs::ExecutionRef;
using sdk::Code;
using sdk::StopOutcome;

const ServiceDefaults kFunctionGraph{
    "FunctionGraph", "https://functiongraph.{region}.myhuaweicloud.com", std::nullopt};

ExecutionRef parse_target(const nlohmann::json& target) {
  return fgs::target_fields().parse(target);
}

}  // namespace

FgsWorkflowExecutionProvider::FgsWorkflowExecutionProvider(const sdk::ProviderConfig& config)
    : client_(kName, config.settings, kFunctionGraph, config.logger) {}

sdk::ProviderInfo FgsWorkflowExecutionProvider::info() const {
  return provider_info(fgs::target_schema(), fgs::options_schema());
}

sdk::StopOutcome FgsWorkflowExecutionProvider::stop(const sdk::StopRequest& request,
                                                    sdk::StopContext& context) {
  const ExecutionRef execution = parse_target(request.target);
  if (request.dry_run)  // no state read exists: say what would be sent, send nothing
    return StopOutcome::make(Code::stopped, "dry run: would stop " + execution.describe(),
                             {{"would_send", fgs::stop_body(execution)}});
  ApiClient& client = client_.client();
  const StopContextScope scope(context);
  const auto result = client.call(fgs::stop_execution_request(execution), scope);
  if (auto failure = failure_of("FunctionGraph", "stop " + execution.describe(), result))
    return std::move(*failure);
  nlohmann::json details = nlohmann::json::object();
  const auto when = fgs::stopped_at(*result.response);
  if (when) details["stopped_at"] = *when;
  if (!result.response->request_id.empty()) details["request_id"] = result.response->request_id;
  return StopOutcome::make(
      Code::stopped,
      "FunctionGraph stopped " + execution.describe() + (when ? " at " + *when : std::string()),
      details);
}

}  // namespace stopd::huaweicloud
