// Every service request the emulator answered, for tests and for users checking what a plan
// sent: method, raw path, the connection it came on (remote address and port: one port = one
// TCP connection), headers with every credential redacted, body, status and error code.
// Read with GET /_emulator/requests, cleared with DELETE.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

namespace stopd::hwemu {

class RequestLog {
 public:
  void add(nlohmann::json entry);
  nlohmann::json entries() const;
  void clear();

 private:
  static constexpr std::size_t kMaxEntries = 200000;
  mutable std::mutex mutex_;
  std::vector<nlohmann::json> entries_;
  unsigned long long next_sequence_ = 1;
};

// The value to log for a header: credentials become "[redacted]".
std::string loggable_header_value(const std::string& lowercase_name, const std::string& value);

}  // namespace stopd::hwemu
