#include <openssl/evp.h>

#include <stdexcept>

#include "auth_detail.hpp"
#include "stopd/auth/auth.hpp"

namespace stopd::core {

std::array<std::uint8_t, 32> auth_detail::sha256(std::string_view bytes) {
  std::array<std::uint8_t, 32> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != digest.size())
    throw std::runtime_error("SHA-256 failed");
  return digest;
}

std::string sha256_hex(std::string_view token) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (const std::uint8_t byte : auth_detail::sha256(token)) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0f]);
  }
  return hex;
}

}  // namespace stopd::core
