// UTF-8 as RFC 3629 has it (no overlong forms, no surrogates, nothing past U+10FFFF), for text
// that arrives from callers, files and plugins. nlohmann's dump() throws on anything else, and
// protobuf refuses it in a string field, so it is found or repaired where it enters.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace stopd::core {

// The length (1 to 4) of the well-formed sequence that starts at byte `at` of `text`, or 0 when
// the bytes there are not one (a stray continuation byte, a cut or overlong sequence…).
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);

// The offset of the first byte of `text` that is not well-formed UTF-8, or nullopt.
std::optional<std::size_t> invalid_utf8_at(std::string_view text);

// `text` with every byte that is not part of a well-formed sequence replaced by U+FFFD.
std::string repair_utf8(std::string_view text);

// The longest prefix of at most `max` bytes that does not end inside a character: where to cut.
std::size_t utf8_cut(std::string_view text, std::size_t max);

}  // namespace stopd::core
