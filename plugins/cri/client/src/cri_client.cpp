#include "stopd/cri/cri_client.hpp"

#include <map>
#include <mutex>

namespace stopd::cri {
namespace {

std::shared_ptr<grpc::Channel> create_channel(const std::string& endpoint) {
  grpc::ChannelArguments arguments;
  // A node's container list can be large; kubelet allows 16 MiB as well.
  arguments.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  // gRPC backs off up to two minutes between reconnects by default, failing every call fast
  // meanwhile: a restarted containerd would then look unavailable long after it is back.
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), arguments);
}

// One channel per endpoint for the life of the process, shared by every client of it. Besides
// reusing the connection, this keeps the channel from ever being destroyed on one of its own
// callback threads: the last reference to a stop's client (and the ClientContext of its last
// call) is often dropped there, and a channel torn down from its own callback queue trips gRPC's
// reference counting ("assertion failed: prior > 0"). Deliberately never freed: plugins stay
// loaded until the process exits, and so do the few channels they open.
std::shared_ptr<grpc::Channel> shared_channel(const std::string& endpoint) {
  static std::mutex mutex;
  static auto* channels = new std::map<std::string, std::shared_ptr<grpc::Channel>>();
  std::lock_guard lock(mutex);
  auto& channel = (*channels)[endpoint];
  if (!channel) channel = create_channel(endpoint);
  return channel;
}

// gRPC takes system_clock deadlines; a stop's schedule is on the steady clock.
void set_deadline(grpc::ClientContext& context, Clock::time_point deadline) {
  if (deadline == Clock::time_point::max()) return;
  const auto remaining = std::max(deadline - Clock::now(), Clock::duration::zero());
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::duration_cast<std::chrono::system_clock::duration>(remaining));
}

// The request and response of one asynchronous call live beside its context, as long as either
// gRPC (until the completion ran) or a CallHandle needs them.
template <class Request, class Response>
struct PendingCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

}  // namespace

CriClient::CriClient(CriSettings settings)
    : settings_(std::move(settings)),
      channel_(shared_channel(settings_.endpoint)),
      stub_(v1::RuntimeService::NewStub(channel_)) {}

std::unique_ptr<grpc::ClientContext> CriClient::context_until(Clock::time_point deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  set_deadline(*context, deadline);
  return context;
}

template <class Request, class Response, class Invoke>
CallHandle CriClient::start(Request request, Clock::time_point deadline, Invoke invoke,
                            Completion<Response> done) const {
  auto call = std::make_shared<PendingCall<Request, Response>>();
  call->request = std::move(request);
  set_deadline(call->context, deadline);
  invoke(stub_->async(), &call->context, &call->request, &call->response,
         [call, done = std::move(done)](grpc::Status status) { done(status, call->response); });
  return CallHandle(std::shared_ptr<grpc::ClientContext>(call, &call->context));
}

CallHandle CriClient::container_status(const std::string& container_id, Clock::time_point deadline,
                                       Completion<v1::ContainerStatusResponse> done) const {
  v1::ContainerStatusRequest request;
  request.set_container_id(container_id);
  return start(
      std::move(request), deadline,
      [](auto* async, auto* context, auto* req, auto* resp, auto callback) {
        async->ContainerStatus(context, req, resp, std::move(callback));
      },
      std::move(done));
}

CallHandle CriClient::stop_container(const std::string& container_id, std::int64_t timeout_seconds,
                                     Clock::time_point deadline,
                                     Completion<v1::StopContainerResponse> done) const {
  v1::StopContainerRequest request;
  request.set_container_id(container_id);
  request.set_timeout(timeout_seconds);
  return start(
      std::move(request), deadline,
      [](auto* async, auto* context, auto* req, auto* resp, auto callback) {
        async->StopContainer(context, req, resp, std::move(callback));
      },
      std::move(done));
}

CallHandle CriClient::pod_sandbox_status(const std::string& pod_sandbox_id,
                                         Clock::time_point deadline,
                                         Completion<v1::PodSandboxStatusResponse> done) const {
  v1::PodSandboxStatusRequest request;
  request.set_pod_sandbox_id(pod_sandbox_id);
  return start(
      std::move(request), deadline,
      [](auto* async, auto* context, auto* req, auto* resp, auto callback) {
        async->PodSandboxStatus(context, req, resp, std::move(callback));
      },
      std::move(done));
}

CallHandle CriClient::list_containers(v1::ContainerFilter filter, Clock::time_point deadline,
                                      Completion<v1::ListContainersResponse> done) const {
  v1::ListContainersRequest request;
  *request.mutable_filter() = std::move(filter);
  return start(
      std::move(request), deadline,
      [](auto* async, auto* context, auto* req, auto* resp, auto callback) {
        async->ListContainers(context, req, resp, std::move(callback));
      },
      std::move(done));
}

CallHandle CriClient::stop_pod_sandbox(const std::string& pod_sandbox_id,
                                       Clock::time_point deadline,
                                       Completion<v1::StopPodSandboxResponse> done) const {
  v1::StopPodSandboxRequest request;
  request.set_pod_sandbox_id(pod_sandbox_id);
  return start(
      std::move(request), deadline,
      [](auto* async, auto* context, auto* req, auto* resp, auto callback) {
        async->StopPodSandbox(context, req, resp, std::move(callback));
      },
      std::move(done));
}

#define STOPD_CRI_BLOCKING_CALL(Method)                                                            \
  grpc::Status CriClient::call(const v1::Method##Request& request, v1::Method##Response* response) \
      const {                                                                                      \
    const auto context = context_until(call_deadline());                                           \
    return stub_->Method(context.get(), request, response);                                        \
  }

STOPD_CRI_BLOCKING_CALL(ContainerStatus)
STOPD_CRI_BLOCKING_CALL(PodSandboxStatus)
STOPD_CRI_BLOCKING_CALL(ListContainers)
STOPD_CRI_BLOCKING_CALL(ListPodSandbox)
STOPD_CRI_BLOCKING_CALL(Version)
STOPD_CRI_BLOCKING_CALL(RunPodSandbox)
STOPD_CRI_BLOCKING_CALL(CreateContainer)
STOPD_CRI_BLOCKING_CALL(StartContainer)
STOPD_CRI_BLOCKING_CALL(StopContainer)
STOPD_CRI_BLOCKING_CALL(StopPodSandbox)
STOPD_CRI_BLOCKING_CALL(RemoveContainer)
STOPD_CRI_BLOCKING_CALL(RemovePodSandbox)

#undef STOPD_CRI_BLOCKING_CALL

}  // namespace stopd::cri
