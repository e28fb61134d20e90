// example.async_lock, the asynchronous style: stopping a lock file asks its holder to let go (it
// writes LOCK.release) and returns at once. The provider's own thread completes the stop when the
// holder has removed the lock, breaks the lock itself at force_at (forced), and gives up at the
// deadline or on cancellation.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stopd/sdk.hpp>
#include <thread>
#include <vector>

using namespace stopd::sdk;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Lock {
  std::string path;
};
const auto kLock = Fields<Lock>().required("path", &Lock::path, text().pattern("^/.+\\.lock$"));

// An error reading the path counts as held: never report gone what may still be there.
bool held(const fs::path& lock) {
  std::error_code error;
  return fs::exists(lock, error) || error;
}
fs::path release_request(const fs::path& lock) {
  return lock.string() + ".release";
}

class AsyncLock final : public IStopProvider {
 public:
  static constexpr char kName[] = "example.async_lock";
  static constexpr char kVersion[] = "1.0.0";
  explicit AsyncLock(const ProviderConfig&) {}
  ~AsyncLock() override {
    {
      std::lock_guard guard(shared_->mutex);
      shared_->quit = true;
    }
    shared_->notify();
    loop_.join();
  }

  ProviderInfo info() const override {
    ProviderInfo info;
    info.target_schema = kLock.schema();
    return info;
  }

  // Called on a host thread that must not block: it only hands the stop to the loop.
  void start(const StopRequest& request, std::shared_ptr<StopContext> context) override {
    const fs::path lock = kLock.parse(request.target).path;  // `request` dies when we return
    if (!held(lock))
      return context->complete(StopOutcome::make(Code::already_stopped, "no lock file"));
    if (!context->force_due()) std::ofstream{release_request(lock)} << "release\n";
    // Escalation, cancellation, a new deadline: look again now. The callback may outlive us.
    context->on_change([weak = std::weak_ptr(shared_)] {
      if (const auto shared = weak.lock()) shared->notify();
    });
    {
      std::lock_guard guard(shared_->mutex);
      shared_->added.push_back({lock, std::move(context)});
    }
    shared_->notify();
  }

  Inspection inspect(const nlohmann::json& target) override {
    Inspection inspection;
    const bool is_held = held(kLock.parse(target).path);
    inspection.state = is_held ? Inspection::State::running : Inspection::State::stopped;
    return inspection;
  }

 private:
  struct Stop {
    fs::path lock;
    std::shared_ptr<StopContext> context;
  };
  struct Shared {
    std::mutex mutex;
    std::condition_variable wake;
    bool changed = false;
    bool quit = false;
    std::vector<Stop> added;  // by start(), not yet seen by the loop

    void notify() {
      {
        std::lock_guard guard(mutex);
        changed = true;
      }
      wake.notify_one();
    }
  };

  // The stop's outcome once it is over; nullopt while the holder may still let go.
  static std::optional<StopOutcome> outcome_of(const Stop& stop) {
    std::error_code error;
    if (!held(stop.lock)) {
      fs::remove(release_request(stop.lock), error);
      return StopOutcome::make(Code::stopped, "the holder let go");
    }
    const bool cancelled = stop.context->cancelled();
    if (cancelled || stop.context->deadline() <= StopContext::Clock::now()) {
      fs::remove(release_request(stop.lock), error);  // withdrawn: the holder keeps its lock
      return StopOutcome::make(cancelled ? Code::cancelled : Code::deadline_exceeded, "still held");
    }
    if (!stop.context->force_due()) return std::nullopt;
    const bool broke = fs::remove(stop.lock, error);
    if (error) return StopOutcome::make(Code::internal, error.message());
    fs::remove(release_request(stop.lock), error);
    auto outcome = StopOutcome::make(Code::stopped, broke ? "broke the lock" : "the holder let go");
    outcome.forced = broke;
    return outcome;
  }

  // The provider's own thread. It looks at every stop in flight on a change, at the earliest
  // force_at or deadline, and every 50 ms (a holder lets go unannounced). It calls the contexts
  // without holding the mutex: the host may hold its own lock while it runs a change callback.
  void run() {
    std::vector<Stop> stops;
    auto next_look = StopContext::Clock::now();
    bool quit = false;
    while (!quit) {
      {
        std::unique_lock guard(shared_->mutex);
        shared_->wake.wait_until(guard, next_look, [&] { return shared_->changed; });
        shared_->changed = false;
        quit = shared_->quit;
        std::move(shared_->added.begin(), shared_->added.end(), std::back_inserter(stops));
        shared_->added.clear();
      }
      next_look = StopContext::Clock::now() + 50ms;
      std::erase_if(stops, [&](const Stop& stop) {
        auto outcome = outcome_of(stop);
        if (!outcome && quit) outcome = StopOutcome::make(Code::unavailable, "plugin unloading");
        if (!outcome) {
          next_look = std::min({next_look, stop.context->force_at(), stop.context->deadline()});
          return false;
        }
        stop.context->complete(std::move(*outcome));  // exactly once: the stop leaves the list
        return true;
      });
    }
  }

  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  std::thread loop_{[this] { run(); }};
};

STOPD_PLUGIN(AsyncLock)
