// Connection reuse for one endpoint: a pool of libcurl easy handles, each keeping its live
// connection between transfers (curl_easy_reset keeps it), handed to one thread at a time. At
// most `max_handles` transfers run at once, so at most that many connections are open. The
// handles share one DNS cache and one TLS session cache (a curl share handle), so even a new
// connection resumes the TLS session instead of a full handshake.
#pragma once

#include <curl/curl.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <vector>

namespace stopd::huaweicloud {

class EasyHandlePool {
 public:
  using Clock = std::chrono::steady_clock;

  class Lease {
   public:
    Lease(EasyHandlePool& pool, CURL* handle) : pool_(&pool), handle_(handle) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), handle_(other.handle_) {
      other.handle_ = nullptr;
    }
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (handle_ != nullptr) pool_->release(handle_);
    }
    CURL* get() const { return handle_; }

   private:
    EasyHandlePool* pool_;
    CURL* handle_;
  };

  explicit EasyHandlePool(std::size_t max_handles);
  ~EasyHandlePool();
  EasyHandlePool(const EasyHandlePool&) = delete;
  EasyHandlePool& operator=(const EasyHandlePool&) = delete;

  // A handle, waiting while all `max_handles` are busy; nullopt if none is free by `deadline`.
  std::optional<Lease> acquire(Clock::time_point deadline);

  CURLSH* share() const { return share_; }

 private:
  void release(CURL* handle);
  static void lock_share(CURL*, curl_lock_data data, curl_lock_access, void* self);
  static void unlock_share(CURL*, curl_lock_data data, void* self);

  const std::size_t max_handles_;
  CURLSH* share_ = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks_;

  std::mutex mutex_;
  std::condition_variable released_;
  std::vector<CURL*> idle_;  // most recently used last: its connection is the likeliest alive
  std::size_t created_ = 0;
};

// curl_global_init, once per process, before the first handle.
void ensure_curl_initialized();

}  // namespace stopd::huaweicloud
