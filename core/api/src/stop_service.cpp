#include "stop_service.hpp"

#include <algorithm>

#include "caller.hpp"
#include "convert.hpp"
#include "page_token.hpp"
#include "rpc_call.hpp"
#include "rpc_status.hpp"
#include "stop_submission.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::api {
namespace {

using sdk::Code;
using sdk::StopError;
namespace chrono = std::chrono;

constexpr std::uint32_t kDefaultPageSize = 100;
constexpr std::uint32_t kMaxPageSize = 1000;
// ListJobs reads at most this many journal pages to fill one page of jobs a caller may see.
constexpr int kMaxListRounds = 10;

void require_id(const std::string& id) {
  if (id.empty()) throw StopError(Code::invalid_argument, "id: required (a job id such as j-…)");
}

}  // namespace

std::chrono::milliseconds wait_margin(std::chrono::milliseconds call_time) {
  return std::clamp(call_time / 10, chrono::milliseconds(50), chrono::milliseconds(1000));
}

StopService::StopService(core::JobManager& jobs, const core::Host& host,
                         const core::Authenticator& authenticator)
    : jobs_(jobs), host_(host), authenticator_(authenticator) {}

StopService::~StopService() {
  end_waits();
}

void StopService::stop_accepting() {
  accepting_.store(false);
}

void StopService::end_waits() {
  waits_ended_.store(true);
  watches_.end_all(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                "stopd is shutting down; a job it did not finish is resumed "
                                "when it starts again"));
}

core::Job StopService::visible_job(const core::Principal& principal, const std::string& id) const {
  require_id(id);
  std::optional<core::Job> job = jobs_.get(id);
  // A job the caller may not see is answered exactly like one that does not exist.
  if (!job || !visible(principal, *job))
    throw StopError(Code::not_found, "job " + echo(id) + " not found");
  return std::move(*job);
}

bool StopService::visible(const core::Principal& principal, const core::Job& job) const {
  return !authenticator_.check(principal, job.request.type, job.request.target);
}

core::Job StopService::wait_for_job(const core::Job& accepted, grpc::ServerContext& context) {
  const auto deadline = context.deadline();
  const bool bounded = deadline != chrono::system_clock::time_point::max();
  chrono::system_clock::time_point give_up = chrono::system_clock::time_point::max();
  if (bounded) {
    const auto remaining =
        chrono::duration_cast<chrono::milliseconds>(deadline - chrono::system_clock::now());
    give_up = deadline - wait_margin(remaining);
  }
  core::Job job = accepted;
  // In slices, so a client that went away or a shutdown ends the wait within one slice. Whether
  // the client went away is asked only after a slice: on the synchronous server IsCancelled()
  // polls the call's completion queue, which cost a quarter of a no-op Stop's handler.
  for (bool first = true; !job.is_finished() && !waits_ended_.load(); first = false) {
    if (!first && context.IsCancelled()) break;
    chrono::milliseconds slice = kCancelCheckInterval;
    if (bounded) {
      const auto left =
          chrono::duration_cast<chrono::milliseconds>(give_up - chrono::system_clock::now());
      if (left <= chrono::milliseconds(0)) break;
      slice = std::min(slice, left);
    }
    job = jobs_.wait(job, slice);
  }
  // Ended early (client gone, shutdown, deadline): the job as it is, and journaled.
  if (!job.is_finished()) job = jobs_.wait(job, chrono::milliseconds(0));
  return job;
}

grpc::Status StopService::Stop(grpc::ServerContext* context, const v1::StopRequest* request,
                               v1::Job* response) {
  return serve(
      "Stop", accepting_.load(), authenticator_, *context, [&](const core::Principal& principal) {
        core::JobSubmission submission = to_submission(*request);
        if (auto why =
                authenticator_.check(principal, submission.request.type, submission.request.target))
          throw StopError(Code::permission_denied, *why);
        submission.requester = principal.name;
        submission.wait = request->wait();
        core::Job job = jobs_.submit(std::move(submission));
        if (job.requester != principal.name)  // an earlier job of someone else
          return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                              "request_id: already used by another requester's job");
        core::host_logger()->info(
            "accepted job={} stop={} type={} requester={} request_id={} state={}{}", job.id,
            job.stop_id, job.request.type, job.requester, core::log_field(job.request_id),
            core::to_string(job.state), job.request.dry_run ? " dry_run=true" : "");
        if (request->wait() && !job.is_finished()) job = wait_for_job(job, *context);
        *response = to_proto(job);
        return grpc::Status::OK;
      });
}

grpc::Status StopService::GetJob(grpc::ServerContext* context, const v1::GetJobRequest* request,
                                 v1::Job* response) {
  return serve("GetJob", accepting_.load(), authenticator_, *context,
               [&](const core::Principal& principal) {
                 *response = to_proto(visible_job(principal, request->id()));
                 return grpc::Status::OK;
               });
}

