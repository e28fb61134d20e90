// The two CDM calls the provider makes, and what their answers mean.
//   GET  /v1.1/{project_id}/clusters/{cluster_id}          → {"status": "200", …}
//   POST /v1.1/{project_id}/clusters/{cluster_id}/action   {"stop": {"stopMode": …, "delayTime":
//   …}}
//                                                          → {"jobId": ["…"]}
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "stopd/huaweicloud/api_client.hpp"

namespace stopd::huaweicloud::cdm {

inline constexpr int kStatusStopped = 900;
inline constexpr int kStatusStopping = 910;

struct ClusterRef {
  std::string project_id;
  std::string cluster_id;

  // "cluster <id> of project <id>", for messages.
  std::string describe() const;
};

// The stop body's two fields. `delay_seconds` only with graceful: -1 = finish the jobs first.
struct StopMode {
  bool immediately = false;
  int delay_seconds = -1;

  nlohmann::json body() const;   // {"stop": {"stopMode": "GRACEFULLY", "delayTime": 30}}
  nlohmann::json facts() const;  // {"stop_mode": "GRACEFULLY", "delay_time": 30}
};

ApiRequest get_cluster_request(const ClusterRef& cluster);
ApiRequest stop_cluster_request(const ClusterRef& cluster, const StopMode& mode);

// The cluster's status code from a GET answer ("900" or 900); nullopt if the body has none.
std::optional<int> cluster_status(const ApiResponse& response);
// "900 (stopped)".
std::string describe_status(int status);

// The jobId list of a stop answer (empty if absent).
std::vector<std::string> job_ids(const ApiResponse& response);

}  // namespace stopd::huaweicloud::cdm
