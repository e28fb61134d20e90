#include "stopd/huaweicloud/id_rule.hpp"

#include "stopd/sdk/outcome.hpp"

namespace stopd::huaweicloud {
namespace {

// The offending value as JSON (control characters escaped), cut short: it is hostile input.
std::string quoted(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

}  // namespace

IdRule::IdRule(std::string field, const std::string& pattern, std::string expectation,
               std::size_t max_bytes)
    : field_(std::move(field)),
      pattern_(pattern, std::regex::ECMAScript),
      expectation_(std::move(expectation)),
      max_bytes_(max_bytes) {}

std::string IdRule::check(const nlohmann::json& value, const std::string& where) const {
  const std::string key = where + "." + field_;
  if (!value.is_string())
    throw sdk::StopError(sdk::Code::invalid_argument,
                         key + ": expected a string (" + expectation_ + "), got " + quoted(value));
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() > max_bytes_)
    throw sdk::StopError(sdk::Code::invalid_argument,
                         key + ": expected at most " + std::to_string(max_bytes_) + " bytes, got " +
                             std::to_string(text.size()));
  if (!std::regex_search(text, pattern_))
    throw sdk::StopError(sdk::Code::invalid_argument,
                         key + ": expected " + expectation_ + ", got " + quoted(value));
  return text;
}

std::string IdRule::require(const nlohmann::json& object, const std::string& where) const {
  if (!object.is_object() || !object.contains(field_))
    throw sdk::StopError(sdk::Code::invalid_argument,
                         where + "." + field_ + ": is required (" + expectation_ + ")");
  return check(object[field_], where);
}

std::optional<std::string> IdRule::optional(const nlohmann::json& object,
                                            const std::string& where) const {
  if (!object.is_object() || !object.contains(field_)) return std::nullopt;
  return check(object[field_], where);
}

}  // namespace stopd::huaweicloud
