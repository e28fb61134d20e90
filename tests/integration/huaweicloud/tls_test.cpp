// The client over HTTPS, against the emulator serving the test certificates: verification is on
// by default (the test CA is not in the system's bundle, so it is refused without a retry),
// settings.tls.ca_file makes it trusted, and settings.tls.verify = false is allowed but logged.
#include <gtest/gtest.h>

#include <fstream>

#include "emulator_environment.hpp"
#include "stopd/huaweicloud/dlf_script_instance_provider.hpp"
#include "stopd/test/recording_context.hpp"

namespace stopd::hwtest {
namespace {

using huaweicloud::DlfScriptInstanceProvider;
using sdk::Code;
using test::RecordingContext;

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fixture_ = std::filesystem::temp_directory_path() /
               ("stopd-hwcloud-tls-" + std::to_string(::getpid()) + ".json");
    std::ofstream(fixture_) << test_world().dump();
    emulator_ = new EmulatorProcess(fixture_, tls_args(STOPD_TEST_TLS_DIR));
  }
  static void TearDownTestSuite() {
    delete emulator_;
    emulator_ = nullptr;
    std::error_code ignored;
    std::filesystem::remove(fixture_, ignored);
  }
  void SetUp() override { emulator_->reset(); }

  static nlohmann::json settings(const nlohmann::json& tls) {
    auto settings = token_settings();
    settings["endpoint"] = emulator_->url();
    if (!tls.is_null()) settings["tls"] = tls;
    return settings;
  }
  static sdk::StopRequest stop_of(int instance) {
    sdk::StopRequest request;
    request.type = DlfScriptInstanceProvider::kName;
    request.target = {{"project_id", kProject},
                      {"script_name", kScript},
                      {"instance_id", running_instance(instance)}};
    return request;
  }

  static inline std::filesystem::path fixture_;
  static inline EmulatorProcess* emulator_ = nullptr;
};

TEST_F(TlsTest, TheEmulatorServesHttps) {
  EXPECT_EQ(emulator_->url().rfind("https://127.0.0.1:", 0), 0u) << emulator_->url();
}

TEST_F(TlsTest, AServerTheSystemDoesNotTrustIsRefusedAtOnce) {
  DlfScriptInstanceProvider provider(provider_config(settings(nullptr)));
  auto context = RecordingContext::immediate();
  const auto outcome = provider.stop(stop_of(1), *context);
  EXPECT_EQ(outcome.code, Code::failed_precondition) << outcome.message;
  EXPECT_NE(outcome.message.find("settings.tls"), std::string::npos) << outcome.message;
  EXPECT_TRUE(emulator_->requests().empty()) << "no request may pass an unverified handshake";
}

TEST_F(TlsTest, TheConfiguredCaBundleMakesItTrusted) {
  DlfScriptInstanceProvider provider(
      provider_config(settings({{"ca_file", tls_ca_file(STOPD_TEST_TLS_DIR)}})));
  auto context = RecordingContext::immediate();
  const auto outcome = provider.stop(stop_of(2), *context);
  ASSERT_EQ(outcome.code, Code::stopped) << outcome.message;
  EXPECT_EQ(emulator_->requests_with("POST").size(), 1u);
}

TEST_F(TlsTest, VerificationOffWorksAndSaysSoInTheLog) {
  auto logger = std::make_shared<test::RecordingLogger>();
  DlfScriptInstanceProvider provider(provider_config(settings({{"verify", false}}), logger));
  auto context = RecordingContext::immediate();
  const auto outcome = provider.stop(stop_of(3), *context);
  ASSERT_EQ(outcome.code, Code::stopped) << outcome.message;
  bool warned = false;
  for (const auto& [level, line] : logger->lines())
    warned =
        warned || (level == sdk::LogLevel::warn && line.find("tls.verify") != std::string::npos);
  EXPECT_TRUE(warned) << "turning verification off must not be silent";
}

}  // namespace
}  // namespace stopd::hwtest
