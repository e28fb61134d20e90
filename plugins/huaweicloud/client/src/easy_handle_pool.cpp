#include "easy_handle_pool.hpp"

#include <new>
#include <stdexcept>

namespace stopd::huaweicloud {

void ensure_curl_initialized() {
  // Never cleaned up: plugins stay loaded until the process exits.
  static const CURLcode result = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (result != CURLE_OK)
    throw std::runtime_error(std::string("libcurl failed to initialize: ") +
                             curl_easy_strerror(result));
}

EasyHandlePool::EasyHandlePool(std::size_t max_handles) : max_handles_(max_handles) {
  ensure_curl_initialized();
  share_ = curl_share_init();
  if (share_ == nullptr) throw std::bad_alloc();
  curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &EasyHandlePool::lock_share);
  curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &EasyHandlePool::unlock_share);
  curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

EasyHandlePool::~EasyHandlePool() {
  // Every lease has been returned by now: the client outlives its calls.
  for (CURL* handle : idle_) curl_easy_cleanup(handle);
  curl_share_cleanup(share_);
}

std::optional<EasyHandlePool::Lease> EasyHandlePool::acquire(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!idle_.empty()) {
      CURL* handle = idle_.back();
      idle_.pop_back();
      return Lease(*this, handle);
    }
    if (created_ < max_handles_) {
      CURL* handle = curl_easy_init();
      if (handle == nullptr) throw std::bad_alloc();
      ++created_;
      return Lease(*this, handle);
    }
    if (released_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty())
      return std::nullopt;
  }
}

void EasyHandlePool::release(CURL* handle) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(handle);
  }
  released_.notify_one();
}

void EasyHandlePool::lock_share(CURL*, curl_lock_data data, curl_lock_access, void* self) {
  static_cast<EasyHandlePool*>(self)->share_locks_[static_cast<std::size_t>(data)].lock();
}

void EasyHandlePool::unlock_share(CURL*, curl_lock_data data, void* self) {
  static_cast<EasyHandlePool*>(self)->share_locks_[static_cast<std::size_t>(data)].unlock();
}

}  // namespace stopd::huaweicloud
