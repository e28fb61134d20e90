// The two DLF calls the provider makes, and what their answers mean.
//   GET  /v1/{project_id}/scripts/{script_name}/instances/{instance_id}       → {"status":
//   "RUNNING", …} POST /v1/{project_id}/scripts/{script_name}/instances/{instance_id}/stop  → 204
// Both carry the `workspace` header when the target names one. DLF answers every refusal with
// HTTP 400 and its own code; the codes that mean something else are mapped here.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "stopd/huaweicloud/api_client.hpp"
#include "stopd/huaweicloud/outcome_mapping.hpp"

namespace stopd::huaweicloud::dlf {

struct InstanceRef {
  std::string project_id;
  std::string script_name;
  std::string instance_id;
  std::optional<std::string> workspace;

  std::string describe() const;  // "instance I of script S (workspace W)"
};

inline constexpr std::array<ErrorCodeMapping, 3> kErrorCodes = {{
    {"DLF.6205", sdk::Code::not_found},          // the script running history does not exist
    {"DLF.6201", sdk::Code::not_found},          // the script does not exist
    {"DLF.6888", sdk::Code::permission_denied},  // no permission
}};

ApiRequest get_instance_request(const InstanceRef& instance);
ApiRequest stop_instance_request(const InstanceRef& instance);

// "RUNNING" etc. from a GET answer; nullopt if the body has no status.
std::optional<std::string> instance_status(const ApiResponse& response);
// FINISHED or FAILED: the instance no longer runs.
bool has_ended(const std::string& status);

}  // namespace stopd::huaweicloud::dlf
