// cri.pod_sandbox: stops a pod sandbox of a CRI runtime by id. Records the sandbox's IPs and its
// running containers; graceful stops first give those containers their grace (StopContainer in
// parallel, as kubelet does), then StopPodSandbox force-stops whatever still runs and releases the
// network. Verified afterwards: the sandbox NOTREADY and none of its containers running (those
// that ran exited; those only created stay created: nothing to stop). Details and message: the
// released IPs, the containers stopped, those never started. A repeat stop is already_stopped.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stopd/cri/cri_provider.hpp"
#include "stopd/cri/cri_settings.hpp"

namespace stopd::cri {

class PodSandboxProvider final : public CriProvider {
 public:
  static constexpr char kName[] = "cri.pod_sandbox";
  static constexpr char kVersion[] = "1.0.0";
  static constexpr char kDescription[] =
      "Stops a pod sandbox of a CRI runtime (containerd, CRI-O, iSulad): its running containers "
      "get the grace (StopContainer, in parallel), then StopPodSandbox force-stops what is left "
      "and releases the pod's network (its IPs). Verified afterwards: sandbox NOTREADY, no "
      "container running (created, never started ones are reported as such). Selectors: labels, "
      "pod name, namespace, state.";
  static constexpr const char* kConfigSchema = kSettingsSchema;

  explicit PodSandboxProvider(const sdk::ProviderConfig& config);
  ~PodSandboxProvider() override;

  sdk::ProviderInfo info() const override;
  // running (READY), stopped (NOTREADY), absent (NotFound).
  sdk::Inspection inspect(const nlohmann::json& target) override;
  // Selector → [{"pod_sandbox_id": …}, …]; see pod_sandbox_schemas.cpp.
  std::vector<nlohmann::json> list(const nlohmann::json& selector) override;

 private:
  void start_stop(std::string id, std::shared_ptr<sdk::StopContext> context) override;
};

}  // namespace stopd::cri
