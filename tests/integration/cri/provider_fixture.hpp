// What the provider-level CRI tests share: the environment's containerd, providers configured for
// it, requests, and running a stop through start() with a RecordingContext.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "stopd/cri/container_provider.hpp"
#include "stopd/cri/pod_sandbox_provider.hpp"
#include "stopd/test/recording_context.hpp"
#include "stopd/test/recording_logger.hpp"
#include "support/cri_environment.hpp"
#include "support/cri_pods.hpp"

namespace stopd::cri_test {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

inline sdk::ProviderConfig config_for(const std::string& endpoint) {
  return sdk::ProviderConfig{{{"endpoint", endpoint}}, std::make_shared<test::RecordingLogger>()};
}

inline sdk::StopRequest graceful(const char* type, json target, std::chrono::milliseconds grace) {
  sdk::StopRequest request;
  request.type = type;
  request.target = std::move(target);
  request.mode = sdk::Mode::graceful;
  request.grace = grace;
  return request;
}

inline sdk::StopRequest immediate(const char* type, json target) {
  sdk::StopRequest request;
  request.type = type;
  request.target = std::move(target);
  request.mode = sdk::Mode::immediate;
  request.grace = std::chrono::milliseconds(0);
  return request;
}

struct Finished {
  sdk::StopOutcome outcome;
  std::chrono::milliseconds elapsed;
};

// start() with `context`, then the outcome (a test failure if none within `timeout`).
template <class Provider>
Finished run_stop(Provider& provider, const sdk::StopRequest& request,
                  const std::shared_ptr<test::RecordingContext>& context,
                  std::chrono::milliseconds timeout = 60s) {
  const auto started = Clock::now();
  provider.start(request, context);
  auto outcome = context->wait_outcome(timeout);
  EXPECT_TRUE(outcome.has_value()) << "no outcome within " << timeout.count() << " ms";
  if (!outcome) return {sdk::StopOutcome::make(sdk::Code::internal, "no outcome"), timeout};
  EXPECT_EQ(context->complete_calls(), 1);
  return {*outcome, std::chrono::duration_cast<std::chrono::milliseconds>(*context->completed_at() -
                                                                          started)};
}

inline std::string describe(const sdk::StopOutcome& outcome) {
  return std::string(sdk::to_string(outcome.code)) + ": " + outcome.message +
         (outcome.forced ? " (forced) " : " ") + outcome.details.dump();
}

class CriTest : public ::testing::Test {
 protected:
  void SetUp() override { STOPD_REQUIRE_CONTAINERD(); }
  PrivateContainerd& containerd() { return *shared_containerd(); }
};

}  // namespace stopd::cri_test
