// The whole host on real processes: the plugin loaded from the build's plugin directory by the
// real loader, every stop through the dispatcher. What only the combination can show: single
// flight and escalation across requests, per-provider limits and selectors end to end.
#include <gtest/gtest.h>

#include <thread>

#include "stopd/core/host.hpp"
#include "stopd/test/child_process.hpp"
#include "stopd/test/isolation_mode.hpp"
#include "stopd/test/process_probe.hpp"

namespace stopd::test {
namespace {

using namespace std::chrono_literals;
using sdk::Code;

core::HostConfig config_with(nlohmann::json providers = nlohmann::json::object()) {
  nlohmann::json document = {{"plugin_dirs", {STOPD_PLUGIN_BUILD_DIR}}};
  if (!providers.empty()) document["providers"] = providers;
  return core::parse_host_config(test::with_test_isolation(document, {"local.process"}), "");
}

sdk::StopRequest stop_pid(pid_t pid, std::optional<std::chrono::milliseconds> grace) {
  sdk::StopRequest request;
  request.type = "local.process";
  request.target = {{"pid", pid}};
  if (grace) {
    request.grace = *grace;
  } else {
    request.mode = sdk::Mode::immediate;
  }
  return request;
}

// How many times a signal went out, from a local.process outcome's details.
int sent(const nlohmann::json& details, const std::string& signal) {
  int count = 0;
  for (const auto& entry : details.value("signals", nlohmann::json::array()))
    if (entry.value("signal", "") == signal) count += entry.value("processes", 0);
  return count;
}

class CountingObserver final : public core::StopObserver {
 public:
  void on_event(const core::StopEvent& event) override {
    std::lock_guard lock(mutex_);
    ++counts_[event.kind];
  }
  int count(core::StopEventKind kind) {
    std::lock_guard lock(mutex_);
    return counts_[kind];
  }

