// stopd.v1.BatchService over the batch manager. Submitting needs the caller's scopes to cover
// every item of the expanded plan (PERMISSION_DENIED naming the item otherwise). A batch is
// visible to the caller that submitted it and to unrestricted callers (the trusted unix socket);
// to anyone else it does not exist (NOT_FOUND).
//
// WatchBatch is a synchronous stream: each watch holds one of gRPC's threads while it lasts,
// which is fine for the few operators who follow a batch (job watches, of which there may be
// thousands, use the callback API instead).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "stopd/auth/auth.hpp"
#include "stopd/jobs/batch_manager.hpp"
#include "stopd/v1/stopd.grpc.pb.h"

namespace stopd::api {

class BatchService final : public v1::BatchService::Service {
 public:
  BatchService(core::BatchManager& batches, const core::Authenticator& authenticator)
      : batches_(batches), authenticator_(authenticator) {}
  ~BatchService() override;

  // As StopService's: refuse new calls; then end the watches still open.
  void stop_accepting();
  void end_waits();

  grpc::Status SubmitBatch(grpc::ServerContext* context, const v1::SubmitBatchRequest* request,
                           v1::Batch* response) override;
  grpc::Status GetBatch(grpc::ServerContext* context, const v1::GetBatchRequest* request,
                        v1::Batch* response) override;
  grpc::Status ListBatches(grpc::ServerContext* context, const v1::ListBatchesRequest* request,
                           v1::ListBatchesResponse* response) override;
  grpc::Status WatchBatch(grpc::ServerContext* context, const v1::WatchBatchRequest* request,
                          grpc::ServerWriter<v1::BatchEvent>* writer) override;
  grpc::Status CancelBatch(grpc::ServerContext* context, const v1::CancelBatchRequest* request,
                           v1::Batch* response) override;

 private:
  core::BatchView visible_batch(const core::Principal& principal, const std::string& id) const;

  core::BatchManager& batches_;
  const core::Authenticator& authenticator_;
  std::atomic<bool> accepting_{true};
  std::mutex waits_mutex_;
  std::condition_variable waits_changed_;
  bool waits_ended_ = false;
};

v1::Batch to_proto(const core::BatchView& batch);

}  // namespace stopd::api
