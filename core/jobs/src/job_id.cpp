#include "job_id.hpp"

#include <sys/random.h>

#include <array>
#include <random>

#include "job_time.hpp"

namespace stopd::core {
namespace {

constexpr std::string_view kDigits = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford, lowercase

void random_bytes(std::uint8_t* out, std::size_t size) {
  std::size_t filled = 0;
  while (filled < size) {
    const ssize_t n = ::getrandom(out + filled, size - filled, 0);
    if (n <= 0) break;
    filled += static_cast<std::size_t>(n);
  }
  if (filled < size) {  // no getrandom(2): the C++ library's source will do
    std::random_device device;
    for (; filled < size; ++filled) out[filled] = static_cast<std::uint8_t>(device());
  }
}

int digit_value(char c) {
  if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  const auto at = kDigits.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

}  // namespace

std::string new_job_id(Job::Time created) {
  std::string id = "j-";
  id.resize(kJobIdLength);
  auto ms = static_cast<std::uint64_t>(to_ms(created)) & ((std::uint64_t{1} << 48) - 1);
  for (std::size_t i = 0; i < 10; ++i) {
    id[2 + 9 - i] = kDigits[ms & 31];
    ms >>= 5;
  }
  std::array<std::uint8_t, 10> random{};
  random_bytes(random.data(), random.size());
  // 80 bits, five at a time, most significant first.
  std::size_t bit = 0;
  for (std::size_t i = 0; i < 16; ++i, bit += 5) {
    unsigned value = 0;
    for (std::size_t b = bit; b < bit + 5; ++b)
      value = (value << 1) | ((static_cast<unsigned>(random[b / 8]) >> (7 - b % 8)) & 1u);
    id[12 + i] = kDigits[value];
  }
  return id;
}

std::optional<std::int64_t> job_id_time_ms(std::string_view id) {
  if (id.size() != kJobIdLength || id.substr(0, 2) != "j-") return std::nullopt;
  std::uint64_t ms = 0;
  for (std::size_t i = 2; i < 12; ++i) {
    const int value = digit_value(id[i]);
    if (value < 0) return std::nullopt;
    ms = (ms << 5) | static_cast<std::uint64_t>(value);
  }
  for (std::size_t i = 12; i < kJobIdLength; ++i)
    if (digit_value(id[i]) < 0) return std::nullopt;
  if (ms >= (std::uint64_t{1} << 48)) return std::nullopt;
  return static_cast<std::int64_t>(ms);
}

}  // namespace stopd::core
