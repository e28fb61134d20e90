// In-process providers whose behaviour each test scripts, for exercising the dispatcher without
// any plugin library.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "stopd/core/registry.hpp"
#include "stopd/sdk/provider.hpp"

namespace stopd::test {

// A one-shot latch a provider can block on until the test opens it.
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  // true when opened within `timeout`
  bool wait(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

inline nlohmann::json id_target_schema() {
  return nlohmann::json::parse(R"({"type":"object","additionalProperties":false,"required":["id"],
    "properties":{"id":{"type":"string","minLength":1}}})");
}

class SyncProvider final : public sdk::IStopProvider {
 public:
  using Body = std::function<sdk::StopOutcome(const sdk::StopRequest&, sdk::StopContext&)>;
  SyncProvider(std::string name, Body body, unsigned concurrency = 16)
      : name_(std::move(name)), body_(std::move(body)), concurrency_(concurrency) {}

  sdk::ProviderInfo info() const override {
    sdk::ProviderInfo info;
    info.name = name_;
    info.version = "0.0.1";
    info.target_schema = id_target_schema();
    info.options_schema = nlohmann::json::parse(R"({"type":"object","additionalProperties":false,
      "properties":{"note":{"type":"string"}}})");
    info.capabilities.inspect = inspect_state.has_value();
    info.default_concurrency = concurrency_;
    return info;
  }
  sdk::StopOutcome stop(const sdk::StopRequest& request, sdk::StopContext& context) override {
    ++calls;
    return body_(request, context);
  }
  sdk::Inspection inspect(const nlohmann::json& target) override {
    sdk::Inspection seen;
    seen.state = *inspect_state;
    seen.summary = "thing " + target["id"].get<std::string>();
    return seen;
  }

  std::atomic<int> calls{0};
  std::optional<sdk::Inspection::State> inspect_state;

 private:
  std::string name_;
  Body body_;
  unsigned concurrency_;
};

// What the asynchronous test providers declare: `{"id": "..."}` targets, drain, no limit that a
// test would meet.
inline sdk::ProviderInfo async_provider_info(const std::string& name) {
  sdk::ProviderInfo info;
  info.name = name;
  info.version = "0.0.1";
  info.target_schema = id_target_schema();
  info.capabilities.asynchronous = true;
  info.capabilities.drain = true;
  info.default_concurrency = 100000;
  return info;
}

class AsyncProvider final : public sdk::IStopProvider {
 public:
  using Body = std::function<void(const sdk::StopRequest&, std::shared_ptr<sdk::StopContext>)>;
  AsyncProvider(std::string name, Body body) : name_(std::move(name)), body_(std::move(body)) {}

  sdk::ProviderInfo info() const override { return async_provider_info(name_); }
  void start(const sdk::StopRequest& request, std::shared_ptr<sdk::StopContext> context) override {
    ++calls;
    body_(request, std::move(context));
  }

  std::atomic<int> calls{0};

 private:
  std::string name_;
  Body body_;
};

inline sdk::StopRequest request_for(std::string type, std::string id, double grace_seconds = 10) {
  sdk::StopRequest request;
  request.type = std::move(type);
  request.target = {{"id", std::move(id)}};
  request.grace = std::chrono::milliseconds(static_cast<long long>(grace_seconds * 1000));
  return request;
}

}  // namespace stopd::test
