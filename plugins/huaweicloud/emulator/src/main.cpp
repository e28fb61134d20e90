// stopd-hwcloud-emulator: the three Huawei Cloud stop APIs on a local port, for tests,
// benchmarks and trying stop plans without a cloud account. SIGINT or SIGTERM stops it.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <thread>

#include "emulator_options.hpp"
#include "emulator_server.hpp"
#include "stopd/build_info/build_info.hpp"

int main(int argc, char** argv) {
  using namespace stopd::hwemu;
  EmulatorOptions options;
  try {
    options = parse_options(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::invalid_argument& e) {
    std::cerr << "stopd-hwcloud-emulator: " << e.what() << "\n";
    return 2;
  }
  if (options.help) {
    std::cout << usage();
    return 0;
  }
  if (options.version) {
    std::cout << stopd::version_text("stopd-hwcloud-emulator");
    return 0;
  }
  Fixture fixture;
  try {
    if (options.fixture) fixture = load_fixture(*options.fixture);
  } catch (const std::runtime_error& e) {
    std::cerr << "stopd-hwcloud-emulator: " << e.what() << "\n";
    return 2;
  }

  // Signals are taken by a thread of our own (blocked everywhere else, inherited by the
  // server's threads) so that stopping is an ordinary call, not work in a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::optional<EmulatorServer::TlsFiles> tls;
  if (options.tls_cert) tls = EmulatorServer::TlsFiles{*options.tls_cert, *options.tls_key};
  std::optional<EmulatorServer> server;
  int port = 0;
  try {
    server.emplace(std::move(fixture), options.faults, tls);
    port = server->bind(options.host, options.port);
  } catch (const std::runtime_error& e) {
    std::cerr << "stopd-hwcloud-emulator: " << e.what() << "\n";
    return 1;
  }
  std::thread waiter([&server, signals] {
    int received = 0;
    sigwait(&signals, &received);
    server->stop();
  });
  std::cout << "listening on " << (tls ? "https://" : "http://") << options.host << ":" << port
            << std::endl;
  server->serve();
  // Keep-alive connections can hold server threads for seconds after stop(); nothing is left to
  // save, so leave without waiting for them.
  std::cout.flush();
  waiter.detach();
  std::_Exit(0);
}
