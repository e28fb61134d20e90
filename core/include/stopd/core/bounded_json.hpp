// JSON from callers and files: parsed with its nesting and size bounded before anything can
// recurse over it, and quoted in messages without ever rendering more than is shown.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "stopd/core/input_limits.hpp"
#include "stopd/core/utf8.hpp"

namespace stopd::core {

// Where a text stopped being an acceptable document, JSON or YAML (1-based line, and column in
// characters), and why. The reason never quotes the text: it may hold a secret.
class DocumentTextError : public std::runtime_error {
 public:
  enum class Kind { syntax, limit };  // not the language, or over one of limits::*
  DocumentTextError(Kind kind, std::size_t line, std::size_t column, std::string reason);
  Kind kind() const noexcept { return kind_; }
  std::size_t line() const noexcept { return line_; }
  std::size_t column() const noexcept { return column_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  Kind kind_;
  std::size_t line_;
  std::size_t column_;
  std::string reason_;
};

// Parses `text`, refusing (DocumentTextError) nesting deeper than limits::kMaxNesting and more than
// limits::kMaxDocumentValues values before anything is built. nlohmann's own parser does not
// recurse; everything done with its result afterwards (copies, dump(), validation) does.
nlohmann::json parse_bounded_json(std::string_view text);

// How deeply `value` nests arrays and objects (0 for a scalar), found without recursion; counting
// stops at `stop_at`, so a hostile value costs no more than a legitimate one.
int nesting_depth(const nlohmann::json& value, int stop_at = limits::kMaxNesting + 1);

// The 1-based line and character column of byte `offset` of `text`.
struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;
};
TextPosition position_in(std::string_view text, std::size_t offset);

// `value` as JSON text for a message, cut after about `max_bytes` with "…". Renders only what it
// shows, iteratively: a huge or deep value costs what a small one does. Invalid UTF-8 is replaced.
std::string json_excerpt(const nlohmann::json& value,
                         std::size_t max_bytes = limits::kMaxQuotedBytes);

// Whether `value` can be stored and sent as it is: nested at most limits::kMaxNesting deep, every
// string and key valid UTF-8. Found without recursion.
bool is_json_safe(const nlohmann::json& value);

// Makes `value` safe in place: strings and keys repaired, anything nested deeper than
// limits::kMaxNesting replaced by a string saying so. Returns whether it changed anything.
bool make_json_safe(nlohmann::json& value);

// A count as people write it: "1,000,000".
std::string count_text(std::size_t number);

// `text` cut to at most `max_bytes` on a UTF-8 character boundary, with "…" when cut.
std::string text_excerpt(std::string_view text, std::size_t max_bytes = limits::kMaxQuotedBytes);

}  // namespace stopd::core
