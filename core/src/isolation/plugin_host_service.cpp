#include "plugin_host_service.hpp"

#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <limits>
#include <mutex>
#include <unordered_map>

#include "../adaptive_mutex.hpp"
#include "../blocking_pool.hpp"
#include "batched_writer.hpp"
#include "frame_socket.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/core/plugin_loader.hpp"
#include "stopd/core/registry.hpp"
#include "stopd/plugin/v1/plugin_host.pb.h"
#include "wire.hpp"

namespace stopd::core {
namespace {

namespace pb = stopd::plugin::v1;
using Clock = std::chrono::steady_clock;

// The provider may block its threads for as long as it likes; stopd bounds how many stops it
// sends at once, this only bounds the damage of a runaway.
constexpr unsigned kMaxBlockingThreads = 4096;

using Outbox = BatchedWriter<pb::PluginMessages, FrameSocket>;

// Everything sent to stopd goes through here, from whichever thread: the session's thread,
// the blocking pool's, the plugin's own.
// The session's socket once it exists (it outlives every thread, like the outbox).
std::atomic<FrameSocket*> session_socket{nullptr};

Outbox& outbox() {
  // Outlives every thread that may still log. Its wake hands a long run of writes over to the
  // socket's thread (BatchedWriter::kMaxLeadWrites), so no plugin thread is kept writing for
  // others.
  static auto* box = new Outbox([] {
    if (FrameSocket* socket = session_socket.load()) socket->wake();
  });
  return *box;
}

// `defer`: more are likely to follow at once; gather them (BatchedWriter::add).
void send(const std::function<void(pb::PluginMessage&)>& fill, bool defer = false) {
  outbox().add([&](pb::PluginMessages& batch) { fill(*batch.add_messages()); }, defer);
}

sdk::LogLevel from_spdlog(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return sdk::LogLevel::trace;
    case spdlog::level::debug:
      return sdk::LogLevel::debug;
    case spdlog::level::info:
      return sdk::LogLevel::info;
    case spdlog::level::warn:
      return sdk::LogLevel::warn;
    default:
      return sdk::LogLevel::error;
  }
}

void send_log(std::uint64_t call, sdk::LogLevel level, std::string_view text) {
  send([&](pb::PluginMessage& message) {
    auto& line = *message.mutable_log();
    line.set_call(call);
    line.set_level(static_cast<std::int32_t>(level));
    line.set_message(std::string(text));
  });
}

// The host logger's lines (the plugin's own logger writes through it) go to stopd, which logs
// them tagged with the type; to stderr (stopd's log too) before the session is up.
class SessionSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    if (outbox().attached()) {
      send_log(0, from_spdlog(msg.level), text);
    } else {
      std::string line = "stopd-plugin-host: " + printable(text) + "\n";
      ssize_t ignored = ::write(2, line.data(), line.size());
      (void)ignored;
    }
  }
  void flush_() override {}
};

class ChildContext final : public sdk::StopContext {
 public:
  ChildContext(const pb::StartStop& start)
      : call_(start.call()), stop_id_(start.stop_id()), attempt_(start.attempt()) {
    apply(start.schedule());
  }

  void apply(const pb::Schedule& schedule) {
    deadline_ns_.store(schedule.deadline_ns());
    force_at_ns_.store(schedule.force_at_ns());
    cancelled_.store(schedule.cancelled());
  }
  void changed() {
    std::function<void()> callback;
    {
      std::lock_guard lock(mutex_);
      callback = callback_;
    }
    if (callback) callback();
  }

  std::string_view stop_id() const override { return stop_id_; }
  unsigned attempt() const override { return attempt_; }
  Clock::time_point deadline() const override { return wire::from_ns(deadline_ns_.load()); }
  Clock::time_point force_at() const override { return wire::from_ns(force_at_ns_.load()); }
  bool cancelled() const override { return cancelled_.load(); }
  void on_change(std::function<void()> callback) override {
    std::lock_guard lock(mutex_);
    callback_.swap(callback);
  }
  void progress(std::string_view phase, const nlohmann::json& facts) override {
    if (completed_.load()) return;
    const std::string facts_json =
        facts.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    send([&](pb::PluginMessage& message) {
      auto& progress = *message.mutable_progress();
      progress.set_call(call_);
      progress.set_phase(std::string(phase));
      progress.set_facts_json(facts_json);
    });
  }
  void log(sdk::LogLevel level, std::string_view message) override {
    send_log(call_, level, message);
  }
  void complete(sdk::StopOutcome outcome) override;

 private:
  const std::uint64_t call_;
  const std::string stop_id_;
  const unsigned attempt_;
  std::atomic<std::int64_t> deadline_ns_{0};
  std::atomic<std::int64_t> force_at_ns_{0};
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> completed_{false};
  std::mutex mutex_;
  std::function<void()> callback_;
};

