#include "stopd/cli/daemon_client.hpp"

#include <grpc/grpc.h>
#include <grpc/support/log.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "stopd/cli/rpc_error.hpp"
#include "stopd/cli/seconds_argument.hpp"
#include "stopd/core/bounded_read.hpp"

#ifndef STOPD_VERSION
#define STOPD_VERSION "unknown"
#endif

namespace stopd::cli {
namespace {

// A certificate or key file larger than this is the wrong file.
constexpr std::size_t kMaxPemBytes = 1024 * 1024;
constexpr int kMaxMessageBytes = 64 * 1024 * 1024;

void ignore_grpc_log(gpr_log_func_args* /*args*/) {}

// gRPC's own log lines (handshake failures, reconnects) would interleave with stopctl's output
// and say again what the status message says; they are shown only with --log-level debug/trace.
void configure_grpc_logging(const std::optional<std::string>& level) {
  static std::once_flag once;
  std::call_once(once, [&] {
    if (level && (*level == "debug" || *level == "trace"))
      gpr_set_log_verbosity(GPR_LOG_SEVERITY_DEBUG);
    else
      gpr_set_log_function(ignore_grpc_log);
  });
}

std::string read_pem(const char* option, const std::string& file) {
  if (file.empty()) throw usage_error(std::string(option) + ": the file name is empty");
  std::string content;
  try {
    content = core::read_file_bounded(file, kMaxPemBytes);
  } catch (const core::FileReadError& e) {
    throw config_error(std::string(option) + " " + e.what() + "; not a PEM file");
  }
  if (content.find("-----BEGIN") == std::string::npos)
    throw config_error(std::string(option) + " " + file + ": not a PEM file (no -----BEGIN line)");
  return content;
}

// HOST:PORT, with [IPv6]:PORT; the port a number in 1..65535.
void check_address(const std::string& address) {
  const auto bad = [&](const std::string& why) {
    return usage_error(
        "--address: expected HOST:PORT (such as 10.0.0.5:7443 or [::1]:7443), got '" +
        shorten(address, 100) + "': " + why);
  };
  if (address.find("://") != std::string::npos) throw bad("no scheme, just HOST:PORT");
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) throw bad("no port");
  if (address.find(']') != std::string::npos && address.find(']') > colon) throw bad("no port");
  const std::string port = address.substr(colon + 1);
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || error != std::errc() || end != port.data() + port.size() || value == 0 ||
      value > 65535)
    throw bad("the port must be a number from 1 to 65535");
}

struct Endpoint {
  std::string target;   // what gRPC dials
  std::string display;  // what messages show
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  grpc::ChannelArguments arguments;
  bool plaintext_tcp = false;
};

Endpoint resolve_endpoint(const ConnectionOptions& o) {
  Endpoint endpoint;
  endpoint.arguments.SetMaxReceiveMessageSize(kMaxMessageBytes);
  endpoint.arguments.SetString(GRPC_ARG_PRIMARY_USER_AGENT_STRING,
                               std::string("stopctl/") + STOPD_VERSION);
  const bool tls_options = o.tls_ca || o.tls_cert || o.tls_key || o.tls_server_name;

  if (!o.address) {
    if (tls_options)
      throw usage_error(
          "--tls-ca, --tls-cert, --tls-key and --tls-server-name apply to --address (TCP); the "
          "unix socket needs no TLS");
    if (o.insecure) throw usage_error("--insecure applies to --address (plaintext TCP) only");
    std::string path;
    if (o.socket) {
      path = *o.socket;
      if (path.empty()) throw usage_error("--socket: the path is empty");
    } else if (const char* env = std::getenv("STOPD_SOCKET"); env != nullptr && *env != '\0') {
      path = env;
    } else {
      path = kDefaultSocket;
    }
    endpoint.target = "unix:" + path;
    endpoint.display = endpoint.target;
    endpoint.credentials = grpc::InsecureChannelCredentials();
    return endpoint;
  }

  if (o.socket)
    throw usage_error(
        "--socket and --address cannot be used together: the daemon is reached "
        "either through its unix socket or over TCP");
  check_address(*o.address);
  endpoint.target = *o.address;
  if (o.insecure) {
    if (tls_options)
      throw usage_error("--insecure turns TLS off; it cannot be combined with --tls-* options");
    endpoint.display = *o.address + " (plaintext)";
    endpoint.credentials = grpc::InsecureChannelCredentials();
    endpoint.plaintext_tcp = true;
    return endpoint;
  }
  if (o.tls_cert.has_value() != o.tls_key.has_value())
    throw usage_error(
        "--tls-cert and --tls-key go together: a client certificate needs its private key");
  grpc::SslCredentialsOptions ssl;
  if (o.tls_ca) ssl.pem_root_certs = read_pem("--tls-ca", *o.tls_ca);
  if (o.tls_cert) {
    ssl.pem_cert_chain = read_pem("--tls-cert", *o.tls_cert);
    ssl.pem_private_key = read_pem("--tls-key", *o.tls_key);
  }
  if (o.tls_server_name) {
    if (o.tls_server_name->empty()) throw usage_error("--tls-server-name: the name is empty");
    endpoint.arguments.SetSslTargetNameOverride(*o.tls_server_name);
  }
  endpoint.display = *o.address + " (TLS)";
  endpoint.credentials = grpc::SslCredentials(ssl);
  return endpoint;
}

}  // namespace

