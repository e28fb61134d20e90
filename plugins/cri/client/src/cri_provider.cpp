#include "stopd/cri/cri_provider.hpp"

#include "stopd/cri/cri_client.hpp"
#include "stopd/sdk/blocking_stop.hpp"

namespace stopd::cri {

CriProvider::CriProvider(const sdk::ProviderConfig& config, const sdk::Fields<IdTarget>& target,
                         std::string_view kind)
    : client_(std::make_shared<const CriClient>(parse_settings(config.settings))),
      target_(target),
      kind_(kind) {}

CriProvider::~CriProvider() = default;

void CriProvider::start(const sdk::StopRequest& request,
                        std::shared_ptr<sdk::StopContext> context) {
  std::string id;
  try {
    id = id_of(request.target);
  } catch (const sdk::StopError& error) {
    context->complete(sdk::StopOutcome::make(error.code(), error.what()));
    return;
  }
  if (request.dry_run) {
    context->complete(
        sdk::StopOutcome::make(sdk::Code::failed_precondition,
                               "dry runs are answered by inspect(); start() changes things"));
    return;
  }
  start_stop(std::move(id), std::move(context));
}

sdk::StopOutcome CriProvider::stop(const sdk::StopRequest& request, sdk::StopContext& context) {
  return sdk::run_blocking(
      context, [&](std::shared_ptr<sdk::StopContext> relay) { start(request, std::move(relay)); });
}

sdk::Inspection CriProvider::absent(const nlohmann::json& target, const std::string& id) const {
  sdk::Inspection inspection;
  inspection.state = sdk::Inspection::State::absent;
  inspection.summary = "no " + kind_ + " " + id + " in the CRI runtime at " + client_->endpoint();
  inspection.facts = target;
  return inspection;
}

}  // namespace stopd::cri
