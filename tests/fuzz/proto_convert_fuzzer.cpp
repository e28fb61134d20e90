// The conversions between the API's protobuf messages and the core's JSON (core/proto/convert.cpp)
// with what a client sends the daemon and the daemon sends a client.
//
// Input: the first byte picks the mode, the rest is its input.
//   0: JSON text → to_struct (a target, options or selector as stopctl sends it) → from_struct,
//      also through the wire: the same value back, numbers compared as numbers;
//   1: google.protobuf.Struct wire bytes (a StopRequest's target as the daemon receives it) →
//      from_struct → to_struct → from_struct: the same value both times;
//   2: google.protobuf.Timestamp wire bytes (ListJobs' created_after) → from_timestamp, and back
//      with to_timestamp for a time a system_clock can hold;
//   3: stopd.v1.Job wire bytes (what stopctl receives) → from_proto → to_proto → from_proto →
//      to_proto: the same message both times.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>

#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "convert.hpp"
#include "fuzz_check.hpp"
#include "stopd/core/bounded_json.hpp"

namespace {

using google::protobuf::Struct;
using google::protobuf::Timestamp;
using nlohmann::json;
using stopd::fuzz::fail;

std::string shown(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 300);
}

bool same_number(const json& a, const json& b) {
  const double x = a.get<double>();
  const double y = b.get<double>();
  return x == y || (std::isnan(x) && std::isnan(y));
}

// Equal values, numbers compared by value whatever their JSON type (protobuf has doubles only).
// Iterative: the inputs may nest deeper than the stack would let a recursion go.
bool same_value(const json& a, const json& b) {
  std::vector<std::pair<const json*, const json*>> pending{{&a, &b}};
  while (!pending.empty()) {
    const auto [x, y] = pending.back();
    pending.pop_back();
    if (x->is_number() && y->is_number()) {
      if (!same_number(*x, *y)) return false;
      continue;
    }
    if (x->type() != y->type() || x->size() != y->size()) return false;
    if (x->is_array()) {
      for (std::size_t i = 0; i < x->size(); ++i) pending.emplace_back(&(*x)[i], &(*y)[i]);
    } else if (x->is_object()) {
      for (auto it = x->begin(); it != x->end(); ++it) {
        const auto other = y->find(it.key());
        if (other == y->end()) return false;
        pending.emplace_back(&*it, &*other);
      }
    } else if (*x != *y) {
      return false;
    }
  }
  return true;
}

// As the other side of a gRPC call reads it: to_struct makes nothing deeper than protobuf parses.
Struct through_the_wire(const Struct& value) {
  std::string bytes;
  if (!value.SerializeToString(&bytes)) fail("a Struct from to_struct does not serialize");
  Struct parsed;
  if (!parsed.ParseFromString(bytes)) fail("a serialized Struct does not parse back");
  return parsed;
}

void json_to_struct(std::string_view text) {
  const json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return;
  Struct converted;
  try {
    converted = stopd::api::to_struct(value);
  } catch (const std::invalid_argument&) {
    return;  // not an object, or an integer a double cannot hold exactly
  }
  const json back = stopd::api::from_struct(converted);
  if (!(value.is_null() ? back == json::object() : same_value(value, back)))
    fail("JSON → Struct → JSON changed the value", shown(value) + " became " + shown(back));
  if (!same_value(back, stopd::api::from_struct(through_the_wire(converted))))
    fail("a Struct read back from the wire is another value", shown(back));
}

void struct_to_json(std::string_view bytes) {
  Struct received;
  if (!received.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  const json first = stopd::api::from_struct(received);
  // protobuf parses a Struct a level deeper than stopd accepts (33 objects in 100 messages);
  // the dispatcher refuses such a request, and to_struct refuses to build one.
  const bool too_deep = stopd::core::nesting_depth(first) > stopd::core::limits::kMaxNesting;
  Struct again;
  try {
    again = stopd::api::to_struct(first);
  } catch (const std::invalid_argument& e) {
    if (too_deep) return;
    fail("from_struct made a value to_struct refuses", e.what());
  }
  if (too_deep) fail("to_struct built a Struct deeper than the limit", shown(first));
  const json second = stopd::api::from_struct(again);
  if (!same_value(first, second))
    fail("Struct → JSON → Struct → JSON changed the value",
         shown(first) + " became " + shown(second));
}

void timestamp(std::string_view bytes) {
  Timestamp received;
  if (!received.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  const auto at = stopd::api::from_timestamp(received);
  // A system_clock (nanoseconds in 64 bits) holds 1970 ± 292 years; to_timestamp writes times
  // before 1970 with negative nanos, so only later ones come back as they were.
  constexpr std::int64_t kLastSecond = 9'223'372'035;
  if (received.seconds() < 0 || received.seconds() > kLastSecond || received.nanos() < 0 ||
      received.nanos() >= 1'000'000'000)
    return;
  const Timestamp back = stopd::api::to_timestamp(at);
  if (back.seconds() != received.seconds() || back.nanos() != received.nanos())
    fail("Timestamp → time_point → Timestamp changed the time", received.DebugString());
}

// The wire bytes with map entries in a fixed order, so equal messages give equal bytes (and a
// NaN equals itself, which MessageDifferencer would not grant).
std::string deterministic_bytes(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!message.SerializeToCodedStream(&coded)) fail("a message does not serialize");
  }
  return bytes;
}

void job(std::string_view bytes) {
  stopd::v1::Job received;
  if (!received.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  stopd::v1::Job first;
  try {
    first = stopd::api::to_proto(stopd::api::from_proto(received));
  } catch (const std::invalid_argument&) {
    return;
  }
  const stopd::v1::Job second = stopd::api::to_proto(stopd::api::from_proto(first));
  if (deterministic_bytes(first) != deterministic_bytes(second))
    fail("Job → core::Job → Job is not stable", first.DebugString());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Invalid UTF-8 in a string field is refused, as it should be, with an error logged per input.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest = stopd::fuzz::text_of(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      json_to_struct(rest);
      break;
    case 1:
      struct_to_json(rest);
      break;
    case 2:
      timestamp(rest);
      break;
    default:
      job(rest);
      break;
  }
  return 0;
}
