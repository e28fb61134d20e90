// The API's conversions between JSON and protobuf: the deepest value stopd accepts survives a
// round trip through the deepest message that carries one, deeper values are refused, and any
// timestamp a caller sends converts without overflow.
#include "convert.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "stopd/core/bounded_json.hpp"
#include "stopd/core/input_limits.hpp"
#include "stopd/v1/stopd.pb.h"

namespace stopd::api {
namespace {

using nlohmann::json;

// {"k": {"k": … {"k": 1}}}, `depth` objects deep.
json nested_objects(int depth) {
  json value = 1;
  for (int i = 0; i < depth; ++i) value = json{{"k", std::move(value)}};
  return value;
}

TEST(Convert, TheDeepestAcceptedValueSurvivesTheDeepestMessage) {
  // ListBatches answers a batch's plan inside ListBatchesResponse > Batch > Struct: the most
  // message levels above a value. protobuf parses at most 100 levels.
  v1::ListBatchesResponse response;
  *response.add_batches()->mutable_plan() = to_struct(nested_objects(core::limits::kMaxNesting));
  v1::ListBatchesResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(response.SerializeAsString()));
  EXPECT_EQ(from_struct(parsed.batches(0).plan()), nested_objects(core::limits::kMaxNesting));
}

TEST(Convert, DeeperValuesAreRefusedNotRecursedInto) {
  try {
    to_struct(nested_objects(core::limits::kMaxNesting + 1));
    FAIL() << "converted a value nested past the limit";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("nested more than 32 levels deep"), std::string::npos)
        << e.what();
  }
  json deep_list = json::array();
  for (int i = 0; i < 100'000; ++i) deep_list = json::array({std::move(deep_list)});
  EXPECT_THROW(to_struct(json{{"x", std::move(deep_list)}}), std::invalid_argument);
}

// protobuf parses three messages per object up to 100: a value one level deeper than stopd takes.
TEST(Convert, AStructFromTheWireNestedPastTheLimitIsRefused) {
  google::protobuf::Struct deep;
  google::protobuf::Struct* innermost = &deep;
  for (int i = 1; i <= core::limits::kMaxNesting; ++i)
    innermost = (*innermost->mutable_fields())["k"].mutable_struct_value();
  EXPECT_THROW(from_struct(deep), std::invalid_argument);
  google::protobuf::Struct fits;
  *fits.mutable_fields() = deep.fields().at("k").struct_value().fields();
  EXPECT_EQ(core::nesting_depth(from_struct(fits)), core::limits::kMaxNesting);
}

// Nanoseconds in 64 bits end about 292 years from 1970; protobuf's Timestamp goes to 9999.
TEST(Convert, TimestampsBeyondTheClockAreTheEndsOfTime) {
  using Clock = std::chrono::system_clock;
  google::protobuf::Timestamp far;
  far.set_seconds(253402300799);  // 9999-12-31T23:59:59Z
  EXPECT_EQ(from_timestamp(far), Clock::time_point::max());
  far.set_seconds(-62135596800);  // 0001-01-01T00:00:00Z
  EXPECT_EQ(from_timestamp(far), Clock::time_point::min());
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(Clock::now());
  EXPECT_EQ(from_timestamp(to_timestamp(now)), now);
}

}  // namespace
}  // namespace stopd::api
