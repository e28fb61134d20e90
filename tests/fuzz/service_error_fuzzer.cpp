// A Huawei Cloud error body (whatever a service, the API gateway or a proxy in between answers)
// through parse_service_error. Its promises (service_error.hpp): it never throws, keeps printable
// text only so that a hostile body cannot forge log lines, and trims the message to a sane
// length. And what comes out goes into outcome messages, which the journal and the API carry as
// JSON and protobuf strings: from a body that is valid UTF-8 it must be valid UTF-8 too.
#include "fuzz_check.hpp"
#include "stopd/huaweicloud/service_error.hpp"

namespace {

using stopd::fuzz::fail;

// 512 bytes and the "…" that marks the cut (service_error.cpp).
constexpr std::size_t kMaxMessage = 512 + std::string_view("…").size();

void check_printable(std::string_view field, const char* what) {
  for (const char c : field)
    if (static_cast<unsigned char>(c) < 0x20) fail(what, field);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = stopd::fuzz::text_of(data, size);
  const auto error = stopd::huaweicloud::parse_service_error(body);
  check_printable(error.code, "the code has a control character");
  check_printable(error.message, "the message has a control character");
  check_printable(error.request_id, "the request id has a control character");
  if (error.message.size() > kMaxMessage) fail("the message is not trimmed", error.message);
  if (stopd::fuzz::is_utf8(body)) {
    if (!stopd::fuzz::is_utf8(error.code)) fail("the code is not UTF-8", error.code);
    if (!stopd::fuzz::is_utf8(error.message)) fail("the message is not UTF-8", error.message);
    if (!stopd::fuzz::is_utf8(error.request_id))
      fail("the request id is not UTF-8", error.request_id);
  }
  stopd::huaweicloud::is_throttling_code(error.code);
  return 0;
}
