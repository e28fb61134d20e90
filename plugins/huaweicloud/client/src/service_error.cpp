#include "stopd/huaweicloud/service_error.hpp"

#include <nlohmann/json.hpp>

namespace stopd::huaweicloud {
namespace {

constexpr std::size_t kMaxMessageBytes = 512;
// A service's error code ("DLF.6205") or request id (a UUID) is short; a longer one is not that.
constexpr std::size_t kMaxCodeBytes = 128;

// Cut on a character boundary: half a UTF-8 character would make the message invalid text, which
// protobuf and nlohmann's dump() refuse. (The host repairs a plugin's invalid UTF-8 anyway; this
// keeps the service's own text intact up to the cut.)
std::string_view prefix_on_boundary(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

std::string bounded(std::string text, std::size_t max = kMaxMessageBytes) {
  if (text.size() <= max) return text;
  std::string cut(prefix_on_boundary(text, max));
  cut += "…";
  return cut;
}

std::string string_field(const nlohmann::json& object, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (auto it = object.find(name); it != object.end() && it->is_string())
      return it->get<std::string>();
  return {};
}

// Keeps printable text only, so a hostile body cannot forge log lines or drive a terminal: C0
// controls, DEL and the C1 controls (U+0080 to U+009F, 0xC2 0x80 to 0xC2 0x9F) become spaces.
std::string printable(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0xC2 && i + 1 < text.size() &&
        (static_cast<unsigned char>(text[i + 1]) & 0xE0) == 0x80) {
      clean.push_back(' ');
      ++i;
    } else {
      clean.push_back(c < 0x20 || c == 0x7F ? ' ' : text[i]);
    }
  }
  return clean;
}

}  // namespace

ServiceError parse_service_error(std::string_view body) {
  ServiceError error;
  const auto document = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) {
    // Only a prefix is made printable: one that ends on a character boundary (a cut inside a
    // character that printable() then shortened below the limit left half a character at the
    // end: tests/fuzz/regressions/service_error/), and long enough that bounded() still cuts it,
    // and says so, after printable() has halved it at worst (a C1 control, two bytes, becomes one
    // space).
    constexpr std::size_t kPrefix = 2 * (kMaxMessageBytes + 1) + 4;
    if (!body.empty()) error.message = bounded(printable(prefix_on_boundary(body, kPrefix)));
    return error;
  }
  const nlohmann::json* object = &document;
  if (auto nested = document.find("error"); nested != document.end() && nested->is_object())
    object = &*nested;
  error.code =
      bounded(printable(string_field(*object, {"error_code", "errCode", "code"})), kMaxCodeBytes);
  error.message = bounded(
      printable(string_field(*object, {"error_msg", "externalMessage", "errMsg", "message"})));
  error.request_id =
      bounded(printable(string_field(document, {"request_id", "requestId"})), kMaxCodeBytes);
  return error;
}

bool is_throttling_code(std::string_view code) {
  return code == "APIGW.0308";
}

}  // namespace stopd::huaweicloud
