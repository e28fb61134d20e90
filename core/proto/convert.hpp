// Between stopd.v1 messages and the core's types, for the daemon's service and stopctl's client
// alike, so both sides agree on every field.
#pragma once

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

#include "stopd/core/job.hpp"
#include "stopd/core/registry.hpp"
#include "stopd/v1/stopd.pb.h"

namespace stopd::api {

// A JSON object as a Struct. Numbers become doubles (protobuf's only number); integers beyond
// 2^53 cannot survive that and are refused (std::invalid_argument naming the key), as is a value
// nested deeper than limits::kMaxNesting, which protobuf could not parse back.
google::protobuf::Struct to_struct(const nlohmann::json& object);
// A Struct as a JSON object; a whole-number double becomes an integer again, so {"pid": 42}
// round-trips as an integer. Throws std::invalid_argument for one nested past
// limits::kMaxNesting (protobuf lets one level more through).
nlohmann::json from_struct(const google::protobuf::Struct& value);

google::protobuf::Timestamp to_timestamp(std::chrono::system_clock::time_point at);
std::chrono::system_clock::time_point from_timestamp(const google::protobuf::Timestamp& at);

v1::JobState to_proto(core::JobState state);
std::optional<core::JobState> from_proto(v1::JobState state);  // nullopt for UNSPECIFIED

v1::Job to_proto(const core::Job& job);
core::Job from_proto(const v1::Job& job);

v1::Provider to_proto(const core::RegisteredProvider& provider);

}  // namespace stopd::api
