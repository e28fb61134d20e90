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

std::string error_of(const json& value) {
  static const JsonSchema schema(kProcessLike);
  return schema.validate(value, "target").value_or("<valid>");
}

TEST(JsonSchema, AcceptsConformingValues) {
  EXPECT_EQ(error_of({{"pid", 4}}), "<valid>");
  EXPECT_EQ(error_of({{"pgid", 4}, {"mode", "soft"}, {"tags", {"a"}}}), "<valid>");
}

TEST(JsonSchema, NamesTheFieldAndWhatWasExpected) {
  EXPECT_EQ(error_of({{"pid", "x"}}), "target.pid: expected integer, got string \"x\"");
  EXPECT_EQ(error_of({{"pid", -1}}), "target.pid: expected a number >= 1, got -1");
  EXPECT_EQ(error_of({{"pid", 1}, {"name", "far-too-long"}}),
            "target.name: expected a string of at most 8 characters, got 12");
  EXPECT_EQ(error_of({{"pid", 1}, {"mode", "medium"}}),
            "target.mode: expected one of \"soft\" or \"hard\", got \"medium\"");
  EXPECT_EQ(error_of({{"pid", 1}, {"tags", {"a", 1}}}),
            "target.tags[1]: expected string, got integer 1");
  EXPECT_EQ(error_of({{"pid", 1}, {"tags", {"a", "b", "c"}}}),
            "target.tags: expected at most 2 items, got 3");
}

TEST(JsonSchema, ExplainsAlternativesAndUnknownKeys) {
  EXPECT_EQ(error_of(json::object()), "target: expected exactly one of pid or pgid");
  EXPECT_EQ(error_of({{"pid", 1}, {"pgid", 2}}),
            "target: expected exactly one of pid or pgid, got pid and pgid");
  EXPECT_EQ(error_of({{"pid", 1}, {"colour", "red"}}),
            "target: unknown key 'colour' (expected mode, name, pgid, pid or tags)");
  EXPECT_EQ(error_of(json::array()), "target: expected object, got array []");
}

TEST(JsonSchema, NestedAlternativeFailureKeepsItsPath) {
  // Both branches of a nested oneOf match: the error is the oneOf's own, at its own path.
  const JsonSchema schema(json::parse(R"({"type":"object","properties":{"items":{"type":"array",
    "items":{"type":"object","oneOf":[{"required":["a"]},{"required":["b"]}]}}}})"));
  EXPECT_EQ(schema.validate({{"items", {{{"a", 1}, {"b", 2}}}}}, "config").value_or("<valid>"),
            "config.items[0]: expected exactly one of a or b, got a and b");
}

TEST(JsonSchema, CutsLongValuesInMessages) {
  const auto message = error_of({{"pid", std::string(10000, 'z')}});
  EXPECT_LT(message.size(), 200u);
}

TEST(JsonSchema, EmptySchemaAcceptsAnythingAndBadSchemaIsRefused) {
  EXPECT_FALSE(JsonSchema().validate(json::array({1, 2}), "x").has_value());
  EXPECT_FALSE(JsonSchema(json::object()).validate(42, "x").has_value());
  EXPECT_THROW(JsonSchema(json("not a schema")), std::invalid_argument);
  EXPECT_THROW(JsonSchema(json::parse(R"({"type": 12})")), std::invalid_argument);
}

}  // namespace
}  // namespace stopd::test
