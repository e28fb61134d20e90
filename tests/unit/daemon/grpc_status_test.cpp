// The one mapping between outcome codes and gRPC status codes (stopd/grpc_status): every outcome
// survives the trip to gRPC and back, and the gRPC codes stopd answers that have no outcome of
// their own land where stopctl's exit codes say (README, "Exit codes").
#include "stopd/grpc_status/grpc_status.hpp"

#include <gtest/gtest.h>

namespace stopd::core {
namespace {

TEST(GrpcStatus, EveryFailedOutcomeComesBackAsItself) {
  for (int i = static_cast<int>(sdk::Code::not_found); i <= static_cast<int>(sdk::Code::internal);
       ++i) {
    const auto code = static_cast<sdk::Code>(i);
    EXPECT_EQ(from_grpc_code(to_grpc_code(code)), code) << sdk::to_string(code);
  }
}

TEST(GrpcStatus, CodesWithoutAnOutcomeOfTheirOwn) {
  EXPECT_EQ(from_grpc_code(grpc::StatusCode::OK), sdk::Code::stopped);
  EXPECT_EQ(from_grpc_code(grpc::StatusCode::RESOURCE_EXHAUSTED), sdk::Code::invalid_argument);
  EXPECT_EQ(from_grpc_code(grpc::StatusCode::ALREADY_EXISTS), sdk::Code::invalid_argument);
  EXPECT_EQ(from_grpc_code(grpc::StatusCode::UNIMPLEMENTED), sdk::Code::failed_precondition);
  // An UpdateSchedule that lost to another client's change: stopctl exits 14, "run it again".
  EXPECT_EQ(from_grpc_code(grpc::StatusCode::ABORTED), sdk::Code::failed_precondition);
  EXPECT_EQ(from_grpc_code(grpc::StatusCode::DATA_LOSS), sdk::Code::internal);
}

}  // namespace
}  // namespace stopd::core