DaemonClient::DaemonClient(const GlobalOptions& options, Console& console) {
  const ConnectionOptions& o = options.connection;
  if (o.timeout) timeout_ = parse_timeout(*o.timeout);
  Endpoint endpoint = resolve_endpoint(o);
  token_ = resolve_bearer_token(o);
  endpoint_ = endpoint.display;
  if (token_ && endpoint.plaintext_tcp)
    console.err("stopctl: warning: sending the token from " + token_->source +
                " over plaintext TCP (--insecure): anyone on the path can read it");
  configure_grpc_logging(options.log_level);
  channel_ = grpc::CreateCustomChannel(endpoint.target, endpoint.credentials, endpoint.arguments);
  stub_ = v1::StopService::NewStub(channel_);
  batch_stub_ = v1::BatchService::NewStub(channel_);
  schedule_stub_ = v1::ScheduleService::NewStub(channel_);
}

DaemonClient::~DaemonClient() = default;

void DaemonClient::add_token(grpc::ClientContext& context) const {
  if (token_) context.AddMetadata("authorization", "Bearer " + token_->value);
}

std::unique_ptr<grpc::ClientContext> DaemonClient::unary_context() const {
  auto context = std::make_unique<grpc::ClientContext>();
  add_token(*context);
  context->set_deadline(std::chrono::system_clock::now() +
                        timeout_.value_or(std::chrono::milliseconds(kDefaultRpcTimeout)));
  return context;
}

std::unique_ptr<grpc::ClientContext> DaemonClient::waiting_context() const {
  auto context = std::make_unique<grpc::ClientContext>();
  add_token(*context);
  if (timeout_) context->set_deadline(std::chrono::system_clock::now() + *timeout_);
  return context;
}

CliError DaemonClient::error(const grpc::Status& status) const {
  RpcErrorContext context;
  context.endpoint = endpoint_;
  context.connected = channel_->GetState(false) == GRPC_CHANNEL_READY;
  context.token_source = token_ ? token_->source : std::string();
  context.timeout = timeout_.value_or(std::chrono::milliseconds(kDefaultRpcTimeout));
  context.timeout_given = timeout_.has_value();
  const grpc::Status redacted(status.error_code(), redact(status.error_message()));
  CliError error = rpc_error(redacted, context);
  return CliError(error.exit_code(), error.code(), redact(error.what()));
}

void DaemonClient::check(const grpc::Status& status) const {
  if (!status.ok()) throw error(status);
}

grpc::Status DaemonClient::try_stop(const v1::StopRequest& request, v1::Job& job) {
  return stub_->Stop(unary_context().get(), request, &job);
}

v1::Job DaemonClient::get_job(const std::string& id) {
  v1::GetJobRequest request;
  request.set_id(id);
  v1::Job job;
  check(stub_->GetJob(unary_context().get(), request, &job));
  return job;
}

v1::ListJobsResponse DaemonClient::list_jobs(const v1::ListJobsRequest& request) {
  v1::ListJobsResponse response;
  check(stub_->ListJobs(unary_context().get(), request, &response));
  return response;
}

