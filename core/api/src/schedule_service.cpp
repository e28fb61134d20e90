#include "schedule_service.hpp"

#include <google/protobuf/util/message_differencer.h>

#include "batch_service.hpp"
#include "convert.hpp"
#include "rpc_call.hpp"
#include "stopd/core/bounded_json.hpp"
#include "token_access.hpp"

namespace stopd::api {
namespace {

using sdk::Code;
using sdk::StopError;

constexpr std::uint32_t kDefaultListLimit = 100;
constexpr std::uint32_t kMaxListLimit = 1000;

bool may_see(const core::Principal& principal, const core::ScheduleSpec& spec) {
  return principal.token == nullptr ||
         (spec.origin == core::ScheduleSpec::Origin::api && spec.requester == principal.name);
}

const std::string& required_name(const std::string& name) {
  if (name.empty()) throw StopError(Code::invalid_argument, "name: required (a schedule's name)");
  return name;
}

}  // namespace

v1::Schedule to_proto(const core::ScheduleStatus& status) {
  v1::Schedule out;
  v1::ScheduleDefinition& definition = *out.mutable_definition();
  definition.set_name(status.name);
  definition.set_cron(status.cron);
  definition.set_tz(status.tz);
  definition.set_paused(status.paused);
  if (status.spec) {
    const core::ScheduleSpec& spec = *status.spec;
    definition.set_plan(spec.plan);
    definition.set_plan_source(spec.plan_source);
    definition.set_overlap(spec.overlap == core::ScheduleSpec::Overlap::replace ? "replace"
                                                                                : "forbid");
    definition.set_catch_up_seconds(spec.catch_up.count());
    definition.set_jitter_seconds(spec.jitter.count());
    definition.set_history_succeeded(spec.history_succeeded);
    definition.set_history_failed(spec.history_failed);
    out.set_origin(spec.origin == core::ScheduleSpec::Origin::api ? "api" : "config");
    out.set_requester(spec.requester);
  }
  if (status.next) *out.mutable_next() = to_timestamp(*status.next);
  out.set_next_delay_seconds(status.next_delay.count());
  if (status.last_due) *out.mutable_last_due() = to_timestamp(*status.last_due);
  out.set_last_batch(status.last_batch);
  out.set_last_lateness_seconds(status.last_lateness.count());
  out.set_runs(status.runs);
  out.set_skipped(status.skipped);
  out.set_missed(status.missed);
  out.set_refused(status.failed);
  for (const core::ScheduleRun& run : status.history) {
    v1::ScheduleRun& each = *out.add_history();
    each.set_batch_id(run.batch);
    each.set_request_id(run.request_id);
    if (run.due) *each.mutable_due() = to_timestamp(*run.due);
    each.set_now(run.now);
    each.set_result(run.result);
  }
  return out;
}

core::ScheduleStatus ScheduleService::visible(const core::Principal& principal,
                                              const std::string& name) const {
  std::optional<core::ScheduleStatus> status = scheduler_.get(required_name(name));
  if (!status || !status->spec || !may_see(principal, *status->spec))
    throw StopError(Code::not_found, "schedule " + echo(name) + " not found");
  return std::move(*status);
}

std::pair<core::ScheduleSpec, std::size_t> ScheduleService::checked(
    const core::Principal& principal, const v1::ScheduleDefinition& definition) {
  core::ScheduleSpec spec;
  spec.name = definition.name();
  spec.cron = definition.cron();
  spec.tz = definition.tz();
  spec.plan = definition.plan();
  spec.plan_source = definition.plan_source().empty() ? "plan" : definition.plan_source();
  if (definition.overlap() == "replace")
    spec.overlap = core::ScheduleSpec::Overlap::replace;
  else if (!definition.overlap().empty() && definition.overlap() != "forbid")
    throw StopError(Code::invalid_argument,
                    "overlap: expected forbid or replace, got " + echo(definition.overlap()));
  if (definition.has_catch_up_seconds())
    spec.catch_up = std::chrono::seconds(definition.catch_up_seconds());
  spec.jitter = std::chrono::seconds(definition.jitter_seconds());
  if (definition.has_history_succeeded()) spec.history_succeeded = definition.history_succeeded();
  if (definition.has_history_failed()) spec.history_failed = definition.history_failed();
  spec.paused = definition.paused();
  spec.origin = core::ScheduleSpec::Origin::api;
  spec.requester = principal.name;
  core::Scheduler::validate(spec);
  // The plan against the loaded providers, with the caller's scopes: what a batch of it needs.
  core::BatchSubmission submission;
  submission.plan = spec.plan;
  submission.source = spec.plan_source;
  submission.requester = principal.name;
  const std::size_t items = batches_.check(submission, TokenAccess(authenticator_, principal));
  return {std::move(spec), items};
}

grpc::Status ScheduleService::CreateSchedule(grpc::ServerContext* context,
                                             const v1::CreateScheduleRequest* request,
                                             v1::Schedule* response) {
  return serve("CreateSchedule", accepting_.load(), authenticator_, *context,
               [&](const core::Principal& principal) {
                 auto [spec, items] = checked(principal, request->schedule());
                 if (request->dry_run()) {
                   if (scheduler_.get(spec.name))
                     throw StopError(Code::failed_precondition,
                                     "name: a schedule named " + spec.name + " exists already");
                   core::ScheduleStatus status;
                   status.name = spec.name;
                   status.cron = spec.cron;
                   status.tz = spec.tz;
                   status.paused = spec.paused;
                   status.spec = std::make_shared<const core::ScheduleSpec>(std::move(spec));
                   *response = to_proto(status);
                   response->set_dry_run_items(static_cast<std::uint32_t>(items));
                   return grpc::Status::OK;
                 }
                 *response = to_proto(scheduler_.add(std::move(spec)));
                 return grpc::Status::OK;
               });
}

grpc::Status ScheduleService::UpdateSchedule(grpc::ServerContext* context,
                                             const v1::UpdateScheduleRequest* request,
                                             v1::Schedule* response) {
  return serve("UpdateSchedule", accepting_.load(), authenticator_, *context,
               [&](const core::Principal& principal) {
                 const core::ScheduleStatus before = visible(principal, request->schedule().name());
                 if (before.spec->origin == core::ScheduleSpec::Origin::config) {
                   core::ScheduleSpec name_only;
                   name_only.name = before.name;
                   scheduler_.update(name_only);  // FAILED_PRECONDITION naming the config file
                 }
                 auto [spec, items] = checked(principal, request->schedule());
                 // The definition as GetSchedule shows it: to_proto() on both sides.
                 const auto as_read = [request](const core::ScheduleStatus& now) {
                   return !request->has_if_unchanged_from() ||
                          google::protobuf::util::MessageDifferencer::Equals(
                              to_proto(now).definition(), request->if_unchanged_from());
                 };
                 if (!request->dry_run()) {
                   try {
                     *response = to_proto(scheduler_.update(std::move(spec), as_read));
                   } catch (const core::Scheduler::Changed& changed) {
                     return grpc::Status(grpc::StatusCode::ABORTED, changed.what());
                   }
                   return grpc::Status::OK;
                 }
                 if (!as_read(before))
                   return grpc::Status(grpc::StatusCode::ABORTED,
                                       "schedule " + before.name +
                                           " changed since it was read; nothing was checked");
                 *response = to_proto(before);
                 response->set_dry_run_items(static_cast<std::uint32_t>(items));
                 return grpc::Status::OK;
               });
}

grpc::Status ScheduleService::GetSchedule(grpc::ServerContext* context,
                                          const v1::GetScheduleRequest* request,
                                          v1::Schedule* response) {
  return serve("GetSchedule", accepting_.load(), authenticator_, *context,
               [&](const core::Principal& principal) {
                 *response = to_proto(visible(principal, request->name()));
                 return grpc::Status::OK;
               });
}

grpc::Status ScheduleService::ListSchedules(grpc::ServerContext* context,
                                            const v1::ListSchedulesRequest* request,
                                            v1::ListSchedulesResponse* response) {
  return serve(
      "ListSchedules", accepting_.load(), authenticator_, *context,
      [&](const core::Principal& principal) {
        const std::uint32_t limit =
            request->limit() == 0 ? kDefaultListLimit : std::min(request->limit(), kMaxListLimit);
        // The page token is the last name of the previous page: names sort, and a
        // schedule deleted meanwhile does not break it.
        const std::string& after = request->page_token();
        std::uint32_t count = 0;
        for (const core::ScheduleStatus& status : scheduler_.list()) {
          if (!after.empty() && status.name <= after) continue;
          if (!status.spec || !may_see(principal, *status.spec)) continue;
          if (count == limit) {
            response->set_next_page_token(response->schedules().rbegin()->definition().name());
            break;
          }
          *response->add_schedules() = to_proto(status);
          ++count;
        }
        return grpc::Status::OK;
      });
}

grpc::Status ScheduleService::DeleteSchedule(grpc::ServerContext* context,
                                             const v1::DeleteScheduleRequest* request,
                                             v1::DeleteScheduleResponse* /*response*/) {
  return serve("DeleteSchedule", accepting_.load(), authenticator_, *context,
               [&](const core::Principal& principal) {
                 // An unrestricted caller may also delete a journal's schedule that this start
                 // could not load (and so lists nowhere).
                 if (principal.token != nullptr) visible(principal, request->name());
                 scheduler_.remove(required_name(request->name()));
                 return grpc::Status::OK;
               });
}

grpc::Status ScheduleService::PauseSchedule(grpc::ServerContext* context,
                                            const v1::PauseScheduleRequest* request,
                                            v1::Schedule* response) {
  return serve("PauseSchedule", accepting_.load(), authenticator_, *context,
               [&](const core::Principal& principal) {
                 visible(principal, request->name());
                 *response = to_proto(scheduler_.set_paused(request->name(), true, principal.name));
                 return grpc::Status::OK;
               });
}

grpc::Status ScheduleService::ResumeSchedule(grpc::ServerContext* context,
                                             const v1::ResumeScheduleRequest* request,
                                             v1::Schedule* response) {
  return serve("ResumeSchedule", accepting_.load(), authenticator_, *context,
               [&](const core::Principal& principal) {
                 visible(principal, request->name());
                 *response =
                     to_proto(scheduler_.set_paused(request->name(), false, principal.name));
                 return grpc::Status::OK;
               });
}

grpc::Status ScheduleService::RunScheduleNow(grpc::ServerContext* context,
                                             const v1::RunScheduleNowRequest* request,
                                             v1::Batch* response) {
  return serve("RunScheduleNow", accepting_.load(), authenticator_, *context,
               [&](const core::Principal& principal) {
                 visible(principal, request->name());
                 *response = to_proto(scheduler_.run_now(request->name()));
                 return grpc::Status::OK;
               });
}

}  // namespace stopd::api
