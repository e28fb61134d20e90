#include "stopd/core/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "stopd/core/utf8.hpp"

namespace stopd::core {
namespace {

class PluginLogger final : public sdk::Logger {
 public:
  explicit PluginLogger(std::string plugin) : plugin_(std::move(plugin)) {}
  void log(sdk::LogLevel level, std::string_view message) override {
    host_logger()->log(to_spdlog_level(level), "plugin={} {}", plugin_, message);
  }
  bool enabled(sdk::LogLevel level) const override {
    return host_logger()->should_log(to_spdlog_level(level));
  }

 private:
  std::string plugin_;
};

// One character of `text` (or one byte that is not UTF-8): how many bytes it takes, and whether
// it must be escaped.
struct Sequence {
  std::size_t length;
  bool escaped;
};

// The character at `at`, which is not printable ASCII: C0 and DEL, C1 controls, the line and
// paragraph separators and the bidirectional controls are escaped, as is each byte that does not
// start well-formed UTF-8 (the bytes after it are looked at afresh).
Sequence sequence_at(std::string_view text, std::size_t at) {
  const std::size_t length = utf8_sequence_length(text, at);
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  switch (length) {
    case 0:
      return {1, true};
    case 1:
      return {1, true};  // C0 or DEL: printable ASCII never gets here
    case 2:
      return {2, byte(0) == 0xc2 && byte(1) < 0xa0};  // U+0080…U+009F
    case 3: {
      // The line and paragraph separators, and the bidirectional controls that make a terminal
      // show text in another order than it is ("Trojan Source").
      const unsigned code_point =
          ((byte(0) & 0x0fu) << 12) | ((byte(1) & 0x3fu) << 6) | (byte(2) & 0x3fu);
      return {3, code_point == 0x2028 || code_point == 0x2029 || code_point == 0x200e ||
                     code_point == 0x200f || (code_point >= 0x202a && code_point <= 0x202e) ||
                     (code_point >= 0x2066 && code_point <= 0x2069)};
    }
    default:
      return {length, false};
  }
}

constexpr bool printable_ascii(unsigned char c) {
  return c >= 0x20 && c < 0x7f;
}

// The end of the printable ASCII from `at` on, eight bytes at a time while it lasts: most of what
// is logged is plain ASCII, and this keeps escaping it a small part of a line's cost. With no
// high bit set, adding 0x60 (sets it from 0x20 up) or 0x01 (sets it at 0x7f) to each byte never
// carries into the next one, so the word tests are exact.
std::size_t skip_printable_ascii(std::string_view text, std::size_t at) {
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  for (std::uint64_t word; at + 8 <= text.size(); at += 8) {
    std::memcpy(&word, text.data() + at, 8);
    if ((word & kHigh) != 0 || ((word + 0x6060606060606060ULL) & kHigh) != kHigh ||
        ((word + 0x0101010101010101ULL) & kHigh) != 0)
      break;
  }
  while (at < text.size() && printable_ascii(static_cast<unsigned char>(text[at]))) ++at;
  return at;
}

// The escape of one escaped Sequence: \n \r \t, \xNN for any other single byte, \uNNNN for a
// C1, separator or bidirectional control.
template <class Out>
void append_escape(Out& out, std::string_view sequence) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto last = static_cast<unsigned char>(sequence.back());
  char escape[6] = {'\\'};
  std::size_t length = 4;
  if (sequence.size() == 1 && (last == '\n' || last == '\r' || last == '\t')) {
    escape[1] = last == '\n' ? 'n' : last == '\r' ? 'r' : 't';
    length = 2;
  } else if (sequence.size() == 1) {
    escape[1] = 'x';
    escape[2] = kHex[last >> 4];
    escape[3] = kHex[last & 0xf];
  } else {
    const auto at = [&](std::size_t i) { return static_cast<unsigned char>(sequence[i]); };
    const unsigned code_point =
        sequence.size() == 2 ? last
                             : ((at(0) & 0x0fu) << 12) | ((at(1) & 0x3fu) << 6) | (last & 0x3fu);
    escape[1] = 'u';
    for (int i = 0; i < 4; ++i) escape[2 + i] = kHex[(code_point >> (12 - 4 * i)) & 0xf];
    length = 6;
  }
  out.append(escape, escape + length);
}

// `Out` is std::string or spdlog's memory buffer: both append a [begin, end) range of chars.
template <class Out>
void escape_into(Out& out, std::string_view text) {
  std::size_t kept_from = 0;
  std::size_t at = 0;
  while ((at = skip_printable_ascii(text, at)) < text.size()) {
    const Sequence sequence = sequence_at(text, at);
    if (sequence.escaped) {
      out.append(text.data() + kept_from, text.data() + at);
      append_escape(out, text.substr(at, sequence.length));
      kept_from = at + sequence.length;
    }
    at += sequence.length;
  }
  out.append(text.data() + kept_from, text.data() + text.size());
}

class EscapingSink final : public spdlog::sinks::sink {
 public:
  explicit EscapingSink(std::shared_ptr<spdlog::sinks::sink> inner) : inner_(std::move(inner)) {}

  void log(const spdlog::details::log_msg& msg) override {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    if (is_printable(text)) {
      inner_->log(msg);
      return;
    }
    spdlog::memory_buf_t escaped;
    escape_into(escaped, text);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(escaped.data(), escaped.size());
    inner_->log(copy);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
};

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  escape_into(out, text);
  return out;
}

void append_printable(std::string& out, std::string_view text) {
  escape_into(out, text);
}

bool is_printable(std::string_view text) {
  std::size_t at = 0;
  while ((at = skip_printable_ascii(text, at)) < text.size()) {
    const Sequence sequence = sequence_at(text, at);
    if (sequence.escaped) return false;
    at += sequence.length;
  }
  return true;
}

std::shared_ptr<spdlog::sinks::sink> escaping_sink(std::shared_ptr<spdlog::sinks::sink> inner) {
  return std::make_shared<EscapingSink>(std::move(inner));
}

std::shared_ptr<spdlog::logger> host_logger() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto created = std::make_shared<spdlog::logger>(
        "stopd", escaping_sink(std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
    spdlog::register_logger(created);
    created->set_level(spdlog::level::warn);
    created->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
    return created;
  }();
  return logger;
}

void set_log_level(std::string_view level) {
  static constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"off", spdlog::level::off}};
  for (const auto& [name, value] : kLevels) {
    if (name == level) {
      host_logger()->set_level(value);
      return;
    }
  }
  throw std::invalid_argument("log level '" + std::string(level) +
                              "' is not one of trace, debug, info, warn, error, off");
}

spdlog::level::level_enum to_spdlog_level(sdk::LogLevel level) {
  switch (level) {
    case sdk::LogLevel::trace:
      return spdlog::level::trace;
    case sdk::LogLevel::debug:
      return spdlog::level::debug;
    case sdk::LogLevel::info:
      return spdlog::level::info;
    case sdk::LogLevel::warn:
      return spdlog::level::warn;
    case sdk::LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::shared_ptr<sdk::Logger> make_plugin_logger(std::string plugin_name) {
  return std::make_shared<PluginLogger>(std::move(plugin_name));
}

std::string log_field(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace stopd::core
