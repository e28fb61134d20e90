// stopctl's side of stopd.v1: one channel to the daemon (its unix socket, or TCP with TLS), the
// bearer token on every call, a deadline on every call that does not wait for a job, and every
// failed RPC turned into a CliError (rpc_error.hpp).
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/sync_stream.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "stopd/cli/bearer_token.hpp"
#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/console.hpp"
#include "stopd/cli/options.hpp"
#include "stopd/v1/stopd.grpc.pb.h"

namespace stopd::cli {

// The socket stopctl talks to when neither --socket nor $STOPD_SOCKET names one.
inline constexpr const char* kDefaultSocket = "/run/stopd/stopd.sock";
// The deadline of a call that does not wait for a job, unless --timeout says otherwise.
inline constexpr std::chrono::seconds kDefaultRpcTimeout{30};

class DaemonClient {
 public:
  // Resolves the endpoint, TLS material and token; connects lazily (on the first call). Throws
  // CliError: usage for conflicting options, config for unreadable TLS or token files.
  // `console` gets warnings (a token sent over plaintext TCP).
  DaemonClient(const GlobalOptions& options, Console& console);
  ~DaemonClient();
  DaemonClient(const DaemonClient&) = delete;
  DaemonClient& operator=(const DaemonClient&) = delete;

  // "unix:/run/stopd/stopd.sock", "10.0.0.1:7443 (TLS)" or "10.0.0.1:7443 (plaintext)".
  const std::string& endpoint() const { return endpoint_; }

  // Stop, returning its status (the caller decides how a refusal is shown).
  grpc::Status try_stop(const v1::StopRequest& request, v1::Job& job);
  // The unary calls. Each throws the CliError of a failed status.
  v1::Job get_job(const std::string& id);
  v1::ListJobsResponse list_jobs(const v1::ListJobsRequest& request);
  v1::Job cancel_job(const std::string& id);
  v1::ListProvidersResponse list_providers();
  v1::Provider describe_provider(const std::string& name);
  // nullopt when the daemon has no provider of that name (NOT_FOUND); `why` gets its message.
  std::optional<v1::Provider> find_provider(const std::string& name, std::string& why);
  // ListTargets, returning its status (a refusal is shown as the stop's outcome).
  grpc::Status try_list_targets(const v1::ListTargetsRequest& request,
                                v1::ListTargetsResponse& response);

  // A context for a call that waits for a job (WatchJob): the token, and a deadline only when
  // --timeout gave one.
  std::unique_ptr<grpc::ClientContext> waiting_context() const;
  std::unique_ptr<grpc::ClientReader<v1::JobEvent>> watch_job(grpc::ClientContext& context,
                                                              const std::string& id);
  // Batches: SubmitBatch returning its status (a refused plan is shown as such), and the stream
  // of a batch's events (with a waiting_context()).
  grpc::Status try_submit_batch(const v1::SubmitBatchRequest& request, v1::Batch& batch);
  std::unique_ptr<grpc::ClientReader<v1::BatchEvent>> watch_batch(grpc::ClientContext& context,
                                                                  const std::string& id);
  // Schedules (ScheduleService; daemon-only, so not on the Backend: `--local` has none). Each
  // throws the CliError of a failed status.
  v1::Schedule create_schedule(const v1::CreateScheduleRequest& request);
  v1::Schedule update_schedule(const v1::UpdateScheduleRequest& request);
  v1::Schedule get_schedule(const std::string& name);
  v1::ListSchedulesResponse list_schedules(const v1::ListSchedulesRequest& request);
  void delete_schedule(const std::string& name);
  v1::Schedule pause_schedule(const std::string& name, bool pause);  // false: resume
  v1::Batch run_schedule_now(const std::string& name);

  // --timeout, if given.
  std::optional<std::chrono::milliseconds> timeout() const { return timeout_; }

  // The CliError for a failed call (status not OK).
  CliError error(const grpc::Status& status) const;
  // `text` with the token (should it ever appear) masked.
  std::string redact(std::string text) const { return redact_token(std::move(text), token_); }

 private:
  std::unique_ptr<grpc::ClientContext> unary_context() const;
  void add_token(grpc::ClientContext& context) const;
  void check(const grpc::Status& status) const;

  std::string endpoint_;
  std::optional<BearerToken> token_;
  std::optional<std::chrono::milliseconds> timeout_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::StopService::Stub> stub_;
  std::unique_ptr<v1::BatchService::Stub> batch_stub_;
  std::unique_ptr<v1::ScheduleService::Stub> schedule_stub_;
};

}  // namespace stopd::cli
