// Huawei Cloud stops against the emulator (a real process on a local port): 1,000 DLF stops at
// concurrency 32, each what the plugin sends (read the instance, then stop it), over the pooled
// client vs a baseline that opens a new TCP connection per request; same run, alternating
// rounds, medians and the ratio. Then the plugin itself (the provider class) over the pool, and
// the throughput with DLF's documented rate limit of 30 requests/s.
// Targets (issue 5): ≥ 3× the baseline's throughput, ≤ 32 connections opened.
//
// --tls serves HTTPS with the test certificates (as the real endpoints do; the client verifies
// them against the test CA), where a new connection costs a TLS handshake; without it, plain
// HTTP on loopback, where a new connection costs little more than a SYN.
//
//   stopd_bench_hwcloud_stop [--tls] [--stops 1000] [--concurrency 32] [--rounds 3]
//                            [--rate-stops 60]
#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "emulator_process.hpp"
#include "stopd/huaweicloud/api_client.hpp"
#include "stopd/huaweicloud/dlf_script_instance_provider.hpp"
#include "stopd/huaweicloud/url_path.hpp"

namespace {

using namespace stopd;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kProject[] = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";
constexpr char kToken[] = "bench-token";
constexpr char kScript[] = "bench_script";

std::string instance_id(std::size_t i) {
  return "inst-" + std::to_string(i);
}

nlohmann::json world(std::size_t instances) {
  nlohmann::json document;
  document["credentials"]["tokens"] = {{{"token", kToken}, {"project_id", kProject}}};
  auto& list = document["dlf"]["script_instances"] = nlohmann::json::array();
  for (std::size_t i = 0; i < instances; ++i)
    list.push_back(
        {{"project_id", kProject}, {"script_name", kScript}, {"instance_id", instance_id(i)}});
  return document;
}

// A minimal StopContext for the provider run: a fixed deadline, never cancelled.
class BenchContext final : public sdk::StopContext {
 public:
  std::string_view stop_id() const override { return "bench"; }
  unsigned attempt() const override { return 1; }
  Clock::time_point deadline() const override { return deadline_; }
  Clock::time_point force_at() const override { return Clock::now(); }
  bool cancelled() const override { return false; }
  void on_change(std::function<void()>) override {}
  void progress(std::string_view, const nlohmann::json&) override {}
  void log(sdk::LogLevel, std::string_view) override {}
  void complete(sdk::StopOutcome) override {}

 private:
  Clock::time_point deadline_ = Clock::now() + 60s;
};

struct RoundResult {
  double seconds = 0;
  double stops_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::size_t connections = 0;  // distinct client ports the emulator saw
  std::size_t failures = 0;
};

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  return values[index];
}

std::size_t connections_seen(const hwtest::EmulatorProcess& emulator) {
  std::set<std::string> ports;
  for (const auto& entry : emulator.requests()) ports.insert(entry["connection"]);
  return ports.size();
}

// Runs `stop(i)` for i in [0, stops) on `concurrency` threads; true = success.
template <class StopOne>
RoundResult run_round(const hwtest::EmulatorProcess& emulator, std::size_t stops,
                      std::size_t concurrency, StopOne stop) {
  emulator.reset();
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> failures{0};
  std::vector<std::vector<double>> latencies(concurrency);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < concurrency; ++t)
    threads.emplace_back([&, t] {
      for (std::size_t i = next++; i < stops; i = next++) {
        const auto begin = Clock::now();
        if (!stop(i)) ++failures;
        latencies[t].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
      }
    });
  for (auto& thread : threads) thread.join();
  RoundResult result;
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.stops_per_second = static_cast<double>(stops) / result.seconds;
  std::vector<double> all;
  for (const auto& part : latencies) all.insert(all.end(), part.begin(), part.end());
  result.p50_ms = percentile(all, 0.50);
  result.p99_ms = percentile(all, 0.99);
  result.connections = connections_seen(emulator);
  result.failures = failures.load();
  return result;
}

// What the plugin sends for one stop, straight through the client.
bool client_stop(huaweicloud::ApiClient& client, std::size_t i) {
  const huaweicloud::DeadlineScope scope(Clock::now() + 30s, nullptr);
  const auto base =
      std::vector<std::string>{"v1", kProject, "scripts", kScript, "instances", instance_id(i)};
  huaweicloud::ApiRequest read{
      "GET",
      huaweicloud::build_path({base[0], base[1], base[2], base[3], base[4], base[5]}),
      {},
      std::nullopt};
  huaweicloud::ApiRequest stop{
      "POST",
      huaweicloud::build_path({base[0], base[1], base[2], base[3], base[4], base[5], "stop"}),
      {},
      std::nullopt};
  const auto first = client.call(read, scope);
  if (!first.response || first.response->status != 200) return false;
  const auto second = client.call(stop, scope);
  return second.response && second.response->status == 204;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void print(const char* name, const RoundResult& r) {
  std::cout << std::fixed << std::setprecision(1) << "  " << std::left << std::setw(26) << name
            << std::right << std::setw(9) << r.stops_per_second << " stops/s  p50 " << std::setw(6)
            << r.p50_ms << " ms  p99 " << std::setw(6) << r.p99_ms << " ms  connections "
            << std::setw(5) << r.connections << "  failures " << r.failures << "\n";
}

bool has_flag(int argc, char** argv, const char* name) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return true;
  return false;
}

