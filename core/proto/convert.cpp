#include "convert.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "stopd/core/input_limits.hpp"

namespace stopd::api {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using nlohmann::json;

constexpr double kLargestExactInteger = 9007199254740992.0;  // 2^53

Struct struct_of(const json& object, int depth);

// `depth`: the objects and arrays around `value`. Values come bounded (limits::kMaxNesting) from
// every parser and plugin; the check keeps the recursion below bounded whatever calls it.
Value to_value(const json& value, const std::string& key, int depth) {
  Value out;
  if (value.is_structured() && depth >= core::limits::kMaxNesting)
    throw std::invalid_argument(key + ": nested more than " +
                                std::to_string(core::limits::kMaxNesting) + " levels deep");
  switch (value.type()) {
    case json::value_t::null:
      out.set_null_value(google::protobuf::NULL_VALUE);
      break;
    case json::value_t::boolean:
      out.set_bool_value(value.get<bool>());
      break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: {
      const double number = value.get<double>();
      if (!value.is_number_float() && std::fabs(number) > kLargestExactInteger)
        throw std::invalid_argument(key + ": the integer " + value.dump() +
                                    " is too large to pass exactly");
      out.set_number_value(number);
      break;
    }
    case json::value_t::string:
      out.set_string_value(value.get<std::string>());
      break;
    case json::value_t::array: {
      auto* list = out.mutable_list_value();
      for (std::size_t i = 0; i < value.size(); ++i)
        *list->add_values() = to_value(value[i], key + "[" + std::to_string(i) + "]", depth + 1);
      break;
    }
    case json::value_t::object:
      *out.mutable_struct_value() = struct_of(value, depth + 1);
      break;
    default:
      throw std::invalid_argument(key + ": not representable");
  }
  return out;
}

json object_of(const Struct& value, int depth);

// protobuf parses a Struct up to 100 messages deep, three per object: one level deeper than stopd
// accepts anywhere else, and then to_struct could not send it back.
json from_value(const Value& value, int depth) {
  if ((value.kind_case() == Value::kListValue || value.kind_case() == Value::kStructValue) &&
      depth >= core::limits::kMaxNesting)
    throw std::invalid_argument("nested more than " + std::to_string(core::limits::kMaxNesting) +
                                " levels deep");
  switch (value.kind_case()) {
    case Value::kNullValue:
      return nullptr;
    case Value::kBoolValue:
      return value.bool_value();
    case Value::kNumberValue: {
      const double number = value.number_value();
      if (std::isfinite(number) && std::trunc(number) == number &&
          std::fabs(number) <= kLargestExactInteger)
        return static_cast<std::int64_t>(number);
      return number;
    }
    case Value::kStringValue:
      return value.string_value();
    case Value::kListValue: {
      json list = json::array();
      for (const auto& item : value.list_value().values())
        list.push_back(from_value(item, depth + 1));
      return list;
    }
    case Value::kStructValue:
      return object_of(value.struct_value(), depth + 1);
    default:
      return nullptr;
  }
}

Struct struct_of(const json& object, int depth) {
  Struct out;
  for (const auto& [key, value] : object.items())
    (*out.mutable_fields())[key] = to_value(value, key, depth);
  return out;
}

json object_of(const Struct& value, int depth) {
  json out = json::object();
  for (const auto& [key, field] : value.fields()) out[key] = from_value(field, depth);
  return out;
}

std::optional<double> seconds_of(const std::optional<std::chrono::milliseconds>& duration) {
  if (!duration) return std::nullopt;
  return static_cast<double>(duration->count()) / 1000.0;
}

}  // namespace

Struct to_struct(const json& object) {
  if (object.is_null()) return Struct();
  if (!object.is_object()) throw std::invalid_argument("expected a JSON object");
  return struct_of(object, 1);
}

json from_struct(const Struct& value) {
  return object_of(value, 1);
}

google::protobuf::Timestamp to_timestamp(std::chrono::system_clock::time_point at) {
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
  google::protobuf::Timestamp out;
  out.set_seconds(ns / 1'000'000'000);
  out.set_nanos(static_cast<std::int32_t>(ns % 1'000'000'000));
  return out;
}

std::chrono::system_clock::time_point from_timestamp(const google::protobuf::Timestamp& at) {
  // The clock counts nanoseconds in 64 bits: about 292 years either side of 1970. A timestamp
  // beyond (a caller's filter for the year 9999) means the end of time the clock can show.
  using Clock = std::chrono::system_clock;
  constexpr std::int64_t kLimit =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::duration::max()).count() - 1;
  if (at.seconds() >= kLimit) return Clock::time_point::max();
  if (at.seconds() <= -kLimit) return Clock::time_point::min();
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
      std::chrono::seconds(at.seconds()) + std::chrono::nanoseconds(at.nanos())));
}

v1::JobState to_proto(core::JobState state) {
  switch (state) {
    case core::JobState::pending:
      return v1::JOB_STATE_PENDING;
    case core::JobState::running:
      return v1::JOB_STATE_RUNNING;
    case core::JobState::finished:
      return v1::JOB_STATE_FINISHED;
  }
  return v1::JOB_STATE_UNSPECIFIED;
}

