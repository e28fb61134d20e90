// FunctionGraph: POST /v1.0/{project_id}/cloud_graphs/{graph_urn}/executions/action
// {"action_type": "stop", "executions": {"execution_urn": "…"}} → {"stopped_at": "…Z"}.
// Stopping a stopped execution answers its original stopped_at again.
#include "api_router.hpp"
#include "cloud_state.hpp"

namespace stopd::hwemu {
namespace {

ApiReply bad_request(std::string message) {
  return service_error(Service::functiongraph, 400, "FSS.0400", std::move(message));
}

ApiReply stop_execution(CloudState& state, const ApiCall& call) {
  const auto body = nlohmann::json::parse(call.body, nullptr, false);
  if (body.is_discarded()) return bad_request("The request body is not valid JSON.");
  if (!body.is_object()) return bad_request("The request body must be a JSON object.");
  const auto action = body.find("action_type");
  if (action == body.end() || !action->is_string())
    return bad_request("action_type is required and must be \"stop\".");
  if (*action != "stop")
    return bad_request("Invalid action_type '" + action->get<std::string>() +
                       "': this request only accepts \"stop\".");
  const auto executions = body.find("executions");
  if (executions == body.end() || !executions->is_object() ||
      !executions->contains("execution_urn") || !(*executions)["execution_urn"].is_string())
    return bad_request("executions.execution_urn is required (a string).");
  if (call.caller.read_only)
    return service_error(Service::functiongraph, 403, "FSS.0403",
                         "No permission to stop the workflow execution.");
  const std::string urn = (*executions)["execution_urn"].get<std::string>();
  const auto view = state.stop_execution(call.params[0], call.params[1], urn);
  using Lookup = CloudState::ExecutionView::Lookup;
  if (view.lookup == Lookup::no_graph)
    return service_error(Service::functiongraph, 404, "FSS.1051",
                         "The workflow does not exist: " + call.params[1] + ".");
  if (view.lookup == Lookup::no_execution)
    return service_error(Service::functiongraph, 404, "FSS.1052",
                         "The workflow execution does not exist: " + urn + ".");
  return ok({{"stopped_at", view.stopped_at}});
}

}  // namespace

std::vector<Route> functiongraph_routes(CloudState& state) {
  return {
      {"POST",
       {"v1.0", "*", "cloud_graphs", "*", "executions", "action"},
       Service::functiongraph,
       [&state](const ApiCall& call) { return stop_execution(state, call); }},
  };
}

}  // namespace stopd::hwemu
