#include "stopd/core/target_arguments.hpp"

#include <gtest/gtest.h>

namespace stopd::test {
namespace {

using nlohmann::json;

const json kSchema = json::parse(R"({"type":"object","properties":{
  "pid": {"type": "integer"}, "path": {"type": "string"}, "ratio": {"type": "number"},
  "force": {"type": "boolean"}, "id": {"type": ["integer", "string"]}}})");

std::string parse_error_of(const std::vector<std::string>& pairs) {
  try {
    core::parse_target_arguments(pairs, kSchema);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<valid>";
}

TEST(TargetArguments, TypesValuesByTheSchema) {
  const auto target = core::parse_target_arguments(
      {"pid=42", "path=/run/x.pid", "ratio=0.5", "force=true", "id=abc", "extra=7", "list:=[1,2]"},
      kSchema);
  EXPECT_EQ(target,
            json::parse(R"({"pid":42,"path":"/run/x.pid","ratio":0.5,"force":true,"id":"abc",
                                    "extra":"7","list":[1,2]})"));
  EXPECT_EQ(core::parse_target_arguments({"id=12"}, kSchema)["id"], 12);
  EXPECT_EQ(core::parse_target_arguments({"path=a=b"}, kSchema)["path"], "a=b");
}

TEST(TargetArguments, RefusesMalformedPairs) {
  EXPECT_EQ(parse_error_of({"pid"}), "'pid': expected KEY=VALUE (or KEY:=JSON)");
  EXPECT_EQ(parse_error_of({"=4"}), "'=4': the key before '=' is empty");
  EXPECT_EQ(parse_error_of({"pid=abc"}), "'pid=abc': pid expects an integer");
  EXPECT_EQ(parse_error_of({"pid=4x"}), "'pid=4x': pid expects an integer");
  EXPECT_EQ(parse_error_of({"force=yes"}), "'force=yes': force expects a boolean");
  EXPECT_EQ(parse_error_of({"pid=1", "pid=2"}), "'pid=2': pid is given more than once");
  EXPECT_EQ(
      parse_error_of({"x:={"}).rfind("'x:={': the value after ':=' is not valid JSON (column ", 0),
      0u)
      << parse_error_of({"x:={"});
}

TEST(TargetArguments, RawJsonNestedPastTheLimitIsRefused) {
  const std::string pair = "x:=" + std::string(100'000, '[') + std::string(100'000, ']');
  const std::string error = parse_error_of({pair});
  EXPECT_NE(error.find("the value after ':=' is refused (column 33: nested more than 32 levels"),
            std::string::npos)
      << error;
  EXPECT_LT(error.size(), 300u);
}

TEST(TargetArguments, HugeArgumentsAreCutInMessages) {
  EXPECT_LT(parse_error_of({std::string(1'000'000, 'p')}).size(), 200u);
  EXPECT_LT(parse_error_of({"pid=" + std::string(1'000'000, 'x')}).size(), 200u);
}

}  // namespace
}  // namespace stopd::test
