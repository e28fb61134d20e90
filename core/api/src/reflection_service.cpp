#include "reflection_service.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <set>

#include "rpc_call.hpp"

namespace stopd::api {
namespace {

namespace reflection = grpc::reflection::v1alpha;
using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;
using Request = reflection::ServerReflectionRequest;

const DescriptorPool& pool() {
  return *DescriptorPool::generated_pool();
}

grpc::Status not_found(const std::string& field, const std::string& what, const std::string& name) {
  return grpc::Status(grpc::StatusCode::NOT_FOUND,
                      field + ": no " + what + " " + echo(name) + " is known to stopd");
}

// `file` first, then every file it imports, directly or not, each once.
void add_file_with_dependencies(const FileDescriptor& file,
                                reflection::FileDescriptorResponse& response) {
  std::set<std::string> added{file.name()};
  std::vector<const FileDescriptor*> pending{&file};
  while (!pending.empty()) {
    const FileDescriptor* next = pending.back();
    pending.pop_back();
    google::protobuf::FileDescriptorProto proto;
    next->CopyTo(&proto);
    proto.SerializeToString(response.add_file_descriptor_proto());
    for (int i = 0; i < next->dependency_count(); ++i)
      if (added.insert(next->dependency(i)->name()).second) pending.push_back(next->dependency(i));
  }
}

grpc::Status answer(const Request& request, const std::vector<std::string>& services,
                    reflection::ServerReflectionResponse& response) {
  switch (request.message_request_case()) {
    case Request::kListServices:
      for (const auto& name : services)
        response.mutable_list_services_response()->add_service()->set_name(name);
      return grpc::Status::OK;
    case Request::kFileByFilename: {
      const FileDescriptor* file = pool().FindFileByName(request.file_by_filename());
      if (file == nullptr) return not_found("file_by_filename", "file", request.file_by_filename());
      add_file_with_dependencies(*file, *response.mutable_file_descriptor_response());
      return grpc::Status::OK;
    }
    case Request::kFileContainingSymbol: {
      const FileDescriptor* file =
          pool().FindFileContainingSymbol(request.file_containing_symbol());
      if (file == nullptr)
        return not_found("file_containing_symbol", "symbol", request.file_containing_symbol());
      add_file_with_dependencies(*file, *response.mutable_file_descriptor_response());
      return grpc::Status::OK;
    }
    case Request::kFileContainingExtension: {
      const auto& wanted = request.file_containing_extension();
      const auto* type = pool().FindMessageTypeByName(wanted.containing_type());
      if (type == nullptr)
        return not_found("file_containing_extension.containing_type", "message type",
                         wanted.containing_type());
      const auto* extension = pool().FindExtensionByNumber(type, wanted.extension_number());
      if (extension == nullptr)
        return not_found("file_containing_extension.extension_number",
                         "extension of " + type->full_name() + " numbered",
                         std::to_string(wanted.extension_number()));
      add_file_with_dependencies(*extension->file(), *response.mutable_file_descriptor_response());
      return grpc::Status::OK;
    }
    case Request::kAllExtensionNumbersOfType: {
      const auto* type = pool().FindMessageTypeByName(request.all_extension_numbers_of_type());
      if (type == nullptr)
        return not_found("all_extension_numbers_of_type", "message type",
                         request.all_extension_numbers_of_type());
      std::vector<const google::protobuf::FieldDescriptor*> extensions;
      pool().FindAllExtensions(type, &extensions);
      auto& numbers = *response.mutable_all_extension_numbers_response();
      numbers.set_base_type_name(type->full_name());
      for (const auto* extension : extensions) numbers.add_extension_number(extension->number());
      return grpc::Status::OK;
    }
    case Request::MESSAGE_REQUEST_NOT_SET:
      break;
  }
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "message_request: expected one of list_services, file_by_filename, "
                      "file_containing_symbol, file_containing_extension, "
                      "all_extension_numbers_of_type");
}

// Answers each request until the client is done. Errors travel inside the stream, as the
// protocol has it: a client asks on after a symbol it did not find.
grpc::Status answer_each(
    grpc::ServerReaderWriter<reflection::ServerReflectionResponse, Request>& stream,
    const std::vector<std::string>& services) {
  Request request;
  while (stream.Read(&request)) {
    reflection::ServerReflectionResponse response;
    const grpc::Status status = answer(request, services, response);
    if (!status.ok()) {
      response.clear_message_response();
      auto& error = *response.mutable_error_response();
      error.set_error_code(status.error_code());
      error.set_error_message(status.error_message());
    }
    response.set_valid_host(request.host());
    *response.mutable_original_request() = std::move(request);
    if (!stream.Write(response))
      return grpc::Status(grpc::StatusCode::CANCELLED, "the stream was broken");
  }
  return grpc::Status::OK;
}

}  // namespace

ReflectionService::ReflectionService(TokenlessStreams& streams, std::vector<std::string> services)
    : streams_(streams), services_(std::move(services)) {
  services_.push_back(reflection::ServerReflection::service_full_name());
}

grpc::Status ReflectionService::ServerReflectionInfo(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<reflection::ServerReflectionResponse, Request>* stream) {
  return streams_.serve("grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", *context,
                        [&] { return answer_each(*stream, services_); });
}

}  // namespace stopd::api
