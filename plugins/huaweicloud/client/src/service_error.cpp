#include "stopd/huaweicloud/service_error.hpp"

#include <nlohmann/json.hpp>

namespace stopd::huaweicloud {
namespace {

constexpr std::size_t kMaxMessageBytes = 512;

std::string bounded(std::string text) {
  if (text.size() > kMaxMessageBytes) {
    text.resize(kMaxMessageBytes);
    text += "…";
  }
  return text;
}

std::string string_field(const nlohmann::json& object, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (auto it = object.find(name); it != object.end() && it->is_string())
      return it->get<std::string>();
  return {};
}

// Keeps printable text only, so a hostile body cannot forge log lines.
std::string printable(std::string_view text) {
  std::string clean;
  for (const char c : text) clean.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  return clean;
}

}  // namespace

ServiceError parse_service_error(std::string_view body) {
  ServiceError error;
  const auto document = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) {
    if (!body.empty()) error.message = bounded(printable(body.substr(0, kMaxMessageBytes)));
    return error;
  }
  const nlohmann::json* object = &document;
  if (auto nested = document.find("error"); nested != document.end() && nested->is_object())
    object = &*nested;
  error.code = printable(string_field(*object, {"error_code", "errCode", "code"}));
  error.message = bounded(
      printable(string_field(*object, {"error_msg", "externalMessage", "errMsg", "message"})));
  error.request_id = printable(string_field(document, {"request_id", "requestId"}));
  return error;
}

bool is_throttling_code(std::string_view code) {
  return code == "APIGW.0308";
}

}  // namespace stopd::huaweicloud
