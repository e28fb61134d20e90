// Retries and deadlines, with trouble injected by the emulator: 503s and 429s that pass,
// Retry-After honoured, giving up at the deadline, hanging requests, cancellation.
#include <gtest/gtest.h>

#include <future>

#include "emulator_environment.hpp"
#include "stopd/huaweicloud/dlf_script_instance_provider.hpp"
#include "stopd/test/recording_context.hpp"

namespace stopd::hwtest {
namespace {

using namespace std::chrono_literals;
using huaweicloud::DlfScriptInstanceProvider;
using sdk::Code;
using test::RecordingContext;
using Clock = std::chrono::steady_clock;

sdk::StopRequest stop_instance(int index) {
  sdk::StopRequest request;
  request.type = DlfScriptInstanceProvider::kName;
  request.target = {
      {"project_id", kProject}, {"script_name", kScript}, {"instance_id", running_instance(index)}};
  return request;
}

std::size_t faulted_requests() {
  std::size_t count = 0;
  for (const auto& entry : emulator().requests())
    if (entry.contains("fault")) ++count;
  return count;
}

class RetryDeadlineTest : public EmulatorTest {
 protected:
  DlfScriptInstanceProvider provider_{provider_config(token_settings())};
};

TEST_F(RetryDeadlineTest, StopSucceedsAfterInjected503s) {
  emulator().set_faults({{"fail_next", 3}, {"fail_status", 503}});
  auto context = RecordingContext::immediate(20s);
  const auto outcome = provider_.stop(stop_instance(0), *context);
  ASSERT_EQ(outcome.code, Code::stopped) << outcome.message;
  EXPECT_EQ(faulted_requests(), 3u);
  EXPECT_EQ(emulator().requests_with("POST").back()["status"], 204);
  // Each retry is logged for the stop, with what the service said.
  std::size_t retries = 0;
  for (const auto& line : context->log_lines())
    if (line.level == sdk::LogLevel::info && line.message.find("HTTP 503") != std::string::npos)
      ++retries;
  EXPECT_EQ(retries, 3u);
}

TEST_F(RetryDeadlineTest, ThrottlingWith429HonoursRetryAfter) {
  emulator().set_faults(
      {{"fail_next", 1}, {"fail_status", 429}, {"retry_after_s", 1}, {"method", "POST"}});
  auto context = RecordingContext::immediate(20s);
  const auto started = Clock::now();
  const auto outcome = provider_.stop(stop_instance(1), *context);
  const auto took = Clock::now() - started;
  ASSERT_EQ(outcome.code, Code::stopped) << outcome.message;
  const auto posts = emulator().requests_with("POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0]["status"], 429);
  EXPECT_EQ(posts[0]["error_code"], "APIGW.0308");
  EXPECT_GE(took, 950ms);  // the backoff alone would be ~20 ms
}

TEST_F(RetryDeadlineTest, PersistentFailuresGiveUpAtTheDeadline) {
  DlfScriptInstanceProvider patient(provider_config([] {
    auto settings = token_settings();
    settings["retry"] = {
        {"max_attempts", 20}, {"initial_backoff_ms", 100}, {"max_backoff_ms", 400}};
    return settings;
  }()));
  emulator().set_faults({{"fail_rate", 1.0}, {"fail_status", 503}});
  auto context = RecordingContext::immediate(1500ms);
  const auto started = Clock::now();
  const auto outcome = patient.stop(stop_instance(2), *context);
  const auto took = Clock::now() - started;
  EXPECT_EQ(outcome.code, Code::deadline_exceeded) << outcome.message;
  EXPECT_NE(outcome.message.find("HTTP 503"), std::string::npos) << outcome.message;
  EXPECT_GE(outcome.details.value("attempts", 0), 3);
  EXPECT_LT(took, 1500ms + 1s);  // never past the deadline by more than scheduling noise
}

TEST_F(RetryDeadlineTest, RetryAfterBeyondTheDeadlineGivesUpAtOnce) {
  emulator().set_faults({{"fail_rate", 1.0}, {"fail_status", 429}, {"retry_after_s", 60}});
  auto context = RecordingContext::immediate(5s);
  const auto started = Clock::now();
  const auto outcome = provider_.stop(stop_instance(3), *context);
  EXPECT_EQ(outcome.code, Code::deadline_exceeded) << outcome.message;
  EXPECT_NE(outcome.message.find("Retry-After"), std::string::npos) << outcome.message;
  EXPECT_LT(Clock::now() - started, 3s);
}

TEST_F(RetryDeadlineTest, ExhaustedAttemptsAreUnavailableForTheHostToRetry) {
  emulator().set_faults({{"fail_rate", 1.0}, {"fail_status", 502}});
  auto context = RecordingContext::immediate(20s);
  const auto outcome = provider_.stop(stop_instance(4), *context);
  EXPECT_EQ(outcome.code, Code::unavailable) << outcome.message;
  EXPECT_EQ(outcome.details["attempts"], 5);
  EXPECT_EQ(emulator().requests().size(), 5u);
}

TEST_F(RetryDeadlineTest, HangingRequestEndsWithDeadlineExceededOnTime) {
  emulator().set_faults({{"hang_next", 1}, {"hang_ms", 60000}});
  auto context = RecordingContext::immediate(1s);
  const auto started = Clock::now();
  const auto outcome = provider_.stop(stop_instance(5), *context);
  const auto took = Clock::now() - started;
  EXPECT_EQ(outcome.code, Code::deadline_exceeded) << outcome.message;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 3s);
}

TEST_F(RetryDeadlineTest, CancellationInterruptsAHangingRequest) {
  emulator().set_faults({{"hang_next", 1}, {"hang_ms", 60000}});
  auto context = RecordingContext::immediate(60s);
  auto running =
      std::async(std::launch::async, [&] { return provider_.stop(stop_instance(6), *context); });
  std::this_thread::sleep_for(300ms);
  const auto cancelled_at = Clock::now();
  context->cancel();
  ASSERT_EQ(running.wait_for(10s), std::future_status::ready);
  EXPECT_LT(Clock::now() - cancelled_at, 3s);
  EXPECT_EQ(running.get().code, Code::cancelled);
}

TEST_F(RetryDeadlineTest, RateLimitSpacesRequests) {
  DlfScriptInstanceProvider limited(provider_config([] {
    auto settings = token_settings();
    settings["rate_limit"] = {{"requests_per_second", 20}, {"burst", 1}};
    return settings;
  }()));
  const auto started = Clock::now();
  for (int i = 0; i < 5; ++i) {  // 10 requests (read + stop) at 20/s: at least ~450 ms
    auto context = RecordingContext::immediate(20s);
    ASSERT_EQ(limited.stop(stop_instance(10 + i), *context).code, Code::stopped);
  }
  EXPECT_GE(Clock::now() - started, 400ms);
}

}  // namespace
}  // namespace stopd::hwtest