// The stops in flight, by call number: for `changed`, and to tell whether others are in flight.
// Taken per stop by the session thread (add) and by whichever thread completes it, often the
// plugin's own: the lock spins before it sleeps.
class Calls {
 public:
  void add(std::uint64_t call, std::shared_ptr<ChildContext> context) {
    std::lock_guard lock(mutex_);
    calls_[call] = std::move(context);
    size_.store(calls_.size(), std::memory_order_relaxed);
  }
  // How many are in flight, without the lock (a hint: it may change at once).
  std::size_t size() const { return size_.load(std::memory_order_relaxed); }
  std::shared_ptr<ChildContext> find(std::uint64_t call) {
    std::lock_guard lock(mutex_);
    auto it = calls_.find(call);
    return it == calls_.end() ? nullptr : it->second;
  }
  void remove(std::uint64_t call) {
    std::shared_ptr<ChildContext> removed;  // destroyed after the lock: it holds plugin code
    std::lock_guard lock(mutex_);
    if (auto it = calls_.find(call); it != calls_.end()) {
      removed = std::move(it->second);
      calls_.erase(it);
      size_.store(calls_.size(), std::memory_order_relaxed);
    }
  }

 private:
  AdaptiveMutex mutex_;
  std::unordered_map<std::uint64_t, std::shared_ptr<ChildContext>> calls_;
  std::atomic<std::size_t> size_{0};
};

Calls& calls() {
  static auto* all = new Calls();
  return *all;
}

void ChildContext::complete(sdk::StopOutcome outcome) {
  if (completed_.exchange(true)) {
    // The words an in-process provider's second complete() earns (attempt_context.cpp).
    host_logger()->warn("stop={} the provider completed attempt {} more than once; ignored",
                        stop_id_, attempt_);
    return;
  }
  {
    std::function<void()> dropped;
    std::lock_guard lock(mutex_);
    dropped.swap(callback_);
  }
  // With other stops in flight, a completion gathers with those that follow it (the plugin's
  // own thread often completes a run of them) and leaves at the session thread's next turn;
  // alone, it leaves now. Written one by one, each cost a frame: a system call on each side
  // and a wake-up of stopd's session thread.
  const bool others_in_flight = calls().size() > 1;
  send(
      [&](pb::PluginMessage& message) {
        auto& completed = *message.mutable_completed();
        wire::set_outcome(completed, outcome);
        completed.set_call(call_);
      },
      others_in_flight);
  calls().remove(call_);
}

// The same words the dispatcher uses for an in-process provider.
sdk::StopOutcome outcome_of_exception(const std::string& type) {
  try {
    throw;
  } catch (const sdk::StopError& e) {
    return sdk::StopOutcome::make(e.code(), e.what());
  } catch (const std::exception& e) {
    return sdk::StopOutcome::make(sdk::Code::internal, type + " provider threw: " + e.what());
  } catch (...) {
    return sdk::StopOutcome::make(sdk::Code::internal,
                                  type + " provider threw a non-standard exception");
  }
}

void set_failure(pb::Failure& failure, const std::string& type) {
  const sdk::StopOutcome outcome = outcome_of_exception(type);
  failure.set_code(static_cast<std::int32_t>(outcome.code));
  failure.set_message(outcome.message);
}

// The plugin host's side of the session, on the main thread, which reads it: it starts the stops
// each frame carries, and runs inspect and list on the pool (the plugin may block in them).
class PluginHostService {
 public:
  [[noreturn]] void run(int fd) {
    // stopd bounds what it reads (host_connection.cpp); what it sends here is bounded by the
    // stops in flight.
    static auto* socket = new FrameSocket(  // never destroyed: see end_of_session
        fd, std::numeric_limits<std::uint32_t>::max(),
        {.on_frame = [this](const char* data, std::size_t size) { read(data, size); },
         .on_written = [](bool ok) { outbox().written(ok); },
         .on_wake = [] { outbox().flush_deferred(); },
         .on_closed = [](const std::string&) { end_of_session(); }});
    socket_ = socket;
    session_socket.store(socket);
    socket->run();
    end_of_session();
  }

 private:
  // stopd is gone or done with this process: nothing here is worth a destructor's risk.
  [[noreturn]] static void end_of_session() {
    std::fflush(nullptr);
    _exit(0);
  }

  void read(const char* data, std::size_t size) {
    if (!received_.ParseFromArray(data, static_cast<int>(size)))
      end_of_session();  // not stopd speaking
    // The answers of stops that complete at once leave together, in one write.
    outbox().cork();
    for (const auto& message : received_.messages()) take(message);
    outbox().uncork();
    received_.Clear();
  }

  void take(const pb::HostMessage& message) {
    if (!opened_) {
      if (!message.has_open()) end_of_session();  // not stopd speaking
      pb::Opened opened;
      open(message.open(), opened);
      opened_ = true;
      // Refused: stopd reads the reason, then closes the session; the rest is ignored.
      usable_ = opened.refusal().empty();
      outbox().attach(*socket_);
      send([&](pb::PluginMessage& reply) { reply.mutable_opened()->Swap(&opened); });
      return;
    }
    if (!usable_) return;
    if (message.has_start()) {
      start(message.start());
    } else if (message.has_changed()) {
      if (auto context = calls().find(message.changed().call())) {
        context->apply(message.changed().schedule());
        context->changed();
      }
    } else if (message.has_inspect()) {
      answer_on_pool([this, request = message.inspect()](bool refused) {
        pb::PluginMessage reply;
        auto& response = *reply.mutable_inspected();
        response.set_call(request.call());
        refused ? refuse(response) : inspect(request, response);
        return reply;
      });
    } else if (message.has_list()) {
      answer_on_pool([this, request = message.list()](bool refused) {
        pb::PluginMessage reply;
        auto& response = *reply.mutable_listed();
        response.set_call(request.call());
        refused ? refuse(response) : list(request, response);
        return reply;
      });
    }
  }

