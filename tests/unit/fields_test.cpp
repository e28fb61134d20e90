// sdk::Fields: one declaration gives the schema and the parser, and the two agree.
#include "stopd/sdk/fields.hpp"

#include <gtest/gtest.h>

#include "stopd/core/json_schema.hpp"

namespace stopd::sdk {
namespace {

using nlohmann::json;

struct Lock {
  std::string path;
  std::optional<std::int64_t> owner;
  std::optional<bool> wait;
  std::optional<std::string> label;
};

const Fields<Lock>& lock_fields() {
  static const auto fields =
      Fields<Lock>()
          .describe("a lock file")
          .required("path", &Lock::path, text().pattern("^/").describe("an absolute path"))
          .optional("owner", &Lock::owner, integer().minimum(1).maximum(4194304))
          .optional("wait", &Lock::wait, flag())
          .optional("label", &Lock::label, text().min_length(2).max_length(3));
  return fields;
}

std::string refusal(const json& value) {
  try {
    lock_fields().parse(value);
  } catch (const StopError& e) {
    EXPECT_EQ(e.code(), Code::invalid_argument);
    return e.what();
  }
  return "";
}

TEST(Fields, SchemaIsAClosedObjectWithTheDeclaredProperties) {
  const json schema = lock_fields().schema();
  EXPECT_EQ(schema["type"], "object");
  EXPECT_EQ(schema["additionalProperties"], false);
  EXPECT_EQ(schema["required"], json::array({"path"}));
  EXPECT_EQ(schema["description"], "a lock file");
  EXPECT_EQ(schema["properties"]["path"],
            json({{"type", "string"}, {"pattern", "^/"}, {"description", "an absolute path"}}));
  EXPECT_EQ(schema["properties"]["owner"],
            json({{"type", "integer"}, {"minimum", 1}, {"maximum", 4194304}}));
  EXPECT_EQ(schema["properties"]["wait"], json({{"type", "boolean"}}));
  EXPECT_EQ(schema["properties"]["label"],
            json({{"type", "string"}, {"minLength", 2}, {"maxLength", 3}}));
}

TEST(Fields, ParsesIntoTheStruct) {
  const Lock lock = lock_fields().parse({{"path", "/run/x.lock"}, {"owner", 42}, {"wait", true}});
  EXPECT_EQ(lock.path, "/run/x.lock");
  EXPECT_EQ(lock.owner, 42);
  EXPECT_EQ(lock.wait, true);
  EXPECT_FALSE(lock.label.has_value());
}

TEST(Fields, RefusalsNameTheFieldAndWhatWasExpected) {
  EXPECT_EQ(refusal({{"owner", 1}}), "target.path: is required (an absolute path)");
  EXPECT_EQ(refusal({{"path", 42}}),
            "target.path: expected a string matching ^/ (an absolute path), got 42");
  EXPECT_EQ(refusal({{"path", "relative"}}),
            "target.path: expected a string matching ^/ (an absolute path), got \"relative\"");
  EXPECT_EQ(refusal({{"path", "/x"}, {"owner", 0}}),
            "target.owner: expected an integer >= 1 and <= 4194304, got 0");
  EXPECT_EQ(refusal({{"path", "/x"}, {"wait", "yes"}}),
            "target.wait: expected true or false, got \"yes\"");
  EXPECT_EQ(refusal({{"path", "/x"}, {"colour", 1}}),
            "target: unknown key \"colour\" (expected path, owner, wait, label)");
  EXPECT_EQ(refusal(json::array()), "target: expected an object, got []");
  EXPECT_EQ(refusal({{"path", "/x"}, {"label", "abcd"}}),
            "target.label: expected a string of 2 to 3 characters, got \"abcd\"");
  EXPECT_EQ(refusal({{"path", "/" + std::string(200, 'a')}, {"owner", "x"}}),
            "target.owner: expected an integer >= 1 and <= 4194304, got \"x\"");
}

// The promise of the declaration: whatever the schema accepts parses, and whatever it refuses
// does not, including at the edges (bounds, UTF-8 length, types, unknown keys).
TEST(Fields, TheSchemaAndTheParserAgree) {
  const core::JsonSchema schema(lock_fields().schema());
  const json samples = json::array({
      {{"path", "/a"}},
      {{"path", "a"}},
      {{"path", ""}},
      {{"path", "/a"}, {"owner", 1}},
      {{"path", "/a"}, {"owner", 0}},
      {{"path", "/a"}, {"owner", 4194304}},
      {{"path", "/a"}, {"owner", 4194305}},
      {{"path", "/a"}, {"owner", -1}},
      {{"path", "/a"}, {"owner", 1.5}},
      {{"path", "/a"}, {"owner", 18446744073709551615ull}},
      {{"path", "/a"}, {"wait", false}},
      {{"path", "/a"}, {"wait", 0}},
      {{"path", "/a"}, {"label", "abc"}},
      {{"path", "/a"}, {"label", "abcd"}},
      {{"path", "/a"}, {"label", "a"}},
      {{"path", "/a"}, {"label", "\u00e9"}},
      {{"path", "/a"}, {"label", "\u00e9\u00e9\u00e9"}},  // three characters, six bytes
      {{"path", "/a"}, {"label", nullptr}},
      {{"path", "/a"}, {"other", 1}},
      {{"owner", 1}},
      json::object(),
      json::array(),
      "/a",
  });
  for (const auto& sample : samples) {
    const bool schema_accepts = !schema.validate(sample, "target").has_value();
    bool parser_accepts = true;
    try {
      lock_fields().parse(sample);
    } catch (const StopError&) {
      parser_accepts = false;
    }
    EXPECT_EQ(schema_accepts, parser_accepts) << sample.dump();
  }
}

}  // namespace
}  // namespace stopd::sdk
