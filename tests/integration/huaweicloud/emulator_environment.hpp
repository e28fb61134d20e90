// What every Huawei Cloud integration test shares: one emulator process per test binary run
// (a gtest Environment) loaded with the test world below, reset before each test, and helpers
// to build the plugins' providers pointed at it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "emulator_process.hpp"
#include "stopd/sdk/provider_config.hpp"
#include "stopd/test/recording_logger.hpp"

namespace stopd::hwtest {

// The test world's ids and credentials. The secrets are distinctive so that a test can search
// every log line and report for them.
inline constexpr char kProject[] = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";
inline constexpr char kOtherProject[] = "9f8e7d6c5b4a49382716f5e4d3c2b1a0";
inline constexpr char kToken[] = "tok-SECRET-7f3c91a0-project-a";
inline constexpr char kOtherProjectToken[] = "tok-SECRET-52be0d17-project-b";
inline constexpr char kReadOnlyToken[] = "tok-SECRET-0c44e9b2-read-only";
inline constexpr char kAccessKey[] = "AKTEST0PROJECTA00001";
inline constexpr char kSecretKey[] = "sk-SECRET-93d1f0aa4b7e-project-a";

// CDM clusters
inline constexpr char kBusyCluster[] = "c0000000-0000-4000-8000-000000000001";  // 2 jobs, ≤ 1.5 s
inline constexpr char kIdleCluster[] = "c0000000-0000-4000-8000-000000000002";
inline constexpr char kStoppedCluster[] = "c0000000-0000-4000-8000-000000000900";
inline constexpr char kFrozenCluster[] = "c0000000-0000-4000-8000-000000000800";
// DLF: 64 running instances "inst-00".."inst-63" of script "etl_daily", instance "slow" that
// takes 800 ms to end after its stop, a finished one, and one in workspace "analytics".
inline constexpr char kScript[] = "etl_daily";
inline constexpr char kSlowInstance[] = "slow-0001";
inline constexpr char kFinishedInstance[] = "done-0001";
inline constexpr char kWorkspace[] = "analytics";
inline constexpr char kWorkspaceInstance[] = "ws-0001";
// A script whose name needs encoding: non-ASCII, a space, a '/', a '%', a '?'.
inline constexpr char kOddScript[] = "报表 daily/v2%3F?x";
inline constexpr char kOddInstance[] = "odd-0001";
// FunctionGraph
inline constexpr char kGraph[] =
    "urn:fgs:cn-north-4:0a1b2c3d4e5f40718293a4b5c6d7e8f9:graph:video-analysis";
inline constexpr char kExecutionPrefix[] =
    "urn:fgs:cn-north-4:0a1b2c3d4e5f40718293a4b5c6d7e8f9:execution:video-analysis:run:";

std::string running_instance(int index);  // "inst-07"
std::string execution_urn(int index);     // kExecutionPrefix + index, 8 exist

// The world as a fixture document.
nlohmann::json test_world();

// The running emulator (started by the environment).
const EmulatorProcess& emulator();

// Plugin settings pointing at the emulator: token auth, fast retries and polling.
nlohmann::json token_settings(const std::string& token = kToken);
nlohmann::json aksk_settings(const std::string& secret_key = kSecretKey);

sdk::ProviderConfig provider_config(const nlohmann::json& settings,
                                    std::shared_ptr<test::RecordingLogger> logger = nullptr);

// Resets the emulator before each test, so every test starts from the fixture.
class EmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override { emulator().reset(); }
};

}  // namespace stopd::hwtest
