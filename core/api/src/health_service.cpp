#include "health_service.hpp"

#include "rpc_call.hpp"

namespace stopd::api {
namespace {

using grpc::health::v1::HealthCheckResponse;

}  // namespace

HealthService::HealthService(const std::vector<std::string>& services, TokenlessStreams& watches,
                             ProviderServing provider_serving)
    : watches_(watches), provider_serving_(std::move(provider_serving)) {
  serving_.emplace("", false);
  for (const auto& service : services) serving_.emplace(service, false);
}

void HealthService::set_serving(bool serving) {
  {
    std::lock_guard lock(mutex_);
    for (auto& [name, state] : serving_) state = serving;
  }
  changed_.notify_all();
}

void HealthService::end_watches() {
  {
    std::lock_guard lock(mutex_);
    watches_ended_ = true;
  }
  changed_.notify_all();
}

HealthService::Status HealthService::status_of(const std::string& service) const {
  const auto it = serving_.find(service);
  if (it == serving_.end()) {
    // A provider is served while the daemon is and its plugin (host) can serve.
    if (!provider_serving_ || !service.starts_with(kProviderPrefix))
      return HealthCheckResponse::SERVICE_UNKNOWN;
    const auto serving =
        provider_serving_(std::string_view(service).substr(kProviderPrefix.size()));
    if (!serving) return HealthCheckResponse::SERVICE_UNKNOWN;
    return *serving && serving_.at("") ? HealthCheckResponse::SERVING
                                       : HealthCheckResponse::NOT_SERVING;
  }
  return it->second ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

grpc::Status HealthService::Check(grpc::ServerContext*,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  HealthCheckResponse* response) {
  std::lock_guard lock(mutex_);
  const Status status = status_of(request->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    std::string known;
    for (const auto& [each, serving] : serving_)
      known += (known.empty() ? "'" : ", '") + each + "'";
    if (provider_serving_) known += ", '" + std::string(kProviderPrefix) + "<type>'";
    return grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        "service: unknown service " + echo(request->service()) + " (known: " + known + ")");
  }
  response->set_status(status);
  return grpc::Status::OK;
}

grpc::Status HealthService::Watch(grpc::ServerContext* context,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::ServerWriter<HealthCheckResponse>* writer) {
  return watches_.serve("grpc.health.v1.Health/Watch", *context,
                        [&] { return watch(*context, request->service(), *writer); });
}

grpc::Status HealthService::watch(grpc::ServerContext& context, const std::string& service,
                                  grpc::ServerWriter<HealthCheckResponse>& writer) {
  // As the standard asks: the current status at once (SERVICE_UNKNOWN too, without ending the
  // call), then each change.
  std::unique_lock lock(mutex_);
  bool first = true;
  Status sent = HealthCheckResponse::UNKNOWN;
  for (;;) {
    // A change before the end is sent first: a watcher of a draining daemon sees NOT_SERVING.
    const Status now = status_of(service);
    if (first || now != sent) {
      first = false;
      sent = now;
      HealthCheckResponse response;
      response.set_status(now);
      lock.unlock();
      const bool written = writer.Write(response);
      lock.lock();
      if (!written) return grpc::Status(grpc::StatusCode::CANCELLED, "the stream was broken");
      continue;
    }
    if (watches_ended_)
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "stopd is shutting down");
    if (!changed_.wait_for(lock, kCancelCheckInterval,
                           [&] { return watches_ended_ || status_of(service) != sent; })) {
      lock.unlock();
      const bool cancelled = context.IsCancelled();
      lock.lock();
      if (cancelled) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
  }
}

}  // namespace stopd::api
