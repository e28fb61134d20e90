#include "stopd/core/bounded_json.hpp"

#include <cmath>
#include <cstdlib>
#include <regex>
#include <utility>
#include <vector>

namespace stopd::core {
namespace {

using nlohmann::json;

[[noreturn]] void refuse_at(DocumentTextError::Kind kind, std::string_view text, std::size_t offset,
                            std::string reason) {
  const TextPosition at = position_in(text, offset);
  throw DocumentTextError(kind, at.line, at.column, std::move(reason));
}

// Calls visit(i) for every character of `text` outside JSON strings (a string's quotes
// included: they are never visited). visit returns where to go on: i + 1, or past what it read.
template <class Visit>
void scan_outside_strings(std::string_view text, Visit&& visit) {
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      ++i;
    } else if (c == '"') {
      in_string = true;
      ++i;
    } else {
      i = visit(i);
    }
  }
}

// One pass over the text before nlohmann builds anything: the depth of brackets outside strings,
// and an upper bound of the values (every comma or opening bracket may start one more).
void check_shape(std::string_view text) {
  int depth = 0;
  std::size_t values = 1;
  scan_outside_strings(text, [&](std::size_t i) {
    switch (text[i]) {
      case '[':
      case '{':
        if (++depth > limits::kMaxNesting)
          refuse_at(DocumentTextError::Kind::limit, text, i,
                    "nested more than " + std::to_string(limits::kMaxNesting) +
                        " levels deep (arrays and objects inside one another; the limit is " +
                        std::to_string(limits::kMaxNesting) + ")");
        [[fallthrough]];
      case ',':
        if (++values > limits::kMaxDocumentValues)
          refuse_at(DocumentTextError::Kind::limit, text, i,
                    "more than " + count_text(limits::kMaxDocumentValues) +
                        " values (the limit for one document)");
        break;
      case ']':
      case '}':
        --depth;  // unbalanced text is the parser's to report
        break;
      default:
        break;
    }
    return i + 1;
  });
}

// Where the first number outside strings that is too large for a double starts (the end of
// `text` if none is found): only asked once nlohmann refused one.
std::size_t overflowing_number_at(std::string_view text) {
  std::size_t found = text.size();
  scan_outside_strings(text, [&](std::size_t i) {
    const char c = text[i];
    if (c != '-' && (c < '0' || c > '9')) return i + 1;
    std::size_t end = i;
    while (end < text.size() &&
           std::string_view("+-.0123456789eE").find(text[end]) != std::string_view::npos)
      ++end;
    const std::string number(text.substr(i, end - i));
    if (std::isfinite(std::strtod(number.c_str(), nullptr))) return end;
    found = i;
    return text.size();  // stop here
  });
  return found;
}

// "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error while parsing
// object - invalid literal; last read: 'tru'; expected …": the position is reported separately
// and "last read" would quote the text, which may be a secret or a control sequence.
std::string parse_error_reason(const std::string& what) {
  static const std::regex prefix(
      R"(^\[json\.exception\.[a-z_]+\.\d+\] parse error( at line \d+, column \d+)?: )");
  std::string reason = std::regex_replace(what, prefix, "");
  const std::string marker = "; last read: '";
  if (const auto start = reason.find(marker); start != std::string::npos) {
    const auto expected = reason.find("'; expected ", start + marker.size());
    reason.erase(start, expected == std::string::npos ? std::string::npos : expected + 1 - start);
  }
  return reason;
}

std::string json_string_prefix(std::string_view text, std::size_t max_bytes) {
  const std::size_t cut = utf8_cut(text, max_bytes);
  return json(std::string(text.substr(0, cut)))
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

DocumentTextError::DocumentTextError(Kind kind, std::size_t line, std::size_t column,
                                     std::string reason)
    : std::runtime_error("line " + std::to_string(line) + ", column " + std::to_string(column) +
                         ": " + reason),
      kind_(kind),
      line_(line),
      column_(column),
      reason_(std::move(reason)) {}

TextPosition position_in(std::string_view text, std::size_t offset) {
  TextPosition at;
  const std::size_t end = std::min(offset, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++at.column;  // characters, not UTF-8 continuation bytes
    }
  }
  return at;
}

