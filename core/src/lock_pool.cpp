#include "lock_pool.hpp"

#include <array>
#include <cstdint>

namespace stopd::core {
namespace {

constexpr unsigned kSlotBits = 7;  // 128 slots, 8 KiB: contention stays rare on any thread count

}  // namespace

PooledLock& pooled_lock(const void* owner) {
  // Never destroyed: an owner may still lock from a static destructor.
  static auto* const slots = new std::array<PooledLock, std::size_t{1} << kSlotBits>;
  // Fibonacci hashing: heap addresses share their low bits; the product's top bits do not.
  const auto address = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(owner));
  return (*slots)[static_cast<std::size_t>((address * 0x9E3779B97F4A7C15ull) >> (64 - kSlotBits))];
}

}  // namespace stopd::core
