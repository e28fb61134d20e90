// DLF: GET  /v1/{project_id}/scripts/{script_name}/instances/{instance_id}
//      POST /v1/{project_id}/scripts/{script_name}/instances/{instance_id}/stop  → 204
// The optional `workspace` header picks the workspace ("default" without it). Every refusal is
// HTTP 400 with DLF's own code, as DLF documents.
#include "api_router.hpp"
#include "cloud_state.hpp"

namespace stopd::hwemu {
namespace {

struct InstanceKey {
  std::string project;
  std::string workspace;
  std::string script;
  std::string instance;
};

InstanceKey key_of(const ApiCall& call) {
  return {call.params[0], call.header("workspace").value_or("default"), call.params[1],
          call.params[2]};
}

std::optional<ApiReply> lookup_error(CloudState::Lookup lookup, const InstanceKey& key) {
  switch (lookup) {
    case CloudState::Lookup::no_script:
      return service_error(
          Service::dlf, 400, "DLF.6201",
          "The script does not exist: " + key.script + " (workspace " + key.workspace + ").");
    case CloudState::Lookup::no_instance:
      return service_error(Service::dlf, 400, "DLF.6205",
                           "The script running history does not exist.");
    case CloudState::Lookup::found:
      break;
  }
  return std::nullopt;
}

ApiReply show_instance(CloudState& state, const ApiCall& call) {
  const InstanceKey key = key_of(call);
  const auto view = state.script_instance(key.project, key.workspace, key.script, key.instance);
  if (auto error = lookup_error(view.lookup, key)) return *error;
  return ok({{"id", key.instance}, {"status", view.status}, {"results", nlohmann::json::array()}});
}

ApiReply stop_instance(CloudState& state, const ApiCall& call) {
  const InstanceKey key = key_of(call);
  if (call.caller.read_only)
    return service_error(Service::dlf, 400, "DLF.6888", "No permission to perform this operation.");
  const auto view =
      state.stop_script_instance(key.project, key.workspace, key.script, key.instance);
  if (auto error = lookup_error(view.lookup, key)) return *error;
  return no_content();
}

}  // namespace

std::vector<Route> dlf_routes(CloudState& state) {
  return {
      {"GET",
       {"v1", "*", "scripts", "*", "instances", "*"},
       Service::dlf,
       [&state](const ApiCall& call) { return show_instance(state, call); }},
      {"POST",
       {"v1", "*", "scripts", "*", "instances", "*", "stop"},
       Service::dlf,
       [&state](const ApiCall& call) { return stop_instance(state, call); }},
  };
}

}  // namespace stopd::hwemu
