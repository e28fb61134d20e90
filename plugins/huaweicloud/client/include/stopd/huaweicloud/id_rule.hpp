// The provider's own check of every id it puts in a path, header or body. The host validates
// targets against the same patterns (the target schema) first; the provider repeats the check
// because it can be called directly, and because an id that escapes its path segment is a
// security bug, not a validation nicety.
#pragma once

#include <nlohmann/json.hpp>
#include <regex>
#include <string>

namespace stopd::huaweicloud {

class IdRule {
 public:
  // `pattern` is the target schema's pattern for the field (ECMAScript, as valijson reads it);
  // `expectation` says it in words for the error message.
  IdRule(std::string field, const std::string& pattern, std::string expectation,
         std::size_t max_bytes);

  // object[field] as a string. Throws sdk::StopError(invalid_argument,
  // "target.cluster_id: expected …, got \"a/b\"") if it is missing, not a string or off-pattern.
  std::string require(const nlohmann::json& object, const std::string& where = "target") const;
  // Like require(), but an absent field is nullopt.
  std::optional<std::string> optional(const nlohmann::json& object,
                                      const std::string& where = "target") const;

  const std::string& field() const { return field_; }

 private:
  std::string check(const nlohmann::json& value, const std::string& where) const;

  std::string field_;
  std::regex pattern_;
  std::string expectation_;
  std::size_t max_bytes_;
};

}  // namespace stopd::huaweicloud
