#include "stopd/core/json_schema.hpp"

#include <gtest/gtest.h>

namespace stopd::test {
namespace {

using core::JsonSchema;
using nlohmann::json;

const json kProcessLike = json::parse(R"({
  "type": "object", "additionalProperties": false,
  "properties": {
    "pid": {"type": "integer", "minimum": 1},
    "pgid": {"type": "integer", "minimum": 1},
    "name": {"type": "string", "maxLength": 8},
    "mode": {"enum": ["soft", "hard"]},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2}
  },
  "oneOf": [{"required": ["pid"]}, {"required": ["pgid"]}]
})");

std::string schema_error_of(const json& value) {
  static const JsonSchema schema(kProcessLike);
  return schema.validate(value, "target").value_or("<valid>");
}

TEST(JsonSchema, AcceptsConformingValues) {
  EXPECT_EQ(schema_error_of({{"pid", 4}}), "<valid>");
  EXPECT_EQ(schema_error_of({{"pgid", 4}, {"mode", "soft"}, {"tags", {"a"}}}), "<valid>");
}

TEST(JsonSchema, NamesTheFieldAndWhatWasExpected) {
  EXPECT_EQ(schema_error_of({{"pid", "x"}}), "target.pid: expected integer, got string \"x\"");
  EXPECT_EQ(schema_error_of({{"pid", -1}}), "target.pid: expected a number >= 1, got -1");
  EXPECT_EQ(schema_error_of({{"pid", 1}, {"name", "far-too-long"}}),
            "target.name: expected a string of at most 8 characters, got 12");
  EXPECT_EQ(schema_error_of({{"pid", 1}, {"mode", "medium"}}),
            "target.mode: expected one of \"soft\" or \"hard\", got \"medium\"");
  EXPECT_EQ(schema_error_of({{"pid", 1}, {"tags", {"a", 1}}}),
            "target.tags[1]: expected string, got integer 1");
  EXPECT_EQ(schema_error_of({{"pid", 1}, {"tags", {"a", "b", "c"}}}),
            "target.tags: expected at most 2 items, got 3");
}

TEST(JsonSchema, ExplainsAlternativesAndUnknownKeys) {
  EXPECT_EQ(schema_error_of(json::object()), "target: expected exactly one of pid or pgid");
  EXPECT_EQ(schema_error_of({{"pid", 1}, {"pgid", 2}}),
            "target: expected exactly one of pid or pgid, got pid and pgid");
  EXPECT_EQ(schema_error_of({{"pid", 1}, {"colour", "red"}}),
            "target: unknown key 'colour' (expected mode, name, pgid, pid or tags)");
  EXPECT_EQ(schema_error_of(json::array()), "target: expected object, got array []");
}

TEST(JsonSchema, NestedAlternativeFailureKeepsItsPath) {
  // Both branches of a nested oneOf match: the error is the oneOf's own, at its own path.
  const JsonSchema schema(json::parse(R"({"type":"object","properties":{"items":{"type":"array",
    "items":{"type":"object","oneOf":[{"required":["a"]},{"required":["b"]}]}}}})"));
  EXPECT_EQ(schema.validate({{"items", {{{"a", 1}, {"b", 2}}}}}, "config").value_or("<valid>"),
            "config.items[0]: expected exactly one of a or b, got a and b");
}

TEST(JsonSchema, CutsLongValuesInMessages) {
  const auto message = schema_error_of({{"pid", std::string(10000, 'z')}});
  EXPECT_LT(message.size(), 200u);
}

// dump() of the whole value recursed once per level: 100,000 levels overflowed the stack.
TEST(JsonSchema, DeepValuesAreExplainedWithoutRenderingThem) {
  json deep = json::array();
  json* innermost = &deep;
  for (int i = 0; i < 100'000; ++i) {
    innermost->push_back(json::array());
    innermost = &innermost->back();
  }
  const std::string message = schema_error_of({{"pid", std::move(deep)}});
  EXPECT_EQ(message.rfind("target.pid: expected integer, got array [[[[", 0), 0u) << message;
  EXPECT_LT(message.size(), 200u);
}

// A description is the schema author's sentence about a field, not the words after "expected".
TEST(JsonSchema, PatternFailuresNameThePatternAndQuoteTheDescription) {
  const JsonSchema schema(json::parse(R"({"type": "object", "properties": {"container_id": {
      "type": "string", "pattern": "^[0-9a-f]{12,64}$",
      "description": "The container's id: 64 lowercase hex digits, or a unique prefix of at least 12."}}})"));
  EXPECT_EQ(schema.validate({{"container_id", "xyz"}}, "target").value_or("<valid>"),
            "target.container_id: expected a string matching ^[0-9a-f]{12,64}$, got \"xyz\" "
            "(The container's id: 64 lowercase hex digits, or a unique prefix of at least 12.)");
}

