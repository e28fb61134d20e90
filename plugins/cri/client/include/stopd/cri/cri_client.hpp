// One CRI runtime, as the plugins see it: a single gRPC channel to its unix socket, reused by
// every call of the provider instance that owns it (gRPC multiplexes them over one connection).
//
// Stops go through gRPC's callback API: starting a call never blocks and its completion runs on
// one of gRPC's own threads, so a thousand stops in flight cost a thousand small call objects,
// not a thousand threads. inspect() and list() use the blocking calls, bounded by
// settings().call_timeout.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "runtime/v1/api.grpc.pb.h"
#include "stopd/cri/cri_settings.hpp"

namespace stopd::cri {

namespace v1 = ::runtime::v1;

using Clock = std::chrono::steady_clock;

// Cancels the call it was returned for (TryCancel: the call then completes with CANCELLED, unless
// it already completed). Safe from any thread, also after the call completed.
class CallHandle {
 public:
  CallHandle() = default;
  explicit CallHandle(std::shared_ptr<grpc::ClientContext> context)
      : context_(std::move(context)) {}
  void cancel() const {
    if (context_) context_->TryCancel();
  }
  explicit operator bool() const { return context_ != nullptr; }

 private:
  std::shared_ptr<grpc::ClientContext> context_;
};

template <class Response>
using Completion = std::function<void(const grpc::Status&, Response&)>;

class CriClient {
 public:
  explicit CriClient(CriSettings settings);

  const CriSettings& settings() const { return settings_; }
  const std::string& endpoint() const { return settings_.endpoint; }

  // Asynchronous calls: `done` runs exactly once, on a gRPC thread, with the status and the
  // response. Keep it short; start the next call from it rather than waiting in it.
  CallHandle container_status(const std::string& container_id, Clock::time_point deadline,
                              Completion<v1::ContainerStatusResponse> done) const;
  CallHandle stop_container(const std::string& container_id, std::int64_t timeout_seconds,
                            Clock::time_point deadline,
                            Completion<v1::StopContainerResponse> done) const;
  CallHandle pod_sandbox_status(const std::string& pod_sandbox_id, Clock::time_point deadline,
                                Completion<v1::PodSandboxStatusResponse> done) const;
  CallHandle list_containers(v1::ContainerFilter filter, Clock::time_point deadline,
                             Completion<v1::ListContainersResponse> done) const;
  CallHandle stop_pod_sandbox(const std::string& pod_sandbox_id, Clock::time_point deadline,
                              Completion<v1::StopPodSandboxResponse> done) const;

  // Blocking calls bounded by call_timeout, for inspect(), list() and test fixtures.
  grpc::Status call(const v1::ContainerStatusRequest& request,
                    v1::ContainerStatusResponse* response) const;
  grpc::Status call(const v1::PodSandboxStatusRequest& request,
                    v1::PodSandboxStatusResponse* response) const;
  grpc::Status call(const v1::ListContainersRequest& request,
                    v1::ListContainersResponse* response) const;
  grpc::Status call(const v1::ListPodSandboxRequest& request,
                    v1::ListPodSandboxResponse* response) const;
  grpc::Status call(const v1::VersionRequest& request, v1::VersionResponse* response) const;
  grpc::Status call(const v1::RunPodSandboxRequest& request,
                    v1::RunPodSandboxResponse* response) const;
  grpc::Status call(const v1::CreateContainerRequest& request,
                    v1::CreateContainerResponse* response) const;
  grpc::Status call(const v1::StartContainerRequest& request,
                    v1::StartContainerResponse* response) const;
  grpc::Status call(const v1::StopContainerRequest& request,
                    v1::StopContainerResponse* response) const;
  grpc::Status call(const v1::StopPodSandboxRequest& request,
                    v1::StopPodSandboxResponse* response) const;
  grpc::Status call(const v1::RemoveContainerRequest& request,
                    v1::RemoveContainerResponse* response) const;
  grpc::Status call(const v1::RemovePodSandboxRequest& request,
                    v1::RemovePodSandboxResponse* response) const;

  // A context whose deadline is `deadline` (steady clock; time_point::max() means none).
  static std::unique_ptr<grpc::ClientContext> context_until(Clock::time_point deadline);

 private:
  template <class Request, class Response, class Invoke>
  CallHandle start(Request request, Clock::time_point deadline, Invoke invoke,
                   Completion<Response> done) const;

  Clock::time_point call_deadline() const { return Clock::now() + settings_.call_timeout; }

  CriSettings settings_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::RuntimeService::Stub> stub_;
};

}  // namespace stopd::cri