 private:
  std::mutex mutex_;
  std::map<core::StopEventKind, int> counts_;
};

TEST(HostWithProcessPlugin, LoadsTheBuiltPlugin) {
  core::Host host(config_with(), {});
  EXPECT_TRUE(host.load_report().refused.empty());
  const auto* provider = host.registry().find("local.process");
  ASSERT_NE(provider, nullptr);
  EXPECT_TRUE(provider->info.capabilities.asynchronous);
  EXPECT_EQ(provider->library.filename(), "libstopd_process.so");
  // The run with STOPD_TEST_ISOLATION=process really serves it from a plugin host.
  EXPECT_EQ(provider->plugin_host != nullptr, test::isolated_run());
}

TEST(HostWithProcessPlugin, ConcurrentStopsOfOneProcessShareOneStopAndImmediateEscalatesIt) {
  core::Host host(config_with(), {});
  auto child = spawn_child({"--ignore-term"});
  auto first = host.dispatcher().submit(stop_pid(child.pid(), 600s));
  auto second = host.dispatcher().submit(stop_pid(child.pid(), 300s));
  // Still alive: it ignores SIGTERM and nobody asked to force yet.
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(child.running());
  const auto before = std::chrono::steady_clock::now();
  auto immediate = host.dispatcher().submit(stop_pid(child.pid(), std::nullopt));
  const auto& forced = immediate->wait();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 30s);  // not the 300 s grace
  for (const auto* result : {&first->wait(), &second->wait(), &forced}) {
    EXPECT_EQ(result->outcome.code, Code::stopped) << result->outcome.message;
    EXPECT_TRUE(result->outcome.forced);
    EXPECT_EQ(result->stop_id, forced.stop_id);
    // One stop for three requests: one SIGTERM, one SIGKILL, never the graceful signal twice.
    EXPECT_EQ(sent(result->outcome.details, "SIGTERM"), 1) << result->outcome.details.dump();
    EXPECT_EQ(sent(result->outcome.details, "SIGKILL"), 1) << result->outcome.details.dump();
  }
  EXPECT_FALSE(first->wait().joined);
  EXPECT_TRUE(second->wait().joined);
  EXPECT_TRUE(forced.joined);
  EXPECT_TRUE(child.wait_exit(10s).has_value());
}

// local.process completes on its own loop thread. Isolated, such completions gather while other
// stops are in flight and leave at the plugin host's next turn (plugin_host_service.cpp); alone,
// one leaves at once. Neither waits for the stops still in flight: here one that takes a minute.
TEST(HostWithProcessPlugin, StopsCompletedOnThePluginsThreadDoNotWaitForTheOnesStillInFlight) {
  core::Host host(config_with(), {});
  auto slow = spawn_child({"--ignore-term"});
  auto slow_stop = host.dispatcher().submit(stop_pid(slow.pid(), 60s));
  auto children = spawn_children(50, {});
  std::vector<std::shared_ptr<core::StopTicket>> tickets;
  const auto before = std::chrono::steady_clock::now();
  for (const auto& child : children)
    tickets.push_back(host.dispatcher().submit(stop_pid(child.pid(), 60s)));
  for (const auto& ticket : tickets) {
    ASSERT_TRUE(ticket->wait_for(30s)) << "held back until the slow stop ends";
    EXPECT_EQ(ticket->wait().outcome.code, Code::stopped) << ticket->wait().outcome.message;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - before, 30s);
  EXPECT_FALSE(slow_stop->done());
  // Forced now; then the same plugin with nothing else in flight.
  EXPECT_EQ(host.dispatcher().submit(stop_pid(slow.pid(), std::nullopt))->wait().outcome.code,
            Code::stopped);
  auto lone = spawn_child({});
  const auto ticket = host.dispatcher().submit(stop_pid(lone.pid(), 60s));
  ASSERT_TRUE(ticket->wait_for(30s)) << "a lone completion was held back";
  EXPECT_EQ(ticket->wait().outcome.code, Code::stopped) << ticket->wait().outcome.message;
}

TEST(HostWithProcessPlugin, ConfiguredConcurrencyLimitQueuesTheRest) {
  core::Host host(config_with({{"local.process", {{"max_concurrency", 1}}}}), {});
  auto observer = std::make_shared<CountingObserver>();
  host.dispatcher().add_observer(observer);
  auto a = spawn_child({"--ignore-term"});
  auto b = spawn_child({"--ignore-term"});
  const auto start = std::chrono::steady_clock::now();
  auto first = host.dispatcher().submit(stop_pid(a.pid(), 500ms));
  auto second = host.dispatcher().submit(stop_pid(b.pid(), 500ms));
  EXPECT_EQ(first->wait().outcome.code, Code::stopped);
  EXPECT_EQ(second->wait().outcome.code, Code::stopped);
  // One at a time: the second grace only started when the first stop ended.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
  EXPECT_EQ(observer->count(core::StopEventKind::queued), 1);
  EXPECT_EQ(observer->count(core::StopEventKind::finished), 2);
}

// plugin_dirs replaces the bundled directory: said in the load report (and the log), unless the
// list names it or is empty on purpose.
TEST(HostWithProcessPlugin, PluginDirsWithoutTheBundledDirectorySayTheyReplaceIt) {
  const auto warns = [](nlohmann::json dirs) {
    const core::Host host(core::parse_host_config({{"plugin_dirs", dirs}}, ""),
                          STOPD_PLUGIN_BUILD_DIR);
    for (const auto& warning : host.load_report().warnings)
      if (warning.find("replaces the bundled plugin directory " +
                       std::string(STOPD_PLUGIN_BUILD_DIR)) != std::string::npos)
        return true;
    return false;
  };
  EXPECT_TRUE(warns({"/nonexistent/stopd-plugins"}));
  EXPECT_FALSE(warns({"/nonexistent/stopd-plugins", STOPD_PLUGIN_BUILD_DIR}));
  EXPECT_FALSE(warns(nlohmann::json::array()));
}

TEST(HostWithProcessPlugin, SelectorListsTargetsThatStopTheGroup) {
  core::Host host(config_with(), {});
  auto group = spawn_child({"--setpgid", "--children", "2"});
  const auto targets = host.list("local.process", {{"pgid", group.pid()}});
  ASSERT_EQ(targets.size(), 3u);
  for (const auto& target : targets) {
    sdk::StopRequest request;
    request.type = "local.process";
    request.target = target;  // {"pid": N, "start_time": T}
    request.grace = 5s;
    const auto result = host.dispatcher().stop(request);
    EXPECT_EQ(result.outcome.code, Code::stopped) << result.outcome.message;
  }
  EXPECT_TRUE(wait_until([&] { return group.all_exited(); }, 10s));
  try {
    host.list("local.process", {{"colour", "red"}});
    ADD_FAILURE() << "an invalid selector was accepted";
  } catch (const sdk::StopError& e) {
    EXPECT_EQ(e.code(), Code::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("selector"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace stopd::test
