#include "request_log.hpp"

namespace stopd::hwemu {

void RequestLog::add(nlohmann::json entry) {
  std::lock_guard lock(mutex_);
  entry["seq"] = next_sequence_++;
  if (entries_.size() >= kMaxEntries) entries_.erase(entries_.begin());
  entries_.push_back(std::move(entry));
}

nlohmann::json RequestLog::entries() const {
  std::lock_guard lock(mutex_);
  return nlohmann::json(entries_);
}

void RequestLog::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

std::string loggable_header_value(const std::string& lowercase_name, const std::string& value) {
  if (lowercase_name == "x-auth-token" || lowercase_name == "x-security-token" ||
      lowercase_name == "authorization")
    return "[redacted]";
  return value;
}

}  // namespace stopd::hwemu
