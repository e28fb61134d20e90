#include "plan_document.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdlib>
#include <regex>
#include <string>

#include "stopd/core/batch_plan.hpp"

namespace stopd::core::batch {
namespace {

using nlohmann::json;

[[noreturn]] void syntax_error(std::string_view source, std::size_t line, std::size_t column,
                               const std::string& what) {
  throw PlanError({std::string(source) + ":" + std::to_string(line) + ":" + std::to_string(column) +
                   ": syntax error: " + what});
}

// A Mark is 0-based; an unknown position is -1 (shown as 0).
[[noreturn]] void syntax_error_at(std::string_view source, const YAML::Mark& mark,
                                  const std::string& what) {
  const auto one_based = [](int n) { return n >= 0 ? static_cast<std::size_t>(n) + 1 : 0; };
  syntax_error(source, one_based(mark.line), one_based(mark.column), what);
}

bool looks_like_json(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
}

// nlohmann reports a byte offset (one past the offending byte); people count lines and columns.
void json_position(std::string_view text, std::size_t offset, std::size_t& line,
                   std::size_t& column) {
  line = 1;
  column = 1;
  const std::size_t end = std::min(offset > 0 ? offset - 1 : 0, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;  // count characters, not UTF-8 continuation bytes
    }
  }
}

// "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error while parsing
// object - …": only the part after the position says something the position does not.
std::string json_reason(const std::string& what) {
  static const std::regex prefix(
      R"(^\[json\.exception\.[a-z_]+\.\d+\] parse error( at line \d+, column \d+)?: )");
  return std::regex_replace(what, prefix, "");
}

json parse_json(std::string_view text, std::string_view source) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    std::size_t line = 0;
    std::size_t column = 0;
    json_position(text, e.byte, line, column);
    syntax_error(source, line, column, json_reason(e.what()));
  }
}

// YAML 1.2 core schema: plain (unquoted) scalars may be null, booleans or numbers; quoted ones
// are always strings.
json yaml_scalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  static const std::regex integer(R"([-+]?[0-9]+)");
  static const std::regex number(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(text, integer)) {
    errno = 0;
    const long long value = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == 0) return value;
  }
  if (std::regex_match(text, number)) return std::strtod(text.c_str(), nullptr);
  return text;
}

json yaml_to_json(const YAML::Node& node, std::string_view source) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return yaml_scalar(node);
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (const auto& child : node) array.push_back(yaml_to_json(child, source));
      return array;
    }
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& entry : node) {
        if (!entry.first.IsScalar())
          syntax_error_at(source, entry.first.Mark(), "a mapping key must be a plain string");
        const std::string key = entry.first.Scalar();
        if (object.contains(key))
          syntax_error_at(source, entry.first.Mark(), "duplicate key '" + key + "'");
        object[key] = yaml_to_json(entry.second, source);
      }
      return object;
    }
  }
  return nullptr;
}

json parse_yaml(std::string_view text, std::string_view source) {
  try {
    return yaml_to_json(YAML::Load(std::string(text)), source);
  } catch (const YAML::Exception& e) {
    syntax_error_at(source, e.mark, e.msg);
  }
}

}  // namespace

json parse_plan_document(std::string_view text, std::string_view source) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    throw PlanError({std::string(source) + ": the plan is empty"});
  return looks_like_json(text) ? parse_json(text, source) : parse_yaml(text, source);
}

}  // namespace stopd::core::batch
