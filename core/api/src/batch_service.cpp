#include "batch_service.hpp"

#include <deque>

#include "convert.hpp"
#include "rpc_call.hpp"
#include "stopd/core/bounded_json.hpp"
#include "stopd/core/logging.hpp"
#include "token_access.hpp"

namespace stopd::api {
namespace {

using sdk::Code;
using sdk::StopError;

constexpr std::uint32_t kDefaultListLimit = 100;
// A plan is text a person wrote; a megabyte of it is a mistake, not a plan.
constexpr std::size_t kMaxPlanBytes = 512 * 1024;

void add_structs(const nlohmann::json& array,
                 google::protobuf::RepeatedPtrField<google::protobuf::Struct>* out) {
  for (const auto& each : array) *out->Add() = to_struct(each);
}

v1::BatchEvent event_to_proto(const core::BatchEvent& event) {
  v1::BatchEvent out;
  out.set_kind(event.kind);
  out.set_item(event.item);
  if (event.record.is_object()) *out.mutable_record() = to_struct(event.record);
  out.set_reason(event.reason);
  if (event.progress.is_object()) *out.mutable_progress() = to_struct(event.progress);
  if (event.batch) *out.mutable_batch() = to_proto(*event.batch);
  return out;
}

}  // namespace

v1::Batch to_proto(const core::BatchView& batch) {
  v1::Batch out;
  out.set_id(batch.id);
  out.set_finished(batch.finished);
  out.set_requester(batch.requester);
  out.set_request_id(batch.request_id);
  *out.mutable_created() = to_timestamp(batch.created);
  if (batch.finished_at) *out.mutable_finished_at() = to_timestamp(*batch.finished_at);
  out.set_resumed(batch.resumed);
  if (batch.plan.is_object()) *out.mutable_plan() = to_struct(batch.plan);
  if (batch.summary.is_object()) *out.mutable_summary() = to_struct(batch.summary);
  add_structs(batch.items, out.mutable_items());
  add_structs(batch.running, out.mutable_running());
  return out;
}

BatchService::~BatchService() {
  end_waits();
}

void BatchService::stop_accepting() {
  accepting_.store(false);
}

void BatchService::end_waits() {
  std::lock_guard lock(waits_mutex_);
  waits_ended_ = true;
  waits_changed_.notify_all();
}

core::BatchView BatchService::visible_batch(const core::Principal& principal,
                                            const std::string& id) const {
  if (id.empty()) throw StopError(Code::invalid_argument, "id: required (a batch id such as b-…)");
  std::optional<core::BatchView> batch = batches_.get(id);
  if (!batch || (principal.token != nullptr && principal.name != batch->requester))
    throw StopError(Code::not_found, "batch " + echo(id) + " not found");
  return std::move(*batch);
}

grpc::Status BatchService::SubmitBatch(grpc::ServerContext* context,
                                       const v1::SubmitBatchRequest* request, v1::Batch* response) {
  return serve("SubmitBatch", accepting_.load(), authenticator_, *context,
               [&](const core::Principal& principal) {
                 if (request->plan().empty())
                   throw StopError(Code::invalid_argument,
                                   "plan: required (the plan's JSON or YAML text)");
                 if (request->plan().size() > kMaxPlanBytes)
                   throw StopError(Code::invalid_argument,
                                   "plan: " + std::to_string(request->plan().size()) +
                                       " bytes; at most " + std::to_string(kMaxPlanBytes) +
                                       " (use selectors rather than listing every target)");
                 core::BatchSubmission submission;
                 submission.plan = request->plan();
                 submission.source = request->source().empty() ? "plan" : request->source();
                 if (request->has_parallel()) submission.overrides.parallel = request->parallel();
                 submission.overrides.fail_fast = request->fail_fast();
                 if (!request->max_failures().empty())
                   submission.overrides.max_failures = request->max_failures();
                 submission.overrides.dry_run = request->dry_run();
                 submission.requester = principal.name;
                 submission.request_id = request->request_id();
                 const core::BatchView batch =
                     batches_.submit(std::move(submission), TokenAccess(authenticator_, principal));
                 *response = to_proto(batch);
                 return grpc::Status::OK;
               });
}

grpc::Status BatchService::GetBatch(grpc::ServerContext* context,
                                    const v1::GetBatchRequest* request, v1::Batch* response) {
  return serve("GetBatch", accepting_.load(), authenticator_, *context,
               [&](const core::Principal& principal) {
                 *response = to_proto(visible_batch(principal, request->id()));
                 return grpc::Status::OK;
               });
}

grpc::Status BatchService::ListBatches(grpc::ServerContext* context,
                                       const v1::ListBatchesRequest* request,
                                       v1::ListBatchesResponse* response) {
  return serve("ListBatches", accepting_.load(), authenticator_, *context,
               [&](const core::Principal& principal) {
                 const std::size_t limit =
                     request->limit() == 0 ? kDefaultListLimit : request->limit();
                 for (const core::BatchView& batch : batches_.list(limit))
                   if (principal.token == nullptr || principal.name == batch.requester)
                     *response->add_batches() = to_proto(batch);
                 return grpc::Status::OK;
               });
}

grpc::Status BatchService::WatchBatch(grpc::ServerContext* context,
                                      const v1::WatchBatchRequest* request,
                                      grpc::ServerWriter<v1::BatchEvent>* writer) {
  return serve(
      "WatchBatch", accepting_.load(), authenticator_, *context,
      [&](const core::Principal& principal) {
        visible_batch(principal, request->id());
        // The manager's events, queued for this thread to write: a slow client never holds up
        // the engine that produces them.
        std::deque<v1::BatchEvent> queue;
        bool last_queued = false;
        auto subscription = batches_.watch(request->id(), [&](const core::BatchEvent& event) {
          v1::BatchEvent message = event_to_proto(event);
          std::lock_guard lock(waits_mutex_);
          queue.push_back(std::move(message));
          if (event.kind == "finished" ||
              (event.kind == "snapshot" && event.batch && event.batch->finished))
            last_queued = true;
          waits_changed_.notify_all();
        });
        for (;;) {
          std::unique_lock lock(waits_mutex_);
          waits_changed_.wait_for(lock, kCancelCheckInterval,
                                  [&] { return !queue.empty() || waits_ended_; });
          if (waits_ended_)
            return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                "stopd is shutting down; the batch goes on when it starts again");
          if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
          std::deque<v1::BatchEvent> ready;
          ready.swap(queue);
          const bool last = last_queued;
          lock.unlock();
          for (const v1::BatchEvent& message : ready)
            if (!writer->Write(message))
              return grpc::Status(grpc::StatusCode::CANCELLED, "the stream was broken");
          if (last && ready.size() > 0) {
            std::lock_guard again(waits_mutex_);
            if (queue.empty()) return grpc::Status::OK;
          }
        }
      });
}

grpc::Status BatchService::CancelBatch(grpc::ServerContext* context,
                                       const v1::CancelBatchRequest* request, v1::Batch* response) {
  return serve("CancelBatch", accepting_.load(), authenticator_, *context,
               [&](const core::Principal& principal) {
                 visible_batch(principal, request->id());
                 const core::BatchView batch = batches_.cancel(request->id());
                 core::host_logger()->info("cancel batch={} by={}", batch.id, principal.name);
                 *response = to_proto(batch);
                 return grpc::Status::OK;
               });
}

}  // namespace stopd::api
