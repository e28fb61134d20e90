#include "stopd/cri/cri_provider.hpp"

#include "stopd/cri/cri_client.hpp"
#include "stopd/cri/cri_ids.hpp"
#include "stopd/sdk/blocking_stop.hpp"

namespace stopd::cri {

CriProvider::CriProvider(const sdk::ProviderConfig& config, std::string_view id_key,
                         std::string_view kind)
    : client_(std::make_shared<const CriClient>(parse_settings(config.settings))),
      id_key_(id_key),
      kind_(kind) {}

CriProvider::~CriProvider() = default;

std::string CriProvider::id_of(const nlohmann::json& target) const {
  const auto it = target.find(id_key_);
  if (it == target.end() || !it->is_string() || !is_valid_id(it->get_ref<const std::string&>()))
    throw sdk::StopError(sdk::Code::invalid_argument,
                         "target." + id_key_ + ": expected 12 to 64 lowercase hex digits");
  return it->get<std::string>();
}

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

sdk::Inspection CriProvider::absent(const std::string& id) const {
  sdk::Inspection inspection;
  inspection.state = sdk::Inspection::State::absent;
  inspection.summary = "no " + kind_ + " " + id + " in the CRI runtime at " + client_->endpoint();
  inspection.facts = {{id_key_, id}};
  return inspection;
}

}  // namespace stopd::cri
