// The flights in progress by resource, for single-flight: a second stop of the same resource
// (same type, same canonical target) finds the first one's flight here.
//
// A flight keeps only the hash of its resource key, not the key: with thousands of stops in
// flight the key string (type + compact target JSON, typically 30-80 bytes on the heap) would be
// one more allocation per stop, needed only when a request for the same resource arrives. Then
// the key is compared with the flight's own request, so a hash collision never joins two
// resources.
//
// Not thread-safe: the dispatcher's lock guards it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "stop_flight.hpp"

namespace stopd::core {

// What single-flight is keyed by: type + '\n' + the target's compact (sorted) JSON. Throws
// nlohmann::json::type_error for a target with a string that is not valid UTF-8.
inline std::string resource_key(const sdk::StopRequest& request) {
  std::string key = request.type;
  key.push_back('\n');
  key.append(request.target.dump());
  return key;
}

// The target's JSON within a resource_key() of a request of `type`.
inline std::string_view target_of_key(std::string_view key, std::string_view type) {
  return key.substr(type.size() + 1);
}

inline bool is_key_of(std::string_view key, const Flight& flight) {
  const std::string& type = flight.type();
  const std::string& target = flight.request.target;
  return key.size() == type.size() + 1 + target.size() && key.starts_with(type) &&
         key[type.size()] == '\n' && key.ends_with(target);
}

inline std::size_t hash_resource_key(std::string_view key) {
  return std::hash<std::string_view>{}(key);
}

class FlightIndex {
 public:
  struct Key {
    std::string_view text;  // resource_key()
    std::size_t hash;       // hash_resource_key(text)
  };

  // The flight in progress for `key`, or null.
  std::shared_ptr<Flight> find(const Key& key) const {
    auto it = flights_.find(key);
    return it == flights_.end() ? nullptr : *it;
  }

  // `flight` must be the only one for its resource (erase() the one it replaces first).
  void insert(std::shared_ptr<Flight> flight) { flights_.insert(std::move(flight)); }

  // Removes `flight` itself; a newer flight of the same resource stays.
  void erase(const Flight& flight) {
    if (auto it = flights_.find(&flight); it != flights_.end()) flights_.erase(it);
  }

  template <class Visit>
  void for_each(Visit&& visit) const {
    for (const auto& flight : flights_) visit(flight);
  }

 private:
  // noexcept: the node then stores no hash of its own (flights cache theirs).
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(const std::shared_ptr<Flight>& f) const noexcept { return f->key_hash; }
    std::size_t operator()(const Flight* f) const noexcept { return f->key_hash; }
    std::size_t operator()(const Key& key) const noexcept { return key.hash; }
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(const std::shared_ptr<Flight>& a, const std::shared_ptr<Flight>& b) const {
      return a == b;
    }
    bool operator()(const Flight* a, const std::shared_ptr<Flight>& b) const {
      return a == b.get();
    }
    bool operator()(const std::shared_ptr<Flight>& a, const Flight* b) const {
      return a.get() == b;
    }
    bool operator()(const Key& key, const std::shared_ptr<Flight>& f) const {
      return same(key, *f);
    }
    bool operator()(const std::shared_ptr<Flight>& f, const Key& key) const {
      return same(key, *f);
    }
    static bool same(const Key& key, const Flight& f) {
      return key.hash == f.key_hash && is_key_of(key.text, f);
    }
  };

  std::unordered_set<std::shared_ptr<Flight>, Hash, Equal> flights_;
};

}  // namespace stopd::core
