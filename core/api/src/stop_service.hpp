// stopd.v1.StopService over the job manager. Every call is authenticated (the transport it came
// in on and its bearer token) and authorized: Stop by the token's scopes on the type and target
// (PERMISSION_DENIED). A job is visible to a caller whose token could have asked for it (its
// type and target within the token's scopes); other jobs do not exist for that caller (NOT_FOUND
// for GetJob, WatchJob and CancelJob, left out of ListJobs).
// Unary calls run on gRPC's synchronous threads (a Stop is a durable journal write); WatchJob
// runs on the callback API, so a watch holds no thread.
#pragma once

#include <atomic>
#include <chrono>

#include "job_watch.hpp"
#include "stopd/auth/auth.hpp"
#include "stopd/core/host.hpp"
#include "stopd/jobs/job_manager.hpp"
#include "stopd/v1/stopd.grpc.pb.h"

namespace stopd::api {

// Every method synchronous, WatchJob too: see job_watch.hpp for why.
class StopService final : public v1::StopService::Service {
 public:
  StopService(core::JobManager& jobs, const core::Host& host,
              const core::Authenticator& authenticator);
  ~StopService() override;

  // From now on every new call is refused with UNAVAILABLE; calls under way continue.
  void stop_accepting();
  // Ends what still waits for jobs: Stop with `wait` returns its job as it is now, and watch
  // streams end with UNAVAILABLE. Call before the server's Shutdown, which waits for handlers.
  void end_waits();

  grpc::Status Stop(grpc::ServerContext* context, const v1::StopRequest* request,
                    v1::Job* response) override;
  grpc::Status GetJob(grpc::ServerContext* context, const v1::GetJobRequest* request,
                      v1::Job* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context, const v1::ListJobsRequest* request,
                        v1::ListJobsResponse* response) override;
  grpc::Status WatchJob(grpc::ServerContext* context, const v1::WatchJobRequest* request,
                        grpc::ServerWriter<v1::JobEvent>* writer) override;
  grpc::Status CancelJob(grpc::ServerContext* context, const v1::CancelJobRequest* request,
                         v1::Job* response) override;
  grpc::Status ListProviders(grpc::ServerContext* context, const v1::ListProvidersRequest* request,
                             v1::ListProvidersResponse* response) override;
  grpc::Status DescribeProvider(grpc::ServerContext* context,
                                const v1::DescribeProviderRequest* request,
                                v1::Provider* response) override;
  // In list_targets.cpp.
  grpc::Status ListTargets(grpc::ServerContext* context, const v1::ListTargetsRequest* request,
                           v1::ListTargetsResponse* response) override;

 private:
  // May `principal` see (and cancel) `job`: could its token have asked for it?
  bool visible(const core::Principal& principal, const core::Job& job) const;
  // The job `id` as `principal` may see it; throws StopError(not_found) otherwise.
  core::Job visible_job(const core::Principal& principal, const std::string& id) const;
  // Waits for a Stop's job up to shortly before the call's deadline; the job as it is then.
  core::Job wait_for_job(const core::Job& job, grpc::ServerContext& context);

  core::JobManager& jobs_;
  const core::Host& host_;
  const core::Authenticator& authenticator_;
  WatchRegistry watches_;
  std::atomic<bool> accepting_{true};
  std::atomic<bool> waits_ended_{false};
};

// How long before the call's deadline a Stop with `wait` returns the job as it is, so the answer
// reaches the client before its deadline does: a tenth of the time the call was given, between
// 50 ms and 1 s.
std::chrono::milliseconds wait_margin(std::chrono::milliseconds call_time);

}  // namespace stopd::api
