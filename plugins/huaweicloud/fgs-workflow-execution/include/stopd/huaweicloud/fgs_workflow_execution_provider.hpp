// huaweicloud.fgs.workflow_execution: stops a FunctionGraph workflow execution
// (POST /v1.0/{project_id}/cloud_graphs/{graph_urn}/executions/action with
// {"action_type": "stop", "executions": {"execution_urn": …}}). The answer's stopped_at, when
// the execution stopped, is in the outcome's details. The API has no state read, so the plugin
// cannot inspect (dry runs validate only).
#pragma once

#include "stopd/huaweicloud/configured_client.hpp"
#include "stopd/sdk/provider.hpp"
#include "stopd/sdk/provider_config.hpp"

namespace stopd::huaweicloud {

class FgsWorkflowExecutionProvider final : public sdk::IStopProvider {
 public:
  static constexpr char kName[] = "huaweicloud.fgs.workflow_execution";
  static constexpr char kVersion[] = "1.0.0";
  static constexpr char kDescription[] =
      "Stops a Huawei Cloud FunctionGraph workflow execution, named by its graph URN and "
      "execution URN. Details carry stopped_at, the time FunctionGraph stopped it.";
  static constexpr const char* kConfigSchema = kSettingsSchema;

  explicit FgsWorkflowExecutionProvider(const sdk::ProviderConfig& config);

  sdk::ProviderInfo info() const override;
  sdk::StopOutcome stop(const sdk::StopRequest& request, sdk::StopContext& context) override;

 private:
  ConfiguredClient client_;
};

}  // namespace stopd::huaweicloud