json parse_bounded_json(std::string_view text) {
  check_shape(text);
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // e.byte is one past the offending byte.
    refuse_at(DocumentTextError::Kind::syntax, text, e.byte > 0 ? e.byte - 1 : 0,
              parse_error_reason(e.what()));
  } catch (const json::out_of_range&) {
    // A number beyond a double ("1e400"): nlohmann says which, but not where.
    refuse_at(DocumentTextError::Kind::syntax, text, overflowing_number_at(text),
              "a number beyond the range of a double");
  }
}

int nesting_depth(const json& value, int stop_at) {
  int deepest = 0;
  std::vector<std::pair<const json*, int>> pending{{&value, value.is_structured() ? 1 : 0}};
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    deepest = std::max(deepest, depth);
    if (deepest >= stop_at) break;
    for (const json& child : *node)
      if (child.is_structured()) pending.emplace_back(&child, depth + 1);
  }
  return deepest;
}

bool is_json_safe(const json& value) {
  std::vector<std::pair<const json*, int>> pending{{&value, 1}};
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    if (node->is_string()) {
      if (invalid_utf8_at(node->get_ref<const std::string&>())) return false;
      continue;
    }
    if (!node->is_structured()) continue;
    if (depth > limits::kMaxNesting) return false;
    if (node->is_object())
      for (auto it = node->begin(); it != node->end(); ++it)
        if (invalid_utf8_at(it.key())) return false;
    for (const json& child : *node) pending.emplace_back(&child, depth + 1);
  }
  return true;
}

bool make_json_safe(json& value) {
  if (is_json_safe(value)) return false;
  std::vector<std::pair<json*, int>> pending{{&value, 1}};
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    if (node->is_string()) {
      std::string& text = node->get_ref<std::string&>();
      if (invalid_utf8_at(text)) text = repair_utf8(text);
      continue;
    }
    if (!node->is_structured()) continue;
    if (depth > limits::kMaxNesting) {
      // Moved out first: the subtree is destroyed by nlohmann without recursion.
      json dropped = std::move(*node);
      *node = "… (nested more than " + std::to_string(limits::kMaxNesting) + " levels deep)";
      continue;
    }
    if (node->is_object()) {
      bool bad_key = false;
      for (auto it = node->begin(); it != node->end() && !bad_key; ++it)
        bad_key = invalid_utf8_at(it.key()).has_value();
      if (bad_key) {
        json rebuilt = json::object();
        for (auto it = node->begin(); it != node->end(); ++it)
          rebuilt[repair_utf8(it.key())] = std::move(it.value());
        *node = std::move(rebuilt);
      }
    }
    for (json& child : *node) pending.emplace_back(&child, depth + 1);
  }
  return true;
}

std::string count_text(std::size_t number) {
  const std::string digits = std::to_string(number);
  std::string text;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
    text += digits[i];
  }
  return text;
}

std::string text_excerpt(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return std::string(text.substr(0, utf8_cut(text, max_bytes))) + "…";
}

std::string json_excerpt(const json& value, std::size_t max_bytes) {
  std::string out;
  struct Frame {
    const json* node;
    json::const_iterator next;
  };
  std::vector<Frame> open;
  const auto emit = [&](const json& v) {
    if (v.is_structured()) {
      out += v.is_object() ? '{' : '[';
      open.push_back({&v, v.cbegin()});
    } else if (v.is_string()) {
      // Only as much of a long string as can still be shown.
      out += json_string_prefix(v.get_ref<const std::string&>(),
                                max_bytes + 1 - std::min(out.size(), max_bytes));
    } else {
      out += v.dump();  // a number, a boolean or null: short
    }
  };
  emit(value);
  while (!open.empty() && out.size() <= max_bytes) {
    Frame& frame = open.back();
    if (frame.next == frame.node->cend()) {
      out += frame.node->is_object() ? '}' : ']';
      open.pop_back();
      continue;
    }
    if (frame.next != frame.node->cbegin()) out += ',';
    const json::const_iterator item = frame.next++;
    if (frame.node->is_object()) out += json_string_prefix(item.key(), max_bytes) + ":";
    emit(item.value());  // may grow `open`: `frame` is not used after this
  }
  // The loop ends when everything is rendered or more than fits was.
  return out.size() <= max_bytes ? out : text_excerpt(out, max_bytes);
}

}  // namespace stopd::core
