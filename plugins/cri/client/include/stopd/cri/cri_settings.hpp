// The operator's settings for a CRI plugin (the "settings" object of providers.cri.* in the host
// config), shared by cri.container and cri.pod_sandbox so both read them the same way.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace stopd::cri {

// Where containerd serves the CRI by default; CRI-O is unix:///var/run/crio/crio.sock.
inline constexpr char kDefaultEndpoint[] = "unix:///run/containerd/containerd.sock";

// JSON Schema (draft 7) of the settings; the host validates them against it before the provider
// is created.
inline constexpr char kSettingsSchema[] = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "CRI plugin settings",
  "type": "object",
  "properties": {
    "endpoint": {
      "description": "The CRI runtime's gRPC endpoint: unix:///path/to.sock (or an absolute socket path). Default unix:///run/containerd/containerd.sock.",
      "type": "string", "minLength": 1, "maxLength": 4096
    },
    "call_timeout_seconds": {
      "description": "Deadline of each status and list call (not of the stop itself). Default 10.",
      "type": "number", "exclusiveMinimum": 0, "maximum": 3600
    },
    "stop_margin_seconds": {
      "description": "How long past the grace the runtime may take to kill and confirm a stop before the call is abandoned (always bounded by the stop's own deadline). Default 30.",
      "type": "number", "minimum": 0, "maximum": 3600
    }
  },
  "additionalProperties": false
})json";

struct CriSettings {
  std::string endpoint = kDefaultEndpoint;  // normalised: always "unix://<absolute path>"
  std::chrono::milliseconds call_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds stop_margin{std::chrono::seconds(30)};
};

// Reads validated settings. Throws std::invalid_argument naming the field for what the schema
// cannot say (an endpoint that is neither unix:// nor an absolute path).
CriSettings parse_settings(const nlohmann::json& settings);

// "unix:///run/x.sock" for "unix:///run/x.sock", "unix:/run/x.sock" or "/run/x.sock". Throws
// std::invalid_argument for anything else: CRI runtimes serve on unix sockets only.
std::string normalise_endpoint(const std::string& endpoint);

}  // namespace stopd::cri