grpc::Status StopService::ListJobs(grpc::ServerContext* context, const v1::ListJobsRequest* request,
                                   v1::ListJobsResponse* response) {
  return serve(
      "ListJobs", accepting_.load(), authenticator_, *context,
      [&](const core::Principal& principal) {
        // The journal's health, not any job's data: every caller of ListJobs sees the count.
        response->set_dead_letters(jobs_.dead_letters());
        core::JobFilter filter;
        for (int i = 0; i < request->states_size(); ++i) {
          const auto state = from_proto(request->states(i));
          if (!state)
            throw StopError(Code::invalid_argument,
                            "states[" + std::to_string(i) +
                                "]: expected JOB_STATE_PENDING, JOB_STATE_RUNNING or "
                                "JOB_STATE_FINISHED");
          if (std::find(filter.states.begin(), filter.states.end(), *state) == filter.states.end())
            filter.states.push_back(*state);
        }
        filter.type = request->type();
        if (request->has_created_after())
          filter.created_after = from_timestamp(request->created_after());
        if (request->has_created_before())
          filter.created_before = from_timestamp(request->created_before());
        if (filter.created_after && filter.created_before &&
            *filter.created_after >= *filter.created_before)
          throw StopError(Code::invalid_argument,
                          "created_after: must be earlier than created_before");
        const std::size_t wanted = request->page_size() == 0
                                       ? kDefaultPageSize
                                       : std::min(request->page_size(), kMaxPageSize);
        std::string cursor;
        if (!request->page_token().empty()) {
          auto decoded = decode_page_token(request->page_token());
          if (!decoded)
            throw StopError(Code::invalid_argument,
                            "page_token: not a next_page_token this server gave out");
          cursor = std::move(*decoded);
        }
        // A type the caller may not see has no jobs, as far as the caller can tell.
        if (!filter.type.empty() && !authenticator_.may_see(principal, filter.type))
          return grpc::Status::OK;

        bool exhausted = false;
        for (int round = 0; round < kMaxListRounds && !exhausted &&
                            static_cast<std::size_t>(response->jobs_size()) < wanted;
             ++round) {
          filter.limit = wanted;
          filter.after_id = cursor;
          core::JobPage page = jobs_.list(filter);
          std::size_t examined = 0;
          for (const core::Job& job : page.jobs) {
            if (static_cast<std::size_t>(response->jobs_size()) == wanted) break;
            ++examined;
            cursor = job.id;
            if (visible(principal, job)) *response->add_jobs() = to_proto(job);
          }
          exhausted = page.next_after_id.empty() && examined == page.jobs.size();
        }
        if (!exhausted && !cursor.empty()) response->set_next_page_token(encode_page_token(cursor));
        return grpc::Status::OK;
      });
}

grpc::Status StopService::WatchJob(grpc::ServerContext* context, const v1::WatchJobRequest* request,
                                   grpc::ServerWriter<v1::JobEvent>* writer) {
  if (!accepting_.load()) return shutting_down_status();
  try {
    const core::Principal principal = authenticate(authenticator_, *context);
    visible_job(principal, request->id());
  } catch (...) {
    return refusal("WatchJob", *context);
  }
  return stream_job_events(jobs_, request->id(), watches_, *context, *writer);
}

grpc::Status StopService::CancelJob(grpc::ServerContext* context,
                                    const v1::CancelJobRequest* request, v1::Job* response) {
  return serve("CancelJob", accepting_.load(), authenticator_, *context,
               [&](const core::Principal& principal) {
                 visible_job(principal, request->id());
                 core::Job job = jobs_.cancel(request->id());
                 core::host_logger()->info("cancel job={} stop={} type={} by={} state={}", job.id,
                                           job.stop_id, job.request.type, principal.name,
                                           core::to_string(job.state));
                 *response = to_proto(job);
                 return grpc::Status::OK;
               });
}

grpc::Status StopService::ListProviders(grpc::ServerContext* context,
                                        const v1::ListProvidersRequest* /*request*/,
                                        v1::ListProvidersResponse* response) {
  return serve("ListProviders", accepting_.load(), authenticator_, *context,
               [&](const core::Principal&) {
                 for (const core::RegisteredProvider* provider : host_.registry().all())
                   *response->add_providers() = to_proto(*provider);
                 for (const core::RefusedPlugin& refused : host_.load_report().refused) {
                   auto* out = response->add_refused();
                   out->set_file(refused.file.string());
                   out->set_reason(refused.reason);
                 }
                 return grpc::Status::OK;
               });
}

grpc::Status StopService::DescribeProvider(grpc::ServerContext* context,
                                           const v1::DescribeProviderRequest* request,
                                           v1::Provider* response) {
  return serve("DescribeProvider", accepting_.load(), authenticator_, *context,
               [&](const core::Principal&) {
                 if (request->name().empty())
                   throw StopError(Code::invalid_argument,
                                   "name: required (a resource type such as local.process)");
                 const core::RegisteredProvider* provider = host_.registry().find(request->name());
                 if (provider == nullptr)
                   throw StopError(Code::not_found,
                                   "provider " + echo(request->name()) +
                                       " is not loaded (loaded: " + host_.registry().names() + ")");
                 *response = to_proto(*provider);
                 return grpc::Status::OK;
               });
}

}  // namespace stopd::api