  // `answer(refused)` builds the reply: on the pool (the plugin may block in it), or at once
  // with `refused` when the pool takes no more work.
  template <class Answer>
  void answer_on_pool(Answer answer) {
    const auto reply = [](pb::PluginMessage message) {
      send([&](pb::PluginMessage& out) { out.Swap(&message); });
    };
    if (!pool_.post([answer, reply] { reply(answer(false)); })) reply(answer(true));
  }

  template <class Response>
  static void refuse(Response& response) {
    auto& failure = *response.mutable_failure();
    failure.set_code(static_cast<std::int32_t>(sdk::Code::unavailable));
    failure.set_message("the plugin host is ending");
  }

  void inspect(const pb::InspectRequest& request, pb::InspectResponse& response) {
    try {
      const sdk::Inspection seen =
          provider_->inspect(wire::parse_or(request.target_json(), nlohmann::json::object()));
      response.set_state(static_cast<std::int32_t>(seen.state));
      response.set_summary(seen.summary);
      response.set_facts_json(
          seen.facts.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } catch (...) {
      set_failure(*response.mutable_failure(), info_.name);
    }
  }

  void list(const pb::ListRequest& request, pb::ListResponse& response) {
    try {
      const auto targets =
          provider_->list(wire::parse_or(request.selector_json(), nlohmann::json::object()));
      response.set_targets_json(
          nlohmann::json(targets).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } catch (...) {
      set_failure(*response.mutable_failure(), info_.name);
    }
  }

  void open(const pb::Open& open, pb::Opened& opened) {
    opened.set_pid(static_cast<std::uint32_t>(getpid()));
    try {
      set_log_level(open.log_level().empty() ? "warn" : open.log_level());
    } catch (const std::exception&) {
    }
    nlohmann::json settings = nlohmann::json::object();
    settings[open.type()] = wire::parse_or(open.settings_json(), nlohmann::json::object());
    PluginSources sources;
    sources.files.emplace_back(open.library());
    const PluginLoadReport report = load_plugins(sources, settings, registry_);
    for (const auto& refused : report.refused) {
      opened.set_refusal(refused.reason);
      opened.set_refused_settings(refused.settings);
      return;
    }
    const RegisteredProvider* registered = registry_.find(open.type());
    if (registered == nullptr) {
      opened.set_refusal(open.library() + " does not provide '" + open.type() + "' (it provides " +
                         registry_.names() + ")");
      return;
    }
    provider_ = registered->provider;
    info_ = registered->info;
    opened.set_info_json(wire::info_to_json(info_).dump());
  }

  void start(const pb::StartStop& start) {
    auto context = std::make_shared<ChildContext>(start);
    calls().add(start.call(), context);
    sdk::StopRequest request = wire::request_from(start);
    if (info_.capabilities.asynchronous) {
      try {
        provider_->start(request, context);
      } catch (...) {
        context->complete(outcome_of_exception(info_.name));
      }
      return;
    }
    const bool posted = pool_.post(
        [provider = provider_, type = info_.name, request = std::move(request), context] {
          sdk::StopOutcome outcome;
          try {
            outcome = provider->stop(request, *context);
          } catch (...) {
            outcome = outcome_of_exception(type);
          }
          context->complete(std::move(outcome));
        });
    if (!posted)
      context->complete(
          sdk::StopOutcome::make(sdk::Code::unavailable, "the plugin host is ending"));
  }

  FrameSocket* socket_ = nullptr;
  pb::HostMessages received_;  // the batch being read
  bool opened_ = false;        // the first message (open) was handled
  bool usable_ = false;        // and the plugin is open

  ProviderRegistry registry_;
  std::shared_ptr<sdk::IStopProvider> provider_;
  sdk::ProviderInfo info_;
  BlockingPool pool_{kMaxBlockingThreads};
};

}  // namespace

void serve_plugin_host(int fd) {
  auto& logger = *host_logger();
  logger.sinks().clear();
  logger.sinks().push_back(std::make_shared<SessionSink>());
  static auto* service = new PluginHostService();  // never destroyed: see end_of_session
  service->run(fd);
}

int describe_plugins(const std::vector<std::filesystem::path>& files) {
  for (const auto& file : files) {
    nlohmann::json line = {{"file", file.string()}};
    try {
      line["type"] = plugin_type_of(file);
    } catch (const std::exception& e) {
      line["refusal"] = e.what();
    }
    std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n'
              << std::flush;
  }
  return 0;
}

}  // namespace stopd::core
