// The conformance fixture of example.async_lock: lock files in a directory of its own. A running
// lock has a willing holder, a thread here that removes the lock once asked (LOCK.release
// appears); a stubborn lock has none, so only breaking it stops it.
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <stopd/conformance.hpp>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class HeldLocks final : public stopd::conformance::Fixture {
 public:
  HeldLocks() {
    std::string dir = (fs::temp_directory_path() / "stopd-async-lock-conformance.XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir;
  }
  ~HeldLocks() override {
    holder_.request_stop();
    holder_.join();
    fs::remove_all(dir_);
  }

  nlohmann::json make_running() override {
    const fs::path lock = make_lock();
    std::lock_guard guard(mutex_);
    willing_.push_back(lock);
    return {{"path", lock.string()}};
  }
  std::optional<nlohmann::json> make_stubborn() override {
    return nlohmann::json{{"path", make_lock().string()}};
  }
  nlohmann::json make_stopped() override { return {{"path", next().string()}}; }
  std::optional<nlohmann::json> make_missing() override { return std::nullopt; }

 private:
  fs::path next() { return dir_ / (std::to_string(++made_) + ".lock"); }
  fs::path make_lock() {
    const fs::path lock = next();
    std::ofstream{lock} << "held\n";
    return lock;
  }

  // The willing holders: each looks for its release request every 10 ms.
  void hold(const std::stop_token& stop) {
    while (!stop.stop_requested()) {
      {
        std::lock_guard guard(mutex_);
        std::erase_if(willing_, [](const fs::path& lock) {
          std::error_code error;
          if (!fs::exists(lock.string() + ".release", error)) return false;
          fs::remove(lock, error);
          return true;
        });
      }
      std::this_thread::sleep_for(10ms);
    }
  }

  fs::path dir_;
  int made_ = 0;
  std::mutex mutex_;
  std::vector<fs::path> willing_;
  std::jthread holder_{[this](std::stop_token stop) { hold(stop); }};
};

STOPD_CONFORMANCE_FIXTURE(HeldLocks)
