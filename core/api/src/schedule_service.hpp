// stopd.v1.ScheduleService over the scheduler (issue 20). Creating or changing a schedule needs
// what submitting its plan as a batch needs: the plan is expanded and validated against the
// loaded providers with the caller's scopes (PERMISSION_DENIED naming the step otherwise), and
// its runs keep the creator's scopes. A schedule is visible to the caller that created it and to
// unrestricted callers (the trusted unix socket); config-file schedules only to the latter; to
// anyone else it does not exist (NOT_FOUND).
#pragma once

#include <atomic>

#include "stopd/auth/auth.hpp"
#include "stopd/jobs/batch_manager.hpp"
#include "stopd/jobs/scheduler.hpp"
#include "stopd/v1/stopd.grpc.pb.h"

namespace stopd::api {

class ScheduleService final : public v1::ScheduleService::Service {
 public:
  ScheduleService(core::Scheduler& scheduler, core::BatchManager& batches,
                  const core::Authenticator& authenticator)
      : scheduler_(scheduler), batches_(batches), authenticator_(authenticator) {}

  void stop_accepting() { accepting_.store(false); }

  grpc::Status CreateSchedule(grpc::ServerContext* context,
                              const v1::CreateScheduleRequest* request,
                              v1::Schedule* response) override;
  grpc::Status UpdateSchedule(grpc::ServerContext* context,
                              const v1::UpdateScheduleRequest* request,
                              v1::Schedule* response) override;
  grpc::Status GetSchedule(grpc::ServerContext* context, const v1::GetScheduleRequest* request,
                           v1::Schedule* response) override;
  grpc::Status ListSchedules(grpc::ServerContext* context, const v1::ListSchedulesRequest* request,
                             v1::ListSchedulesResponse* response) override;
  grpc::Status DeleteSchedule(grpc::ServerContext* context,
                              const v1::DeleteScheduleRequest* request,
                              v1::DeleteScheduleResponse* response) override;
  grpc::Status PauseSchedule(grpc::ServerContext* context, const v1::PauseScheduleRequest* request,
                             v1::Schedule* response) override;
  grpc::Status ResumeSchedule(grpc::ServerContext* context,
                              const v1::ResumeScheduleRequest* request,
                              v1::Schedule* response) override;
  grpc::Status RunScheduleNow(grpc::ServerContext* context,
                              const v1::RunScheduleNowRequest* request,
                              v1::Batch* response) override;

 private:
  core::ScheduleStatus visible(const core::Principal& principal, const std::string& name) const;
  // Validates `definition` and checks its plan with the caller's scopes; returns the spec and
  // how many items the plan expands to now.
  std::pair<core::ScheduleSpec, std::size_t> checked(const core::Principal& principal,
                                                     const v1::ScheduleDefinition& definition);

  core::Scheduler& scheduler_;
  core::BatchManager& batches_;
  const core::Authenticator& authenticator_;
  std::atomic<bool> accepting_{true};
};

v1::Schedule to_proto(const core::ScheduleStatus& status);

}  // namespace stopd::api
