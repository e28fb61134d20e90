// The settings every Huawei Cloud plugin takes (providers.<type>.settings in the host config):
//
//   "endpoint": "https://cdm.cn-north-4.myhuaweicloud.com"   or   "region": "cn-north-4"
//   "endpoint_template": "https://cdm.{region}.myhuaweicloud.com"   (each plugin has a default)
//   "auth": {"token": SECRET} | {"access_key": SECRET, "secret_key": SECRET[, "security_token":
//   SECRET]} "tls": {"ca_file": "/etc/ssl/certs/ca.pem", "verify": true} "connect_timeout_ms":
//   5000, "request_timeout_ms": 30000 "retry": {"max_attempts": 5, "initial_backoff_ms": 200,
//   "max_backoff_ms": 5000} "rate_limit": {"requests_per_second": 30, "burst": 30}      (0 turns a
//   default limit off) "max_connections": 64, "poll_interval_ms": 2000
//
// SECRET = "inline" | {"env": "NAME"} | {"file": "/path"}.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "stopd/huaweicloud/credentials.hpp"
#include "stopd/huaweicloud/retry_policy.hpp"

namespace stopd::huaweicloud {

struct RateLimit {
  double requests_per_second = 0;
  double burst = 1;
};

struct ClientSettings {
  std::string endpoint;  // base URL without a trailing '/': "https://host[:port][/prefix]"
  Credentials credentials;
  std::optional<std::string> ca_file;
  bool verify_tls = true;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  RetrySettings retry;
  std::optional<RateLimit> rate_limit;
  unsigned max_connections = 64;
  // false: a new connection for every request. Only the benchmark's baseline wants this.
  bool reuse_connections = true;
};

// What differs between the three services.
struct ServiceDefaults {
  std::string_view service;            // "CDM": used in messages
  std::string_view endpoint_template;  // "https://cdm.{region}.myhuaweicloud.com"
  std::optional<RateLimit> rate_limit;
};

struct PluginSettings {
  // False when the operator gave no settings at all: the plugin loads (so that stopctl lists and
  // describes it) and every stop fails with failed_precondition saying what to configure.
  bool configured = false;
  ClientSettings client;
  std::chrono::milliseconds poll_interval{std::chrono::seconds(2)};
};

// Throws std::invalid_argument naming the field ("settings.region: …").
PluginSettings parse_plugin_settings(const nlohmann::json& settings,
                                     const ServiceDefaults& defaults);

// "https://cdm.{region}.myhuaweicloud.com" + "cn-north-4".
std::string endpoint_for_region(std::string_view endpoint_template, std::string_view region);

// The JSON Schema (draft 7) of the settings above, shared by the three plugins.
inline constexpr char kSettingsSchema[] = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "Huawei Cloud plugin settings",
  "description": "Where the service is (endpoint, or region with endpoint_template), how to authenticate (auth), and the client's limits. Secrets are a string, {\"env\": \"NAME\"} or {\"file\": \"/path\"}.",
  "type": "object",
  "properties": {
    "endpoint": {
      "description": "The service's base URL, e.g. https://cdm.cn-north-4.myhuaweicloud.com (or the emulator's http://127.0.0.1:PORT).",
      "type": "string", "pattern": "^https?://[^\\s/?#]+(/[^\\s?#]*)?$", "maxLength": 2048
    },
    "region": {
      "description": "The region, e.g. cn-north-4: the endpoint is endpoint_template with {region} replaced.",
      "type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"
    },
    "endpoint_template": {
      "description": "Overrides the plugin's regional endpoint template; must contain {region}.",
      "type": "string", "pattern": "^https?://[^\\s?#]*\\{region\\}[^\\s?#]*$", "maxLength": 2048
    },
    "auth": {
      "description": "An IAM token (X-Auth-Token), or an access key pair (AK/SK request signing, SDK-HMAC-SHA256).",
      "type": "object",
      "properties": {
        "token": {"$ref": "#/definitions/secret"},
        "access_key": {"$ref": "#/definitions/secret"},
        "secret_key": {"$ref": "#/definitions/secret"},
        "security_token": {"$ref": "#/definitions/secret"}
      },
      "additionalProperties": false,
      "oneOf": [
        {"title": "token", "required": ["token"],
         "not": {"anyOf": [{"required": ["access_key"]}, {"required": ["secret_key"]}, {"required": ["security_token"]}]}},
        {"title": "AK/SK", "required": ["access_key", "secret_key"], "not": {"required": ["token"]}}
      ]
    },
    "tls": {
      "type": "object",
      "properties": {
        "ca_file": {"description": "CA bundle (PEM) to verify the service against instead of the system's.", "type": "string", "minLength": 1},
        "verify": {"description": "Verify the service's certificate (default true). Turning it off is logged as a warning.", "type": "boolean"}
      },
      "additionalProperties": false
    },
    "connect_timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000},
    "request_timeout_ms": {"type": "integer", "minimum": 1, "maximum": 3600000},
    "retry": {
      "type": "object",
      "properties": {
        "max_attempts": {"type": "integer", "minimum": 1, "maximum": 20},
        "initial_backoff_ms": {"type": "integer", "minimum": 1, "maximum": 60000},
        "max_backoff_ms": {"type": "integer", "minimum": 1, "maximum": 300000}
      },
      "additionalProperties": false
    },
    "rate_limit": {
      "description": "Client-side limit on requests per second for this plugin (0 = none).",
      "type": "object",
      "properties": {
        "requests_per_second": {"type": "number", "minimum": 0, "maximum": 100000},
        "burst": {"type": "integer", "minimum": 1, "maximum": 100000}
      },
      "required": ["requests_per_second"],
      "additionalProperties": false
    },
    "max_connections": {"description": "Connections (and concurrent requests) per endpoint.", "type": "integer", "minimum": 1, "maximum": 1024},
    "poll_interval_ms": {"description": "How often a stop with the wait option reads the resource's state.", "type": "integer", "minimum": 10, "maximum": 600000}
  },
  "additionalProperties": false,
  "not": {"required": ["endpoint", "region"]},
  "definitions": {
    "secret": {
      "oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "object", "properties": {"env": {"type": "string", "minLength": 1}}, "required": ["env"], "additionalProperties": false},
        {"type": "object", "properties": {"file": {"type": "string", "minLength": 1}}, "required": ["file"], "additionalProperties": false}
      ]
    }
  }
})json";

}  // namespace stopd::huaweicloud
