// huaweicloud.dlf.script_instance: stops a DataArts Factory (DLF) script instance
// (POST /v1/{project_id}/scripts/{script_name}/instances/{instance_id}/stop, HTTP 204), in the
// workspace given by the target (the `workspace` header; DLF's default workspace without it).
// An instance that already ended (FINISHED or FAILED) is already_stopped without a stop call;
// DLF.6205 (no such run) is not_found. With {"wait": true} the instance is read until it ends.
#pragma once

#include "stopd/huaweicloud/configured_client.hpp"
#include "stopd/sdk/provider.hpp"
#include "stopd/sdk/provider_config.hpp"

namespace stopd::huaweicloud {

class DlfScriptInstanceProvider final : public sdk::IStopProvider {
 public:
  static constexpr char kName[] = "huaweicloud.dlf.script_instance";
  static constexpr char kVersion[] = "1.0.0";
  static constexpr char kDescription[] =
      "Stops a Huawei Cloud DataArts Factory (DLF) script instance, optionally in a workspace. "
      "An instance that already ended (FINISHED or FAILED) is reported already_stopped; an "
      "unknown run (DLF.6205) not_found. With the wait option the instance is polled until it "
      "ends. DLF allows 30 requests/s per user: the plugin limits itself to that by default "
      "(settings.rate_limit).";
  static constexpr const char* kConfigSchema = kSettingsSchema;

  explicit DlfScriptInstanceProvider(const sdk::ProviderConfig& config);

  sdk::ProviderInfo info() const override;
  sdk::StopOutcome stop(const sdk::StopRequest& request, sdk::StopContext& context) override;
  // running (LAUNCHING, RUNNING), stopped (FINISHED, FAILED), absent (DLF.6205).
  sdk::Inspection inspect(const nlohmann::json& target) override;

 private:
  ConfiguredClient client_;
};

}  // namespace stopd::huaweicloud
