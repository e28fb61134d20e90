// bench.noop: an asynchronous provider that does nothing. It isolates what the host costs
// (dispatcher, journal, RPC, isolation) from what stopping a real thing costs.
//
// settings.complete_on says where each stop completes:
//   "start"  (default): inside start(), on the caller's thread: the cheapest stop there is.
//   "thread": on the provider's own thread, as a provider that waits on a backend (a gRPC or HTTP
//             client's completion thread) completes: the stop crosses a thread either way, so
//             comparing isolation modes with it shows what isolation adds to that crossing.
#include <pthread.h>

#include <stopd/sdk.hpp>
#include <thread>
#include <vector>

namespace {

using stopd::sdk::Code;
using stopd::sdk::StopContext;
using stopd::sdk::StopOutcome;

// One thread that completes what start() hands it, a whole queue at a time. Built to cost the
// baseline as little as a thread hop can: the queue's lock spins before it sleeps (taken by two
// busy threads for a few instructions), and start() wakes the thread only when it sleeps.
class Completer {
 public:
  Completer() {
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&mutex_, &attributes);
    pthread_mutexattr_destroy(&attributes);
    pthread_cond_init(&wake_, nullptr);
    thread_ = std::thread([this] { run(); });
  }
  ~Completer() {
    pthread_mutex_lock(&mutex_);
    stopping_ = true;
    pthread_cond_signal(&wake_);
    pthread_mutex_unlock(&mutex_);
    thread_.join();
    pthread_cond_destroy(&wake_);
    pthread_mutex_destroy(&mutex_);
  }

  void add(std::shared_ptr<StopContext> context) {
    pthread_mutex_lock(&mutex_);
    queue_.push_back(std::move(context));
    if (sleeping_) pthread_cond_signal(&wake_);
    pthread_mutex_unlock(&mutex_);
  }

 private:
  void run() {
    std::vector<std::shared_ptr<StopContext>> batch;
    for (;;) {
      pthread_mutex_lock(&mutex_);
      while (!stopping_ && queue_.empty()) {
        sleeping_ = true;
        pthread_cond_wait(&wake_, &mutex_);
        sleeping_ = false;
      }
      if (queue_.empty()) {  // stopping, nothing left
        pthread_mutex_unlock(&mutex_);
        return;
      }
      batch.swap(queue_);
      pthread_mutex_unlock(&mutex_);
      for (auto& context : batch)
        context->complete(StopOutcome::make(Code::stopped, "nothing to do"));
      batch.clear();
    }
  }

  pthread_mutex_t mutex_;
  pthread_cond_t wake_;
  std::vector<std::shared_ptr<StopContext>> queue_;
  bool sleeping_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

class NoopProvider final : public stopd::sdk::IStopProvider {
 public:
  static constexpr char kName[] = "bench.noop";
  static constexpr char kVersion[] = "1.0.0";
  static constexpr char kDescription[] = "Completes every stop at once (benchmarks only).";
  static constexpr char kConfigSchema[] =
      R"({"type":"object","additionalProperties":false,"properties":{"complete_on":{"enum":["start","thread"]}}})";

  explicit NoopProvider(const stopd::sdk::ProviderConfig& config) {
    if (config.settings.value("complete_on", "start") == "thread")
      completer_ = std::make_unique<Completer>();
  }

  stopd::sdk::ProviderInfo info() const override {
    stopd::sdk::ProviderInfo info;
    info.target_schema = nlohmann::json::parse(
        R"({"type":"object","additionalProperties":false,"required":["id"],"properties":{"id":{"type":"string"}}})");
    info.default_concurrency = 1u << 20;
    return info;
  }

  void start(const stopd::sdk::StopRequest&, std::shared_ptr<StopContext> context) override {
    if (completer_) {
      completer_->add(std::move(context));
      return;
    }
    context->complete(StopOutcome::make(Code::stopped, "nothing to do"));
  }

 private:
  std::unique_ptr<Completer> completer_;
};

}  // namespace

STOPD_PLUGIN(NoopProvider)
