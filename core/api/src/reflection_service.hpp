// gRPC server reflection (grpc.reflection.v1alpha), so grpcurl and the like discover the API,
// answered from the descriptors compiled into the daemon. Served by stopd rather than by
// libgrpc++_reflection's plugin, whose service is not in a public header: a reflection stream
// idles in Read() on a thread of its own, and only a service of the daemon's own can count it
// against the cap on streams without a token (tokenless_streams.hpp).
#pragma once

#include <string>
#include <vector>

#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "tokenless_streams.hpp"

namespace stopd::api {

class ReflectionService final : public grpc::reflection::v1alpha::ServerReflection::Service {
 public:
  // `services`: the full names of the other services the server serves (this one is added).
  ReflectionService(TokenlessStreams& streams, std::vector<std::string> services);

  grpc::Status ServerReflectionInfo(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<grpc::reflection::v1alpha::ServerReflectionResponse,
                               grpc::reflection::v1alpha::ServerReflectionRequest>* stream)
      override;

 private:
  TokenlessStreams& streams_;
  std::vector<std::string> services_;
};

}  // namespace stopd::api
