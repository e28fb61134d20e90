// The emulator's world, read from a JSON file (--fixture): who may call, and the clusters,
// script instances and workflow executions that exist. See fixtures/demo.json.
//
// {
//   "credentials": {
//     "tokens":      [{"token": "…", "project_id": "…", "read_only": false}],
//     "access_keys": [{"access_key": "…", "secret_key": "…", "project_id": "…"}]
//   },
//   "cdm": {"clusters": [{"project_id", "cluster_id", "name", "status": 200,
//                         "jobs": [{"name": "sync", "duration_ms": 3000}]}],
//           "delay_second_ms": 1000},
//   "dlf": {"script_instances": [{"project_id", "script_name", "instance_id",
//                                 "workspace": "default", "status": "RUNNING",
//                                 "stop_delay_ms": 0}]},
//   "functiongraph": {"executions": [{"project_id", "graph_urn", "execution_urn",
//                                     "status": "RUNNING"}]}
// }
#pragma once

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace stopd::hwemu {

struct TokenGrant {
  std::string token;
  std::string project_id;
  bool read_only = false;  // may read, and is refused by each service's own permission error
};

struct AccessKeyGrant {
  std::string access_key;
  std::string secret_key;
  std::string project_id;
  bool read_only = false;
};

struct ClusterJobSpec {
  std::string name;
  std::chrono::milliseconds duration{0};  // from the fixture's load (or the last reset)
};

struct ClusterSpec {
  std::string project_id;
  std::string cluster_id;
  std::string name;
  int status = 200;
  std::vector<ClusterJobSpec> jobs;
};

struct ScriptInstanceSpec {
  std::string project_id;
  std::string script_name;
  std::string instance_id;
  std::string workspace = "default";
  std::string status = "RUNNING";
  // How long a stopped instance keeps reporting RUNNING before it reads FAILED.
  std::chrono::milliseconds stop_delay{0};
};

struct ExecutionSpec {
  std::string project_id;
  std::string graph_urn;
  std::string execution_urn;
  std::string status = "RUNNING";
};

struct Fixture {
  // How long one second of a CDM stop's delayTime lasts: shorter than 1000 for tests that make
  // graceful stops, which CDM always waits out in full, without waiting for real seconds.
  std::chrono::milliseconds cdm_delay_second{1000};
  std::vector<TokenGrant> tokens;
  std::vector<AccessKeyGrant> access_keys;
  std::vector<ClusterSpec> clusters;
  std::vector<ScriptInstanceSpec> script_instances;
  std::vector<ExecutionSpec> executions;
};

// Throws std::runtime_error naming the file and the field.
Fixture load_fixture(const std::filesystem::path& file);
Fixture parse_fixture(const nlohmann::json& document);

}  // namespace stopd::hwemu
