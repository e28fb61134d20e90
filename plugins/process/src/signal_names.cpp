#include "signal_names.hpp"

#include <charconv>
#include <csignal>
#include <cstring>
#include <tuple>

namespace stopd::process {
namespace {

constexpr int kFirstUserRealtime = 34;  // SIGRTMIN as glibc presents it; 32 and 33 are its own

bool valid(int signal) {
  return (signal >= 1 && signal < 32) || (signal >= kFirstUserRealtime && signal <= SIGRTMAX);
}

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// Names glibc does not return from sigabbrev_np but people write.
struct Alias {
  std::string_view name;
  int signal;
};
constexpr Alias kAliases[] = {{"IOT", SIGABRT}, {"POLL", SIGIO}, {"CLD", SIGCHLD}};

}  // namespace

std::optional<int> parse_signal(std::string_view text) {
  if (auto number = parse_int(text)) return valid(*number) ? number : std::nullopt;
  std::string name = upper(text);
  std::string_view bare = name;
  if (bare.starts_with("SIG")) bare.remove_prefix(3);
  if (bare.empty()) return std::nullopt;

  for (int signal = 1; signal < 32; ++signal) {
    const char* abbrev = ::sigabbrev_np(signal);
    if (abbrev != nullptr && bare == abbrev) return signal;
  }
  for (const auto& alias : kAliases)
    if (bare == alias.name) return alias.signal;

  // RTMIN, RTMIN+n, RTMAX, RTMAX-n
  for (const auto& [prefix, base, sign] : {std::tuple{std::string_view("RTMIN"), SIGRTMIN, 1},
                                           std::tuple{std::string_view("RTMAX"), SIGRTMAX, -1}}) {
    if (!bare.starts_with(prefix)) continue;
    std::string_view offset_text = bare.substr(prefix.size());
    int offset = 0;
    if (!offset_text.empty()) {
      if (offset_text[0] != (sign > 0 ? '+' : '-')) return std::nullopt;
      const auto parsed = parse_int(offset_text.substr(1));
      if (!parsed) return std::nullopt;
      offset = *parsed;
    }
    const int signal = base + sign * offset;
    if (signal < SIGRTMIN || signal > SIGRTMAX) return std::nullopt;
    return signal;
  }
  return std::nullopt;
}

std::optional<int> parse_signal_json(const nlohmann::json& value) {
  if (value.is_number_integer()) {
    const auto number = value.get<long long>();
    if (number < 1 || number > SIGRTMAX) return std::nullopt;
    const int signal = static_cast<int>(number);
    return valid(signal) ? std::optional<int>(signal) : std::nullopt;
  }
  if (value.is_string()) return parse_signal(value.get_ref<const std::string&>());
  return std::nullopt;
}

std::string signal_name(int signal) {
  if (signal >= 1 && signal < 32) {
    if (const char* abbrev = ::sigabbrev_np(signal)) return std::string("SIG") + abbrev;
  }
  if (signal == SIGRTMIN) return "SIGRTMIN";
  if (signal > SIGRTMIN && signal <= SIGRTMAX)
    return "SIGRTMIN+" + std::to_string(signal - SIGRTMIN);
  return "signal " + std::to_string(signal);
}

}  // namespace stopd::process