v1::Job DaemonClient::cancel_job(const std::string& id) {
  v1::CancelJobRequest request;
  request.set_id(id);
  v1::Job job;
  check(stub_->CancelJob(unary_context().get(), request, &job));
  return job;
}

v1::ListProvidersResponse DaemonClient::list_providers() {
  v1::ListProvidersResponse response;
  check(stub_->ListProviders(unary_context().get(), v1::ListProvidersRequest(), &response));
  return response;
}

v1::Provider DaemonClient::describe_provider(const std::string& name) {
  v1::DescribeProviderRequest request;
  request.set_name(name);
  v1::Provider provider;
  check(stub_->DescribeProvider(unary_context().get(), request, &provider));
  return provider;
}

grpc::Status DaemonClient::try_list_targets(const v1::ListTargetsRequest& request,
                                            v1::ListTargetsResponse& response) {
  return stub_->ListTargets(unary_context().get(), request, &response);
}

std::optional<v1::Provider> DaemonClient::find_provider(const std::string& name, std::string& why) {
  v1::DescribeProviderRequest request;
  request.set_name(name);
  v1::Provider provider;
  const grpc::Status status = stub_->DescribeProvider(unary_context().get(), request, &provider);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
    why = redact(status.error_message());
    return std::nullopt;
  }
  check(status);
  return provider;
}

std::unique_ptr<grpc::ClientReader<v1::JobEvent>> DaemonClient::watch_job(
    grpc::ClientContext& context, const std::string& id) {
  v1::WatchJobRequest request;
  request.set_id(id);
  return stub_->WatchJob(&context, request);
}

grpc::Status DaemonClient::try_submit_batch(const v1::SubmitBatchRequest& request,
                                            v1::Batch& batch) {
  return batch_stub_->SubmitBatch(unary_context().get(), request, &batch);
}

std::unique_ptr<grpc::ClientReader<v1::BatchEvent>> DaemonClient::watch_batch(
    grpc::ClientContext& context, const std::string& id) {
  v1::WatchBatchRequest request;
  request.set_id(id);
  return batch_stub_->WatchBatch(&context, request);
}

v1::Schedule DaemonClient::create_schedule(const v1::CreateScheduleRequest& request) {
  v1::Schedule schedule;
  check(schedule_stub_->CreateSchedule(unary_context().get(), request, &schedule));
  return schedule;
}

v1::Schedule DaemonClient::update_schedule(const v1::UpdateScheduleRequest& request) {
  v1::Schedule schedule;
  check(schedule_stub_->UpdateSchedule(unary_context().get(), request, &schedule));
  return schedule;
}

v1::Schedule DaemonClient::get_schedule(const std::string& name) {
  v1::GetScheduleRequest request;
  request.set_name(name);
  v1::Schedule schedule;
  check(schedule_stub_->GetSchedule(unary_context().get(), request, &schedule));
  return schedule;
}

v1::ListSchedulesResponse DaemonClient::list_schedules(const v1::ListSchedulesRequest& request) {
  v1::ListSchedulesResponse response;
  check(schedule_stub_->ListSchedules(unary_context().get(), request, &response));
  return response;
}

void DaemonClient::delete_schedule(const std::string& name) {
  v1::DeleteScheduleRequest request;
  request.set_name(name);
  v1::DeleteScheduleResponse response;
  check(schedule_stub_->DeleteSchedule(unary_context().get(), request, &response));
}

v1::Schedule DaemonClient::pause_schedule(const std::string& name, bool pause) {
  v1::Schedule schedule;
  if (pause) {
    v1::PauseScheduleRequest request;
    request.set_name(name);
    check(schedule_stub_->PauseSchedule(unary_context().get(), request, &schedule));
  } else {
    v1::ResumeScheduleRequest request;
    request.set_name(name);
    check(schedule_stub_->ResumeSchedule(unary_context().get(), request, &schedule));
  }
  return schedule;
}

v1::Batch DaemonClient::run_schedule_now(const std::string& name) {
  v1::RunScheduleNowRequest request;
  request.set_name(name);
  v1::Batch batch;
  check(schedule_stub_->RunScheduleNow(unary_context().get(), request, &batch));
  return batch;
}

}  // namespace stopd::cli
