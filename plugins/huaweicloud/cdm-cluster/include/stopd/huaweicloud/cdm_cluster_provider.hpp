// huaweicloud.cdm.cluster: stops a Cloud Data Migration cluster
// (POST /v1.1/{project_id}/clusters/{cluster_id}/action, body {"stop": {…}}).
//   graceful with a grace → GRACEFULLY, delayTime = the grace in seconds
//   graceful, unbounded grace (drain) → GRACEFULLY, delayTime -1 (finish the jobs, take no new
//   ones) immediate → IMMEDIATELY
// A cluster already stopped (status 900) is already_stopped without a stop call. The stop is
// asynchronous: with the option {"wait": true} the provider reads the cluster until it reports
// 900, escalating to IMMEDIATELY if the host shortens the grace meanwhile.
#pragma once

#include <memory>

#include "stopd/huaweicloud/configured_client.hpp"
#include "stopd/sdk/provider.hpp"
#include "stopd/sdk/provider_config.hpp"

namespace stopd::huaweicloud {

class CdmClusterProvider final : public sdk::IStopProvider {
 public:
  static constexpr char kName[] = "huaweicloud.cdm.cluster";
  static constexpr char kVersion[] = "1.0.0";
  static constexpr char kDescription[] =
      "Stops a Huawei Cloud CDM (Cloud Data Migration) cluster. Graceful stops send GRACEFULLY "
      "with delayTime = the grace (an unbounded grace sends -1: finish running jobs, accept no "
      "new ones); immediate stops send IMMEDIATELY. Details list the returned jobId values. With "
      "the wait option the cluster is polled until it reports status 900 (stopped).";
  static constexpr const char* kConfigSchema = kSettingsSchema;

  // Throws std::invalid_argument for wrong settings; no settings at all is allowed.
  explicit CdmClusterProvider(const sdk::ProviderConfig& config);

  sdk::ProviderInfo info() const override;
  sdk::StopOutcome stop(const sdk::StopRequest& request, sdk::StopContext& context) override;
  // running (any status but 900/910), stopping (910), stopped (900), absent (404).
  sdk::Inspection inspect(const nlohmann::json& target) override;

 private:
  ConfiguredClient client_;
};

}  // namespace stopd::huaweicloud
