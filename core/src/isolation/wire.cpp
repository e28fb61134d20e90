#include "wire.hpp"

#include <limits>

#include "stopd/core/bounded_json.hpp"

namespace stopd::core::wire {

std::int64_t to_ns(Clock::time_point point) {
  if (point == Clock::time_point::max()) return std::numeric_limits<std::int64_t>::max();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(point.time_since_epoch()).count();
}

Clock::time_point from_ns(std::int64_t ns) {
  if (ns == std::numeric_limits<std::int64_t>::max()) return Clock::time_point::max();
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

nlohmann::json info_to_json(const sdk::ProviderInfo& info) {
  return {{"name", info.name},
          {"version", info.version},
          {"description", info.description},
          {"target_schema", info.target_schema},
          {"options_schema", info.options_schema},
          {"selector_schema", info.selector_schema},
          {"capabilities",
           {{"asynchronous", info.capabilities.asynchronous},
            {"inspect", info.capabilities.inspect},
            {"list", info.capabilities.list},
            {"drain", info.capabilities.drain}}},
          {"default_concurrency", info.default_concurrency}};
}

sdk::ProviderInfo info_from_json(const nlohmann::json& json) {
  sdk::ProviderInfo info;
  info.name = json.at("name").get<std::string>();
  info.version = json.at("version").get<std::string>();
  info.description = json.at("description").get<std::string>();
  info.target_schema = json.at("target_schema");
  info.options_schema = json.at("options_schema");
  info.selector_schema = json.at("selector_schema");
  const auto& capabilities = json.at("capabilities");
  info.capabilities.asynchronous = capabilities.at("asynchronous").get<bool>();
  info.capabilities.inspect = capabilities.at("inspect").get<bool>();
  info.capabilities.list = capabilities.at("list").get<bool>();
  info.capabilities.drain = capabilities.at("drain").get<bool>();
  info.default_concurrency = json.at("default_concurrency").get<unsigned>();
  return info;
}

namespace {

// The SDK's default for options and details, an empty object, travels as no text at all (and
// parse_or's fallback restores it): the common case costs no dump and no parse.
std::string json_text(const nlohmann::json& value) {
  if (value.is_object() && value.empty()) return {};
  // A plugin's details may hold text that is not UTF-8; the host contains it on arrival.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void set_request(pb::StartStop& out, const sdk::StopRequest& request,
                 std::string_view target_json) {
  out.set_type(request.type);
  out.set_target_json(std::string(target_json));
  out.set_options_json(json_text(request.options));
  out.set_immediate(request.mode == sdk::Mode::immediate);
  out.set_grace_ms(request.grace ? request.grace->count() : -1);
  out.set_dry_run(request.dry_run);
}

sdk::StopRequest request_from(const pb::StartStop& message) {
  sdk::StopRequest request;
  request.type = message.type();
  request.target = parse_or(message.target_json(), nlohmann::json::object());
  request.options = parse_or(message.options_json(), nlohmann::json::object());
  request.mode = message.immediate() ? sdk::Mode::immediate : sdk::Mode::graceful;
  if (message.grace_ms() < 0)
    request.grace.reset();
  else
    request.grace = std::chrono::milliseconds(message.grace_ms());
  request.dry_run = message.dry_run();
  return request;
}

void set_outcome(pb::StopCompleted& out, const sdk::StopOutcome& outcome) {
  out.set_code(static_cast<std::int32_t>(outcome.code));
  out.set_message(outcome.message);
  out.set_forced(outcome.forced);
  out.set_details_json(json_text(outcome.details));
}

sdk::StopOutcome outcome_from(const pb::StopCompleted& message) {
  sdk::StopOutcome outcome;
  outcome.code = code_from(message.code());
  outcome.message = message.message();
  outcome.forced = message.forced();
  outcome.details = parse_or(message.details_json(), nlohmann::json::object());
  return outcome;
}

nlohmann::json parse_or(const std::string& text, nlohmann::json fallback) {
  if (text.empty()) return fallback;
  // Bounded (bounded_json.hpp): a plugin shapes what its host sends, and a value nested a million
  // deep parses without recursion but overflows stopd's stack when it is next copied, dumped or
  // destroyed (tests/fuzz/regressions/plugin_frames/).
  try {
    return parse_bounded_json(text);
  } catch (const std::exception&) {
    return fallback;
  }
}

sdk::Code code_from(std::int32_t number) {
  if (number < 0 || static_cast<std::size_t>(number) >= sdk::kCodeNames.size())
    return sdk::Code::internal;
  return static_cast<sdk::Code>(number);
}

}  // namespace stopd::core::wire