// std::regex's matcher recurses once per character; 30,000 characters overflowed a thread's stack.
TEST(JsonSchema, LongStringsAreRefusedBeforeAnyPatternIsMatched) {
  const JsonSchema schema(json::parse(R"({"type": "object", "properties": {
      "signal": {"type": "string", "pattern": "^[A-Za-z0-9+-]+$"}}})"));
  EXPECT_EQ(schema.validate({{"signal", std::string(1'000'000, 'A')}}, "options"),
            "options.signal: a string of 1000000 bytes; at most 8192 are checked against this "
            "schema's patterns");
  EXPECT_EQ(schema.validate({{"signal", std::string(8192, 'A')}}, "options"), std::nullopt);
  // A schema without patterns has nothing to protect: long strings are its own business.
  EXPECT_EQ(JsonSchema(json::parse(R"({"type": "object"})"))
                .validate({{"signal", std::string(1'000'000, 'A')}}, "options"),
            std::nullopt);
}

// valijson counts a string's characters for maxLength, and reads past the end of a table on bytes
// that are not UTF-8 (UBSan, found by the target_arguments fuzzer).
TEST(JsonSchema, TextThatIsNotUtf8IsRefusedBeforeValijsonSeesIt) {
  EXPECT_EQ(schema_error_of({{"pid", 1}, {"name", "ab\xff\x8d\x8d"}}),
            "target.name: not valid UTF-8");
  EXPECT_EQ(schema_error_of({{"pid", 1}, {"\xff", 1}}), "target (a key): not valid UTF-8");
}

TEST(JsonSchema, HugeUnknownKeysAreCutInMessages) {
  EXPECT_LT(schema_error_of({{"pid", 1}, {std::string(100'000, 'k'), 1}}).size(), 300u);
}

TEST(JsonSchema, EmptySchemaAcceptsAnythingAndBadSchemaIsRefused) {
  EXPECT_FALSE(JsonSchema().validate(json::array({1, 2}), "x").has_value());
  EXPECT_FALSE(JsonSchema(json::object()).validate(42, "x").has_value());
  EXPECT_THROW(JsonSchema(json("not a schema")), std::invalid_argument);
  EXPECT_THROW(JsonSchema(json::parse(R"({"type": 12})")), std::invalid_argument);
}

std::string refusal_of(const char* schema) {
  try {
    JsonSchema compiled(json::parse(schema));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<usable>";
}

// An author reads the refusal to find the mistake: it must say where it is and what was expected.
TEST(JsonSchema, ARefusedSchemaNamesTheJsonPathOfTheProblem) {
  EXPECT_EQ(refusal_of(R"({"properties": {"id": "a string"}})"),
            "invalid JSON Schema: /properties/id: expected a schema (an object or a boolean), "
            "got \"a string\"");
  EXPECT_EQ(refusal_of(R"({"oneOf": [{"required": ["pid"]}, {"required": [7]}]})"),
            "invalid JSON Schema: /oneOf/1/required/0: expected a string, got 7");
  EXPECT_EQ(refusal_of(R"({"properties": {"a/b": {"type": "text"}}})"),
            "invalid JSON Schema: /properties/a~1b/type: expected a type name (array, boolean, "
            "integer, null, number, object or string), got \"text\"");
  EXPECT_EQ(refusal_of(R"({"items": {"maxLength": -1}})"),
            "invalid JSON Schema: /items/maxLength: expected a non-negative integer, got -1");
}

// valijson compiles patterns only when it validates: without this check a bad one would throw at
// the first stop instead of refusing the plugin at load.
TEST(JsonSchema, ABadRegularExpressionIsRefusedWhereItIs) {
  const std::string refusal =
      refusal_of(R"({"properties": {"id": {"type": "string", "pattern": "^([a-z]+$"}}})");
  EXPECT_EQ(refusal.rfind("invalid JSON Schema: /properties/id/pattern: invalid regular "
                          "expression \"^([a-z]+$\": ",
                          0),
            0u)
      << refusal;
  EXPECT_EQ(refusal_of(R"({"patternProperties": {"[": {}}})")
                .rfind("invalid JSON Schema: /patternProperties/[: invalid regular expression", 0),
            0u);
  EXPECT_EQ(refusal_of(R"({"properties": {"id": {"pattern": "^[a-z]+$"}}})"), "<usable>");
}

}  // namespace
}  // namespace stopd::test
