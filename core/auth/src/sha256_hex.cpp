#include "stopd/auth/auth.hpp"

namespace stopd::core {

std::string sha256_hex(std::string_view token) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (const std::uint8_t byte : token_sha256(token)) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0f]);
  }
  return hex;
}

}  // namespace stopd::core
