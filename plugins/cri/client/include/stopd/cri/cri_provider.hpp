// What cri.container and cri.pod_sandbox share: one CriClient built from the plugin settings, the
// target parsed by its declaration before anything reaches the runtime, dry runs left to
// inspect(), stop() on top of the asynchronous start(), and the NotFound answer of inspect().
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "stopd/cri/cri_fields.hpp"
#include "stopd/sdk/provider.hpp"
#include "stopd/sdk/provider_config.hpp"

namespace stopd::cri {

class CriClient;

class CriProvider : public sdk::IStopProvider {
 public:
  ~CriProvider() override;

  void start(const sdk::StopRequest& request, std::shared_ptr<sdk::StopContext> context) final;
  sdk::StopOutcome stop(const sdk::StopRequest& request, sdk::StopContext& context) final;

  const CriClient& client() const { return *client_; }

 protected:
  // `target`: the plugin's target declaration (a static); `kind`: how messages name the resource.
  // Throws std::invalid_argument for settings the schema cannot check (the endpoint's form).
  CriProvider(const sdk::ProviderConfig& config, const sdk::Fields<IdTarget>& target,
              std::string_view kind);

  // Begins the stop of `id` (already validated); completes `context` exactly once.
  virtual void start_stop(std::string id, std::shared_ptr<sdk::StopContext> context) = 0;

  // The target's id; a StopError (invalid_argument) naming the field when it is not a CRI id.
  // The host validated the target against the schema, but a direct caller may not have, and an id
  // that is not one must never reach the runtime.
  std::string id_of(const nlohmann::json& target) const { return target_.parse(target).id; }

  // What inspect() reports for a target (one id_of() accepted) the runtime does not know.
  sdk::Inspection absent(const nlohmann::json& target, const std::string& id) const;

  std::shared_ptr<const CriClient> client_;

 private:
  const sdk::Fields<IdTarget>& target_;
  std::string kind_;
};

}  // namespace stopd::cri
