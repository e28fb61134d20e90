// A compiled JSON Schema (draft 7, via valijson) that answers with one readable error: the path
// of the offending value and what was expected there.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace stopd::core {

class JsonSchema {
 public:
  // Accepts anything.
  JsonSchema();
  // Throws std::invalid_argument when `schema` is not a usable JSON Schema.
  explicit JsonSchema(const nlohmann::json& schema);
  ~JsonSchema();
  JsonSchema(JsonSchema&&) noexcept;
  JsonSchema& operator=(JsonSchema&&) noexcept;

  // nullopt when `value` conforms; otherwise "<root>.pid: expected integer, got string".
  // `root` names the value in messages ("target", "options", …). A string or key that is not
  // UTF-8 is refused before valijson sees it, and so, against a schema with patterns, is one
  // longer than kMaxPatternSubjectBytes.
  std::optional<std::string> validate(const nlohmann::json& value, std::string_view root) const;

  const nlohmann::json& source() const { return source_; }

  // The longest string matched against a pattern: far below where std::regex's recursive matcher
  // exhausts a thread's stack, far above any id, name or path a schema constrains.
  static constexpr std::size_t kMaxPatternSubjectBytes = 8192;

 private:
  struct Compiled;
  nlohmann::json source_;
  std::unique_ptr<Compiled> compiled_;
  bool matches_patterns_ = false;
};

}  // namespace stopd::core
