// What an isolated plugin's host sends stopd: bytes on the session's socket, every one of them
// the plugin's to choose (its code runs in that process and can write to the socket). The first
// input byte sets how many bytes each read returns; the rest are cut into frames by FrameBuffer
// (core/src/isolation/frame_buffer.hpp) and each frame is decoded as stopd decodes it: a
// PluginMessages batch, then each message's JSON and codes through wire.hpp.
//
// Checked: the frames handed out, each with its header again, are the input's bytes up to where
// framing stopped; none is over the limit; framing stops early only at a frame announced over the
// limit; the buffer never holds more than twice what arrived, whatever a frame announces;
// decoding never throws (info_json may, as documented) and its JSON survives what stopd does with
// it next (copies and dumps, which recurse).
#include <algorithm>
#include <cstring>
#include <string>

#include "fuzz_check.hpp"
#include "isolation/frame_buffer.hpp"
#include "isolation/wire.hpp"

namespace {

using stopd::fuzz::check;
namespace pb = stopd::plugin::v1;
namespace wire = stopd::core::wire;

constexpr std::size_t kMaxFrame = 1 << 20;

std::uint32_t length_at(const char* at) {
  std::uint32_t length = 0;
  for (int i = 3; i >= 0; --i)
    length = (length << 8) | static_cast<unsigned char>(at[static_cast<std::size_t>(i)]);
  return length;
}

// What stopd does with a decoded value next: keeps a copy, journals its text.
void use(const nlohmann::json& value) {
  const nlohmann::json copy = value;
  copy.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void decode(const char* data, std::size_t size) {
  pb::PluginMessages batch;
  if (!batch.ParseFromArray(data, static_cast<int>(size))) return;  // stopd ends the session
  for (const pb::PluginMessage& message : batch.messages()) {
    if (message.has_completed()) {
      const stopd::sdk::StopOutcome outcome = wire::outcome_from(message.completed());
      check(!stopd::sdk::to_string(outcome.code).empty(), "a code outside sdk::Code");
      use(outcome.details);
    } else if (message.has_progress()) {
      use(wire::parse_or(message.progress().facts_json(), nlohmann::json::object()));
    } else if (message.has_opened()) {
      try {
        wire::info_from_json(
            wire::parse_or(message.opened().info_json(), nlohmann::json::object()));
      } catch (const nlohmann::json::exception&) {
        // Documented: a malformed ProviderInfo throws, and stopd refuses the plugin host.
      }
    } else if (message.has_inspected()) {
      use(wire::parse_or(message.inspected().facts_json(), nlohmann::json::object()));
      wire::code_from(message.inspected().failure().code());
    } else if (message.has_listed()) {
      use(wire::parse_or(message.listed().targets_json(), nlohmann::json::array()));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t read_size = 1 + data[0] % 64;
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  const std::size_t total = size - 1;

  stopd::core::FrameBuffer buffer(kMaxFrame);
  std::string reframed;
  std::string why;
  bool refused = false;
  for (std::size_t fed = 0; fed < total && !refused;) {
    const std::size_t take = std::min(read_size, total - fed);
    const auto space = buffer.space(take);
    check(space.size() >= take, "space() gave less room than asked for");
    // What a frame announces is not allocated before it arrives (a hostile plugin host could
    // otherwise make stopd hold 256 MiB per session for a few bytes).
    check(buffer.allocated() <= 2 * (fed + read_size),
          "the buffer holds more than twice what arrived");
    std::memcpy(space.data(), bytes + fed, take);
    buffer.commit(take);
    fed += take;
    refused = !buffer.drain(
        [&](const char* frame, std::size_t length) {
          check(length <= kMaxFrame, "a frame over the limit was handed out");
          char header[stopd::core::kFrameHeader];
          stopd::core::encode_frame_length(static_cast<std::uint32_t>(length), header);
          reframed.append(header, sizeof header).append(frame, length);
          decode(frame, length);
        },
        why);
  }
  const std::string_view input(bytes, total);
  check(input.substr(0, reframed.size()) == reframed,
        "the frames handed out are not the input's bytes");
  const std::size_t rest = total - reframed.size();
  if (refused) {
    check(!why.empty(), "a refusal without a reason");
    check(rest >= stopd::core::kFrameHeader && length_at(bytes + reframed.size()) > kMaxFrame,
          "framing stopped at a frame within the limit");
  } else if (rest >= stopd::core::kFrameHeader) {
    check(rest - stopd::core::kFrameHeader < length_at(bytes + reframed.size()),
          "a whole frame was left in the buffer");
  }
  return 0;
}
