#include "emulator_options.hpp"

#include <charconv>
#include <stdexcept>

namespace stopd::hwemu {
namespace {

long long integer(const std::string& flag, const std::string& text, long long min, long long max) {
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max)
    throw std::invalid_argument(flag + ": expected an integer from " + std::to_string(min) +
                                " to " + std::to_string(max) + ", got '" + text + "'");
  return value;
}

double share(const std::string& flag, const std::string& text) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size() && value >= 0 && value <= 1) return value;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(flag + ": expected a number from 0 to 1, got '" + text + "'");
}

}  // namespace

const char* usage() {
  return R"(Usage: stopd-hwcloud-emulator [--fixture FILE] [--port N] [--host ADDR]
                             [--tls-cert PEM --tls-key PEM] [faults…]

A local emulator of the three Huawei Cloud stop APIs that stopd's plugins call, with state:
  CDM            GET  /v1.1/{project_id}/clusters/{cluster_id}
                 POST /v1.1/{project_id}/clusters/{cluster_id}/action
  DLF            GET  /v1/{project_id}/scripts/{script_name}/instances/{instance_id}
                 POST /v1/{project_id}/scripts/{script_name}/instances/{instance_id}/stop
  FunctionGraph  POST /v1.0/{project_id}/cloud_graphs/{graph_urn}/executions/action
Requests authenticate with X-Auth-Token or AK/SK signatures (SDK-HMAC-SHA256) from the fixture.

Options:
  --fixture FILE       the clusters, script instances, executions and credentials (JSON);
                       see plugins/huaweicloud/emulator/fixtures/demo.json
  --port N             port to listen on (default 8780); 0 picks a free one
  --host ADDR          address to listen on (default 127.0.0.1)
  --tls-cert PEM       serve HTTPS with this certificate (chain), as the real endpoints do;
  --tls-key PEM        with this private key. Both or neither; default plain HTTP
  --latency-ms N       add N ms to every answer
  --fail-rate R        answer a share R (0..1) of requests with --fail-status
  --fail-status S      429 (APIGW.0308 throttling) or a 5xx (default 503)
  --retry-after S      send Retry-After: S with those failures
  --hang-rate R        let a share R of requests hang (for --hang-ms, default 600000)
  --hang-ms N          how long a hanging request hangs
  --version            the version, git commit, SDK ABI and toolchain of this build
  -h, --help           this text

Prints "listening on http://ADDR:PORT" (https:// with TLS) once ready. Control endpoints (no auth):
  GET /_emulator/health | GET /_emulator/state | GET, DELETE /_emulator/requests
  GET, PUT /_emulator/faults ({"fail_next": 3, "fail_status": 429, "retry_after_s": 1, …})
  POST /_emulator/reset
)";
}

EmulatorOptions parse_options(const std::vector<std::string>& args) {
  EmulatorOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "-h" || flag == "--help") {
      options.help = true;
      continue;
    }
    if (flag == "--version") {
      options.version = true;
      continue;
    }
    if (i + 1 >= args.size())
      throw std::invalid_argument(flag + ": unknown option or missing value");
    const std::string& value = args[++i];
    if (flag == "--fixture")
      options.fixture = value;
    else if (flag == "--port")
      options.port = static_cast<int>(integer(flag, value, 0, 65535));
    else if (flag == "--host")
      options.host = value;
    else if (flag == "--tls-cert")
      options.tls_cert = value;
    else if (flag == "--tls-key")
      options.tls_key = value;
    else if (flag == "--latency-ms")
      options.faults.latency = std::chrono::milliseconds(integer(flag, value, 0, 600000));
    else if (flag == "--fail-rate")
      options.faults.fail_rate = share(flag, value);
    else if (flag == "--fail-status") {
      options.faults.fail_status = static_cast<int>(integer(flag, value, 429, 599));
      if (options.faults.fail_status != 429 && options.faults.fail_status < 500)
        throw std::invalid_argument(flag + ": expected 429 or a 5xx status");
    } else if (flag == "--retry-after")
      options.faults.retry_after_seconds = static_cast<int>(integer(flag, value, 0, 3600));
    else if (flag == "--hang-rate")
      options.faults.hang_rate = share(flag, value);
    else if (flag == "--hang-ms")
      options.faults.hang_duration = std::chrono::milliseconds(integer(flag, value, 1, 3600000));
    else
      throw std::invalid_argument(flag + ": unknown option (see --help)");
  }
  if (options.tls_cert.has_value() != options.tls_key.has_value())
    throw std::invalid_argument(options.tls_cert ? "--tls-cert needs --tls-key (its private key)"
                                                 : "--tls-key needs --tls-cert (its certificate)");
  return options;
}

}  // namespace stopd::hwemu
