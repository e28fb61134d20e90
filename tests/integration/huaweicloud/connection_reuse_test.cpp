// Connection reuse, proven by the emulator's request log (one remote port = one TCP connection):
// many stops from many threads share a few connections; the no-reuse baseline opens one per
// request.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "emulator_environment.hpp"
#include "stopd/huaweicloud/api_client.hpp"
#include "stopd/huaweicloud/dlf_script_instance_provider.hpp"
#include "stopd/huaweicloud/url_path.hpp"
#include "stopd/test/recording_context.hpp"

namespace stopd::hwtest {
namespace {

using namespace std::chrono_literals;
using huaweicloud::DlfScriptInstanceProvider;

std::set<std::string> connections_used() {
  std::set<std::string> connections;
  for (const auto& entry : emulator().requests()) connections.insert(entry["connection"]);
  return connections;
}

class ConnectionReuseTest : public EmulatorTest {};

TEST_F(ConnectionReuseTest, SixtyFourStopsFromEightThreadsUseAtMostEightConnections) {
  DlfScriptInstanceProvider provider(provider_config(token_settings()));
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::atomic<int> stopped{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < 64; i += kThreads) {
        auto context = test::RecordingContext::immediate(20s);
        sdk::StopRequest request;
        request.target = {{"project_id", kProject},
                          {"script_name", kScript},
                          {"instance_id", running_instance(i)}};
        if (provider.stop(request, *context).code == sdk::Code::stopped) ++stopped;
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(stopped.load(), 64);
  EXPECT_EQ(emulator().requests().size(), 128u);  // a read and a stop each
  const auto connections = connections_used();
  EXPECT_GE(connections.size(), 1u);
  EXPECT_LE(connections.size(), static_cast<std::size_t>(kThreads));
}

TEST_F(ConnectionReuseTest, TheNoReuseBaselineOpensAConnectionPerRequest) {
  huaweicloud::ClientSettings settings;
  settings.endpoint = emulator().url();
  settings.credentials = huaweicloud::Credentials::parse({{"token", kToken}}, "auth");
  settings.reuse_connections = false;
  huaweicloud::ApiClient fresh(settings, "DLF", nullptr);
  settings.reuse_connections = true;
  huaweicloud::ApiClient pooled(settings, "DLF", nullptr);
  const huaweicloud::DeadlineScope scope(std::chrono::steady_clock::now() + 20s, nullptr);
  huaweicloud::ApiRequest read{"GET",
                               huaweicloud::build_path({"v1", kProject, "scripts", kScript,
                                                        "instances", running_instance(0)}),
                               {},
                               std::nullopt};
  for (int i = 0; i < 10; ++i) ASSERT_EQ(fresh.call(read, scope).response->status, 200);
  EXPECT_EQ(connections_used().size(), 10u);
  EXPECT_EQ(fresh.connections_opened(), 10u);
  emulator().reset();
  for (int i = 0; i < 10; ++i) ASSERT_EQ(pooled.call(read, scope).response->status, 200);
  EXPECT_EQ(connections_used().size(), 1u);
  EXPECT_EQ(pooled.connections_opened(), 1u);
}

}  // namespace
}  // namespace stopd::hwtest