std::optional<core::JobState> from_proto(v1::JobState state) {
  switch (state) {
    case v1::JOB_STATE_PENDING:
      return core::JobState::pending;
    case v1::JOB_STATE_RUNNING:
      return core::JobState::running;
    case v1::JOB_STATE_FINISHED:
      return core::JobState::finished;
    default:
      return std::nullopt;
  }
}

v1::Job to_proto(const core::Job& job) {
  v1::Job out;
  out.set_id(job.id);
  out.set_state(to_proto(job.state));
  out.set_type(job.request.type);
  *out.mutable_target() = to_struct(job.request.target);
  *out.mutable_options() = to_struct(job.request.options);
  out.set_mode(job.request.mode == sdk::Mode::immediate ? v1::MODE_IMMEDIATE : v1::MODE_GRACEFUL);
  if (job.request.mode == sdk::Mode::graceful)
    if (auto grace = seconds_of(job.request.grace)) out.set_grace_seconds(*grace);
  out.set_dry_run(job.request.dry_run);
  out.set_requester(job.requester);
  out.set_request_id(job.request_id);
  *out.mutable_created() = to_timestamp(job.created);
  if (job.started) *out.mutable_started() = to_timestamp(*job.started);
  if (job.finished) *out.mutable_finished() = to_timestamp(*job.finished);
  *out.mutable_deadline() = to_timestamp(job.deadline);
  if (job.force_at) *out.mutable_force_at() = to_timestamp(*job.force_at);
  out.set_attempts(job.attempts);
  out.set_resumed(job.resumed);
  out.set_stop_id(job.stop_id);
  out.set_joined(job.joined);
  if (job.outcome) {
    auto* outcome = out.mutable_outcome();
    outcome->set_code(std::string(sdk::to_string(job.outcome->code)));
    outcome->set_message(job.outcome->message);
    outcome->set_forced(job.outcome->forced);
    if (job.outcome->details.is_object())
      *outcome->mutable_details() = to_struct(job.outcome->details);
  }
  return out;
}

core::Job from_proto(const v1::Job& job) {
  core::Job out;
  out.id = job.id();
  out.state = from_proto(job.state()).value_or(core::JobState::pending);
  out.request.type = job.type();
  out.request.target = from_struct(job.target());
  out.request.options = from_struct(job.options());
  out.request.mode = job.mode() == v1::MODE_IMMEDIATE ? sdk::Mode::immediate : sdk::Mode::graceful;
  out.request.grace = job.has_grace_seconds()
                          ? std::optional<std::chrono::milliseconds>(std::chrono::milliseconds(
                                static_cast<long long>(std::llround(job.grace_seconds() * 1000.0))))
                          : std::nullopt;
  out.request.dry_run = job.dry_run();
  out.requester = job.requester();
  out.request_id = job.request_id();
  out.created = from_timestamp(job.created());
  if (job.has_started()) out.started = from_timestamp(job.started());
  if (job.has_finished()) out.finished = from_timestamp(job.finished());
  out.deadline = from_timestamp(job.deadline());
  if (job.has_force_at()) out.force_at = from_timestamp(job.force_at());
  out.attempts = job.attempts();
  out.resumed = job.resumed();
  out.stop_id = job.stop_id();
  out.joined = job.joined();
  if (job.has_outcome()) {
    sdk::StopOutcome outcome;
    outcome.code = sdk::code_from_string(job.outcome().code()).value_or(sdk::Code::internal);
    outcome.message = job.outcome().message();
    outcome.forced = job.outcome().forced();
    outcome.details = from_struct(job.outcome().details());
    out.outcome = std::move(outcome);
  }
  return out;
}

v1::Provider to_proto(const core::RegisteredProvider& provider) {
  v1::Provider out;
  out.set_name(provider.info.name);
  out.set_version(provider.info.version);
  out.set_description(provider.info.description);
  out.set_library(provider.library.string());
  auto* capabilities = out.mutable_capabilities();
  capabilities->set_asynchronous(provider.info.capabilities.asynchronous);
  capabilities->set_inspect(provider.info.capabilities.inspect);
  capabilities->set_list(provider.info.capabilities.list);
  capabilities->set_drain(provider.info.capabilities.drain);
  out.set_concurrency(provider.concurrency);
  *out.mutable_target_schema() = to_struct(provider.info.target_schema);
  *out.mutable_options_schema() = to_struct(provider.info.options_schema);
  *out.mutable_selector_schema() = to_struct(provider.info.selector_schema);
  out.set_isolation(provider.plugin_host ? "process" : "in_process");
  if (provider.plugin_host) {
    const core::PluginHostStatus status = provider.plugin_host->status();
    auto& host = *out.mutable_plugin_host();
    host.set_state(core::to_string(status.state));
    host.set_restarts(status.restarts);
    host.set_last_exit(status.last_exit);
    host.set_pid(static_cast<std::uint32_t>(status.pid));
  }
  return out;
}

}  // namespace stopd::api
