// The FunctionGraph call the provider makes:
//   POST /v1.0/{project_id}/cloud_graphs/{graph_urn}/executions/action
//   {"action_type": "stop", "executions": {"execution_urn": "…"}}  → {"stopped_at": "…Z"}
#pragma once

#include <optional>
#include <string>

#include "stopd/huaweicloud/api_client.hpp"

namespace stopd::huaweicloud::fgs {

struct ExecutionRef {
  std::string project_id;
  std::string graph_urn;
  std::string execution_urn;

  std::string describe() const;  // "execution <urn>"
};

nlohmann::json stop_body(const ExecutionRef& execution);
ApiRequest stop_execution_request(const ExecutionRef& execution);

// The answer's stopped_at; nullopt if absent or empty.
std::optional<std::string> stopped_at(const ApiResponse& response);

}  // namespace stopd::huaweicloud::fgs
