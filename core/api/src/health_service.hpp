// The standard gRPC health service (grpc.health.v1.Health), served synchronously like every other
// method of the daemon: gRPC's built-in one is a callback service, and one callback method on the
// server slows every unary call (job_watch.hpp says why). Needs no token, as health checkers
// expect; a Watch holds a thread while open, so Watches without a token count against the cap
// of tokenless_streams.hpp.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "tokenless_streams.hpp"

namespace stopd::api {

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  // Whether one provider can serve now; nullopt for a type that is not loaded.
  using ProviderServing = std::function<std::optional<bool>(std::string_view type)>;
  // The prefix of the per-provider names: "stopd.provider/local.process".
  static constexpr std::string_view kProviderPrefix = "stopd.provider/";

  // `services`: the names a checker may ask about besides "" (the server as a whole), and every
  // kProviderPrefix + type `provider_serving` knows. All start NOT_SERVING.
  HealthService(const std::vector<std::string>& services, TokenlessStreams& watches,
                ProviderServing provider_serving = nullptr);

  // Every known service at once.
  void set_serving(bool serving);
  // Open Watch streams end with UNAVAILABLE, and new ones are refused: call before the server's
  // Shutdown, which waits for its handlers.
  void end_watches();

  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override;
  grpc::Status Watch(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::ServerWriter<grpc::health::v1::HealthCheckResponse>* writer) override;

 private:
  using Status = grpc::health::v1::HealthCheckResponse::ServingStatus;
  // Under mutex_.
  Status status_of(const std::string& service) const;
  // A Watch once admitted.
  grpc::Status watch(grpc::ServerContext& context, const std::string& service,
                     grpc::ServerWriter<grpc::health::v1::HealthCheckResponse>& writer);

  TokenlessStreams& watches_;
  const ProviderServing provider_serving_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, bool, std::less<>> serving_;
  bool watches_ended_ = false;
};

}  // namespace stopd::api
