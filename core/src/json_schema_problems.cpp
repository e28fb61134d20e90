#include "json_schema_problems.hpp"

#include <regex>
#include <set>
#include <string_view>
#include <vector>

#include "stopd/core/bounded_json.hpp"

namespace stopd::core {
namespace {

using nlohmann::json;

// A JSON pointer's reference token ("a/b" becomes "a~1b").
std::string pointer_token(std::string_view key) {
  std::string token;
  for (const char c : key) {
    if (c == '~')
      token += "~0";
    else if (c == '/')
      token += "~1";
    else
      token += c;
  }
  return token;
}

class SchemaWalker {
 public:
  std::optional<std::string> problem;

  void schema(const json& node, const std::string& path) {
    if (problem) return;
    if (node.is_boolean()) return;
    if (!node.is_object()) return fail(path, "expected a schema (an object or a boolean)", node);
    for (const auto& [keyword, value] : node.items()) {
      const std::string at = path + "/" + pointer_token(keyword);
      keyword_value(keyword, value, at);
      if (problem) return;
    }
  }

 private:
  void fail(const std::string& path, const std::string& expected, const json& got) {
    if (!problem)
      problem = (path.empty() ? "/" : path) + ": " + expected + ", got " + json_excerpt(got);
  }

  void keyword_value(const std::string& keyword, const json& value, const std::string& at) {
    static const std::set<std::string, std::less<>> kSubschema = {"additionalItems",
                                                                  "additionalProperties",
                                                                  "contains",
                                                                  "else",
                                                                  "if",
                                                                  "not",
                                                                  "propertyNames",
                                                                  "then"};
    static const std::set<std::string, std::less<>> kSchemaMaps = {"definitions", "$defs",
                                                                   "properties"};
    static const std::set<std::string, std::less<>> kSchemaArrays = {"allOf", "anyOf", "oneOf"};
    static const std::set<std::string, std::less<>> kCounts = {
        "maxItems", "minItems", "maxLength", "minLength", "maxProperties", "minProperties"};
    static const std::set<std::string, std::less<>> kNumbers = {
        "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "multipleOf"};

    if (kSubschema.contains(keyword)) return schema(value, at);
    if (kSchemaMaps.contains(keyword)) return schema_map(value, at);
    if (kSchemaArrays.contains(keyword)) return schema_array(value, at);
    if (kCounts.contains(keyword)) {
      if (!value.is_number_unsigned() &&
          !(value.is_number_integer() && value.get<long long>() >= 0))
        fail(at, "expected a non-negative integer", value);
      return;
    }
    if (kNumbers.contains(keyword)) {
      if (!value.is_number()) fail(at, "expected a number", value);
      return;
    }
    if (keyword == "items") {
      if (value.is_array()) return schema_array(value, at);
      return schema(value, at);
    }
    if (keyword == "patternProperties") {
      if (!value.is_object()) return fail(at, "expected an object of patterns to schemas", value);
      for (const auto& [pattern, subschema] : value.items()) {
        const std::string entry = at + "/" + pointer_token(pattern);
        regular_expression(pattern, entry);
        schema(subschema, entry);
      }
      return;
    }
    if (keyword == "pattern") {
      if (!value.is_string()) return fail(at, "expected a regular expression (a string)", value);
      return regular_expression(value.get<std::string>(), at);
    }
    if (keyword == "$ref") {
      if (!value.is_string()) fail(at, "expected a reference (a string)", value);
      return;
    }
    if (keyword == "type") return type(value, at);
    if (keyword == "required") return string_array(value, at);
    if (keyword == "enum") {
      if (!value.is_array()) fail(at, "expected an array of the allowed values", value);
      return;
    }
    if (keyword == "dependencies") {
      if (!value.is_object()) return fail(at, "expected an object", value);
      for (const auto& [key, dependency] : value.items()) {
        const std::string entry = at + "/" + pointer_token(key);
        if (dependency.is_array())
          string_array(dependency, entry);
        else
          schema(dependency, entry);
      }
    }
    // Annotations ("description", "examples", …) and keywords valijson ignores need no shape.
  }

  void schema_map(const json& value, const std::string& at) {
    if (!value.is_object()) return fail(at, "expected an object of named schemas", value);
    for (const auto& [name, subschema] : value.items())
      schema(subschema, at + "/" + pointer_token(name));
  }

  void schema_array(const json& value, const std::string& at) {
    if (!value.is_array() || value.empty())
      return fail(at, "expected a non-empty array of schemas", value);
    for (std::size_t i = 0; i < value.size(); ++i) schema(value[i], at + "/" + std::to_string(i));
  }

  void string_array(const json& value, const std::string& at) {
    if (!value.is_array()) return fail(at, "expected an array of strings", value);
    for (std::size_t i = 0; i < value.size(); ++i)
      if (!value[i].is_string())
        return fail(at + "/" + std::to_string(i), "expected a string", value[i]);
  }

  void type(const json& value, const std::string& at) {
    static const std::set<std::string, std::less<>> kTypes = {
        "array", "boolean", "integer", "null", "number", "object", "string"};
    const auto one = [&](const json& name, const std::string& where) {
      if (!name.is_string() || !kTypes.contains(name.get<std::string>()))
        fail(where,
             "expected a type name (array, boolean, integer, null, number, object or string)",
             name);
    };
    if (!value.is_array()) return one(value, at);
    for (std::size_t i = 0; i < value.size(); ++i) one(value[i], at + "/" + std::to_string(i));
  }

  // Compiled the way valijson compiles it when it validates (std::regex, ECMAScript).
  void regular_expression(const std::string& pattern, const std::string& at) {
    try {
      std::regex compiled(pattern);
    } catch (const std::regex_error& e) {
      if (!problem)
        problem =
            at + ": invalid regular expression " + json_excerpt(json(pattern)) + ": " + e.what();
    }
  }
};

}  // namespace

std::optional<std::string> json_schema_problem(const json& schema) {
  SchemaWalker walker;
  walker.schema(schema, "");
  return walker.problem;
}

}  // namespace stopd::core
