// cri.container: stops one container of a CRI runtime (containerd, CRI-O, iSulad) by id.
// Graceful: StopContainer(timeout = the grace), so the runtime sends the image's stop signal,
// waits, then kills; immediate: StopContainer(timeout = 0). The container's status is read before
// (exited → already_stopped without a stop call; unknown id → not_found) and after (exit code,
// finish time, `forced` when it was killed); it is never reported stopped while the runtime still
// shows it running. Asynchronous: every call goes through gRPC's callback API.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stopd/cri/cri_provider.hpp"
#include "stopd/cri/cri_settings.hpp"

namespace stopd::cri {

class ContainerProvider final : public CriProvider {
 public:
  static constexpr char kName[] = "cri.container";
  static constexpr char kVersion[] = "1.0.0";
  static constexpr char kDescription[] =
      "Stops a container of a CRI runtime (containerd, CRI-O, iSulad) through StopContainer: the "
      "runtime sends the container's stop signal, waits for the grace, then kills it. The "
      "container's status is checked before (an exited container is already_stopped) and after "
      "(exit code, finish time, forced when it had to be killed). Selectors: labels, pod name, "
      "namespace, state.";
  static constexpr const char* kConfigSchema = kSettingsSchema;

  // Throws std::invalid_argument for settings the schema cannot check (the endpoint's form).
  explicit ContainerProvider(const sdk::ProviderConfig& config);
  ~ContainerProvider() override;

  sdk::ProviderInfo info() const override;
  // running (or unknown → running), stopped (created or exited), absent (NotFound).
  sdk::Inspection inspect(const nlohmann::json& target) override;
  // Selector → [{"container_id": …}, …]; see container_schemas.cpp.
  std::vector<nlohmann::json> list(const nlohmann::json& selector) override;

 private:
  void start_stop(std::string id, std::shared_ptr<sdk::StopContext> context) override;
};

}  // namespace stopd::cri
