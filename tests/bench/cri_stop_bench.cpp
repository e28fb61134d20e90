// Stop latency of CRI containers, immediate: through `stopd` (Stop with wait, over its unix
// socket, cri.container calling ContainerStatus, StopContainer(timeout 0), ContainerStatus) vs a
// direct CRI StopContainer(timeout 0) on the same private containerd, in the same run. The two
// alternate container by container, one stop at a time, so drift in containerd hits both alike.
// Each container has a pod of its own (containerd 1.6's shim is slow to kill many containers of
// one pod). Reports median and p99 of each and the ratio of the medians (target: <= 1.1).
//
//   stopd_bench_cri_stop [--containers 50]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "stopd/v1/stopd.grpc.pb.h"
#include "support/cri_environment.hpp"
#include "support/cri_pods.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using stopd::cri_test::PrivateContainerd;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  const auto index =
      static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

// stopd on `containerd`, in `dir`; the pid.
pid_t start_stopd(const std::filesystem::path& dir, const PrivateContainerd& containerd) {
  const nlohmann::json config = {
      {"plugin_dirs", {STOPD_PLUGIN_BUILD_DIR}},
      {"listen", {{"unix_socket", (dir / "stopd.sock").string()}}},
      {"journal", {{"file", (dir / "journal.db").string()}}},
      {"providers", {{"cri.container", {{"settings", {{"endpoint", containerd.endpoint()}}}}}}},
      {"log_level", "warn"}};
  std::ofstream(dir / "stopd.json") << config.dump(2);
  const pid_t pid = fork();
  if (pid == 0) {
    execl(STOPD_DAEMON_PATH, STOPD_DAEMON_PATH, "--config", (dir / "stopd.json").c_str(), nullptr);
    _exit(127);
  }
  return pid;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 50;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--containers") count = std::stoi(argv[i + 1]);

  const char* image = stopd::cri_test::test_image_path();
  if (const auto missing = PrivateContainerd::missing_requirements(image); !missing.empty()) {
    std::cerr << "cannot run: missing " << missing << "\n";
    return 1;
  }
  PrivateContainerd containerd(image);
  char dir_template[] = "/tmp/scri-bench-XXXXXX";
  const std::filesystem::path dir = mkdtemp(dir_template);

  std::cerr << "creating " << 2 * count << " pods with a container each…\n";
  std::vector<std::string> ids;
  for (int i = 0; i < 2 * count; ++i)
    ids.push_back(stopd::cri_test::start_container(containerd,
                                                   stopd::cri_test::run_pod(containerd, "bench"),
                                                   "c", stopd::cri_test::ignores_sigterm()));

  const pid_t daemon = start_stopd(dir, containerd);
  auto channel = grpc::CreateChannel("unix:" + (dir / "stopd.sock").string(),
                                     grpc::InsecureChannelCredentials());
  auto stub = stopd::v1::StopService::NewStub(channel);
  const auto until = Clock::now() + 30s;
  for (;;) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 1s);
    stopd::v1::ListProvidersResponse providers;
    if (stub->ListProviders(&context, {}, &providers).ok()) break;
    if (Clock::now() > until) {
      std::cerr << "stopd did not come up (config " << (dir / "stopd.json") << ")\n";
      kill(daemon, SIGKILL);
      return 1;
    }
    std::this_thread::sleep_for(20ms);
  }

  std::vector<double> direct_ms, stopd_ms;
  int failures = 0;
  for (int i = 0; i < count; ++i) {
    {  // direct: the same one call the provider's stop makes
      stopd::cri_test::v1::StopContainerRequest request;
      request.set_container_id(ids[static_cast<std::size_t>(2 * i)]);
      stopd::cri_test::v1::StopContainerResponse response;
      const auto start = Clock::now();
      const auto status = containerd.client().call(request, &response);
      direct_ms.push_back(ms_since(start));
      if (!status.ok()) ++failures;
    }
    {  // stopd
      stopd::v1::StopRequest request;
      request.set_type("cri.container");
      (*request.mutable_target()->mutable_fields())["container_id"].set_string_value(
          ids[static_cast<std::size_t>(2 * i + 1)]);
      request.set_mode(stopd::v1::MODE_IMMEDIATE);
      request.set_wait(true);
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + 60s);
      stopd::v1::Job job;
      const auto start = Clock::now();
      const auto status = stub->Stop(&context, request, &job);
      stopd_ms.push_back(ms_since(start));
      if (!status.ok() || job.outcome().code() != "stopped") {
        ++failures;
        std::cerr << "stopd: " << status.error_message() << " " << job.outcome().code() << " "
                  << job.outcome().message() << "\n";
      }
    }
  }
  kill(daemon, SIGTERM);
  waitpid(daemon, nullptr, 0);
  std::filesystem::remove_all(dir);

  const double direct_p50 = percentile(direct_ms, 0.5), stopd_p50 = percentile(stopd_ms, 0.5);
  std::printf("containers per method: %d (immediate, one at a time, alternating)\n", count);
  std::printf("direct CRI StopContainer: median %.1f ms  p99 %.1f ms\n", direct_p50,
              percentile(direct_ms, 0.99));
  std::printf("through stopd:            median %.1f ms  p99 %.1f ms\n", stopd_p50,
              percentile(stopd_ms, 0.99));
  std::printf("ratio of medians: %.2fx (target <= 1.1x); failures: %d\n", stopd_p50 / direct_p50,
              failures);
  return failures == 0 ? 0 : 1;
}