std::size_t flag(int argc, char** argv, const char* name, std::size_t fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::stoul(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t stops = flag(argc, argv, "--stops", 1000);
  const std::size_t concurrency = flag(argc, argv, "--concurrency", 32);
  const std::size_t rounds = flag(argc, argv, "--rounds", 3);
  const std::size_t rate_stops = flag(argc, argv, "--rate-stops", 60);
  const bool tls = has_flag(argc, argv, "--tls");

  const auto fixture = std::filesystem::temp_directory_path() / "stopd-hwcloud-bench-world.json";
  std::ofstream(fixture) << world(std::max(stops, rate_stops)).dump();
  hwtest::EmulatorProcess emulator(
      fixture, tls ? hwtest::tls_args(STOPD_TEST_TLS_DIR) : std::vector<std::string>{});
  const std::string ca_file = hwtest::tls_ca_file(STOPD_TEST_TLS_DIR);

  huaweicloud::ClientSettings settings;
  settings.endpoint = emulator.url();
  if (tls) settings.ca_file = ca_file;
  settings.credentials = huaweicloud::Credentials::parse({{"token", kToken}}, "auth");
  settings.max_connections = static_cast<unsigned>(concurrency);
  huaweicloud::ApiClient pooled(settings, "DLF", nullptr);
  settings.reuse_connections = false;
  huaweicloud::ApiClient fresh(settings, "DLF", nullptr);

  std::cout << stops << " DLF stops (GET + POST each) at concurrency " << concurrency
            << " against the emulator (" << (tls ? "HTTPS" : "plain HTTP") << "), " << rounds
            << " alternating rounds\n";
  std::vector<double> pooled_rates, fresh_rates, pooled_p50, fresh_p50, pooled_p99, fresh_p99;
  std::size_t pooled_connections = 0, fresh_connections = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    const auto a = run_round(emulator, stops, concurrency,
                             [&](std::size_t i) { return client_stop(pooled, i); });
    const auto b = run_round(emulator, stops, concurrency,
                             [&](std::size_t i) { return client_stop(fresh, i); });
    print("pooled connections", a);
    print("new connection / request", b);
    pooled_rates.push_back(a.stops_per_second);
    fresh_rates.push_back(b.stops_per_second);
    pooled_p50.push_back(a.p50_ms);
    fresh_p50.push_back(b.p50_ms);
    pooled_p99.push_back(a.p99_ms);
    fresh_p99.push_back(b.p99_ms);
    pooled_connections = std::max(pooled_connections, a.connections);
    fresh_connections = std::max(fresh_connections, b.connections);
  }
  std::cout << std::fixed << std::setprecision(1) << "medians: pooled " << median(pooled_rates)
            << " stops/s (p50 " << median(pooled_p50) << " ms, p99 " << median(pooled_p99)
            << " ms, ≤ " << pooled_connections << " connections/round), baseline "
            << median(fresh_rates) << " stops/s (p50 " << median(fresh_p50) << " ms, p99 "
            << median(fresh_p99) << " ms, " << fresh_connections << " connections/round); ratio "
            << std::setprecision(2) << median(pooled_rates) / median(fresh_rates) << "x\n";
  std::cout << "client-side count of connections opened over all rounds: pooled "
            << pooled.connections_opened() << ", baseline " << fresh.connections_opened() << "\n";

  // The plugin itself, over its pool (rate limit off), and with DLF's 30 requests/s.
  auto provider_settings = nlohmann::json{{"endpoint", emulator.url()},
                                          {"auth", {{"token", kToken}}},
                                          {"max_connections", concurrency},
                                          {"rate_limit", {{"requests_per_second", 0}}}};
  if (tls) provider_settings["tls"] = {{"ca_file", ca_file}};
  huaweicloud::DlfScriptInstanceProvider provider(sdk::ProviderConfig{provider_settings, nullptr});
  auto provider_stop = [](huaweicloud::DlfScriptInstanceProvider& p, std::size_t i) {
    BenchContext context;
    sdk::StopRequest request;
    request.target = {
        {"project_id", kProject}, {"script_name", kScript}, {"instance_id", instance_id(i)}};
    return p.stop(request, context).code == sdk::Code::stopped;
  };
  print("provider class, pooled", run_round(emulator, stops, concurrency, [&](std::size_t i) {
          return provider_stop(provider, i);
        }));
  provider_settings.erase("rate_limit");  // the plugin's default: 30 requests/s, burst 30
  huaweicloud::DlfScriptInstanceProvider limited(sdk::ProviderConfig{provider_settings, nullptr});
  const auto rate = run_round(emulator, rate_stops, concurrency,
                              [&](std::size_t i) { return provider_stop(limited, i); });
  print("provider, 30 req/s limit", rate);
  std::cout << "  (" << rate_stops << " stops = " << 2 * rate_stops << " requests in "
            << std::setprecision(2) << rate.seconds
            << " s: " << 2.0 * static_cast<double>(rate_stops) / rate.seconds << " requests/s)\n";
  std::filesystem::remove(fixture);
  return 0;
}
