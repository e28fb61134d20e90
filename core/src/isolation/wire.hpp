// The SDK's types on the plugin host protocol (core/proto/stopd/plugin/v1/plugin_host.proto),
// both ways. Shared by stopd and stopd-plugin-host, which are built from the same tree.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "stopd/plugin/v1/plugin_host.pb.h"
#include "stopd/sdk/outcome.hpp"
#include "stopd/sdk/provider.hpp"
#include "stopd/sdk/request.hpp"

namespace stopd::core::wire {

using Clock = std::chrono::steady_clock;
namespace pb = stopd::plugin::v1;

// steady_clock is CLOCK_MONOTONIC on Linux: the same instant in every process.
std::int64_t to_ns(Clock::time_point point);
Clock::time_point from_ns(std::int64_t ns);

nlohmann::json info_to_json(const sdk::ProviderInfo& info);
sdk::ProviderInfo info_from_json(const nlohmann::json& json);  // throws on a malformed one

// `target_json` is request.target's text, dumped by the caller (outside any lock it holds).
void set_request(pb::StartStop& out, const sdk::StopRequest& request, std::string_view target_json);
sdk::StopRequest request_from(const pb::StartStop& message);

void set_outcome(pb::StopCompleted& out, const sdk::StopOutcome& outcome);
sdk::StopOutcome outcome_from(const pb::StopCompleted& message);

// A JSON text from the other side; a malformed one, or one nested deeper or larger than
// bounded_json.hpp allows, is `fallback` (the peer is ours, but a plugin may have produced it).
nlohmann::json parse_or(const std::string& text, nlohmann::json fallback);

// A code number from the other side, `internal` when out of range.
sdk::Code code_from(std::int32_t number);

}  // namespace stopd::core::wire
