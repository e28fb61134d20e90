#include "isolated_provider.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <deque>
#include <future>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "../adaptive_mutex.hpp"
#include "host_connection.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/plugin/v1/plugin_host.pb.h"
#include "wire.hpp"

namespace stopd::core {
namespace {

namespace pb = stopd::plugin::v1;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// How long a plugin host may take to load its plugin and create the provider (a factory may
// dial its backend).
constexpr auto kOpenTimeout = 30s;
// After stopd closes the session, the process exits by itself at once; past this it is killed.
constexpr auto kShutdownGrace = 500ms;
// A process that ran this long counts as having served: its next restart is immediate.
constexpr auto kRestartStableAfter = 10s;
// inspect() and list() are bounded calls even when the plugin hangs in them.
constexpr std::chrono::milliseconds kCallTimeout = 60s;
// The longest the supervisor sleeps without looking (deadlines it was not told about).
constexpr auto kSupervisorTick = 1s;
// Crash counts of stops that were never retried (their deadline passed) are dropped past this.
constexpr std::size_t kMaxRememberedStops = 100000;

using Connection = HostConnection;

pb::Schedule schedule_of(const sdk::StopContext& context) {
  pb::Schedule schedule;
  schedule.set_deadline_ns(wire::to_ns(context.deadline()));
  schedule.set_force_at_ns(wire::to_ns(context.force_at()));
  schedule.set_cancelled(context.cancelled());
  return schedule;
}

std::string seconds_text(std::chrono::milliseconds duration) {
  const double seconds = static_cast<double>(duration.count()) / 1000.0;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g s", seconds);
  return buffer;
}

}  // namespace

struct IsolatedProvider::State : std::enable_shared_from_this<IsolatedProvider::State> {
  explicit State(IsolatedProviderSpec s) : spec(std::move(s)) {}

  const IsolatedProviderSpec spec;
  sdk::ProviderInfo info;  // as the plugin declared it (set by the first open, then constant)

  // A stop sent to the plugin host, by its call number: its context (which has its stop id).
  struct Call {
    std::shared_ptr<sdk::StopContext> context;
  };
  struct Pending {
    sdk::StopRequest request;
    std::shared_ptr<sdk::StopContext> context;
  };

  mutable AdaptiveMutex mutex;          // guards everything below (taken per stop by two threads)
  std::shared_ptr<Connection> current;  // null while no plugin host serves
  std::unordered_map<std::uint64_t, Call> calls;
  std::deque<Pending> pending;
  std::unordered_map<std::string, unsigned> crashes;  // by stop id
  PluginHostStatus status;
  std::map<std::string, unsigned> restarts_by_reason;
  unsigned failures_in_a_row = 0;  // starts that did not serve before they ended
  bool served = false;
  Clock::time_point started_at;
  Clock::time_point restart_at;
  bool stopping = false;
  std::uint64_t next_call = 1;
  std::mt19937 random{std::random_device{}()};

  int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  std::thread supervisor;

  ~State() {
    if (wake_fd >= 0) close(wake_fd);
  }

  void wake() const {
    const std::uint64_t one = 1;
    ssize_t ignored = ::write(wake_fd, &one, sizeof one);
    (void)ignored;
  }

  // --- starting a plugin host ------------------------------------------------------------

  // A process started, with no session and no plugin yet. Loading stopd-plugin-host (it links
  // the core: gRPC, protobuf, abseil, about 60 shared libraries) is most of a start, so one is
  // kept ready: a restart then costs the session and the Open alone. It has no thread in stopd
  // until it is used. Supervisor thread only.
  std::optional<StartedHost> spare;

  // Starts a plugin host process (no session yet). Throws std::runtime_error with the reason.
  StartedHost spawn() const {
    PluginProcessSpec process;
    process.executable = spec.executable;
    process.arguments = {"--serve-fd", "3", "--type", spec.type};
    process.settings = spec.plugin_host;
    return StartedHost(process);
  }

  // The spare if it is still alive, else a new process; with its session started.
  std::shared_ptr<Connection> spare_or_spawn() {
    std::optional<StartedHost> ready = std::move(spare);
    spare.reset();
    if (ready && ready->process->exited_within(std::chrono::milliseconds(0))) ready.reset();
    if (!ready) ready.emplace(spawn());
    return std::make_shared<Connection>(
        std::move(*ready),
        [weak = weak_from_this()](const pb::PluginMessage& message, const Connection& connection) {
          if (auto state = weak.lock()) state->deliver(message, connection);
        });
  }

  void prepare_spare() {
    if (spare) return;
    try {
      spare.emplace(spawn());
    } catch (const std::exception& e) {
      host_logger()->warn("the {} plugin host has no spare process: {}", spec.type, e.what());
    }
  }

  // A plugin host with the plugin open in it. Throws std::runtime_error with the reason
  // (PluginRefused when the plugin refused).
  std::shared_ptr<Connection> connect() {
    std::shared_ptr<Connection> connection = spare_or_spawn();
    connection->send([&](pb::HostMessage& message) {
      auto& open = *message.mutable_open();
      open.set_library(spec.library.string());
      open.set_type(spec.type);
      open.set_settings_json(spec.settings.dump());
      open.set_log_level(spec.log_level);
    });

    auto& answer = connection->opened();
    std::optional<pb::Opened> reply;
    if (answer.wait_for(kOpenTimeout) == std::future_status::ready) reply = answer.get();
    if (!reply) {
      if (answer.valid() && answer.wait_for(0s) != std::future_status::ready)
        connection->end("did not open the plugin within " + seconds_text(kOpenTimeout), "hung");
      const std::string reason = connection->disconnect();
      throw std::runtime_error("the plugin host ended while it opened the plugin: " + reason);
    }
    if (!reply->refusal().empty()) {
      connection->disconnect();
      throw PluginRefused(reply->refusal(), reply->refused_settings());
    }
    try {
      auto declared = wire::info_from_json(nlohmann::json::parse(reply->info_json()));
      std::lock_guard lock(mutex);
      if (info.name.empty()) info = std::move(declared);
    } catch (const std::exception& e) {
      connection->disconnect();
      throw std::runtime_error(std::string("the plugin host sent unusable provider info: ") +
                               e.what());
    }
    return connection;
  }

  // --- what the plugin host sends ----------------------------------------------------------

  std::shared_ptr<sdk::StopContext> find_call(std::uint64_t call) {
    std::lock_guard lock(mutex);
    auto it = calls.find(call);
    return it == calls.end() ? nullptr : it->second.context;
  }

  void deliver(const pb::PluginMessage& message, const Connection& connection) {
    if (message.has_completed()) {
      const auto& completed = message.completed();
      decltype(calls)::node_type ended;  // freed after the lock: start() waits on it
      {
        std::lock_guard lock(mutex);
        auto it = calls.find(completed.call());
        if (it == calls.end()) return;
        if (!crashes.empty()) crashes.erase(std::string(it->second.context->stop_id()));
        ended = calls.extract(it);
        served = true;
      }
      const std::shared_ptr<sdk::StopContext> context = std::move(ended.mapped().context);
      context->complete(wire::outcome_from(completed));
    } else if (message.has_progress()) {
      const auto& progress = message.progress();
      if (auto context = find_call(progress.call()))
        context->progress(progress.phase(),
                          wire::parse_or(progress.facts_json(), nlohmann::json::object()));
    } else if (message.has_log()) {
      const auto& line = message.log();
      auto level = sdk::LogLevel::error;
      if (line.level() >= 0 && line.level() <= static_cast<int>(sdk::LogLevel::error))
        level = static_cast<sdk::LogLevel>(line.level());
      if (auto context = line.call() != 0 ? find_call(line.call()) : nullptr) {
        context->log(level, line.message());
      } else {
        host_logger()->log(to_spdlog_level(level), "plugin_host={} pid={} {}", spec.type,
                           connection.process().pid(), line.message());
      }
    }
  }

  // --- sending stops -----------------------------------------------------------------------

  void send(const std::shared_ptr<Connection>& connection, std::uint64_t call,
            const sdk::StopRequest& request, const std::shared_ptr<sdk::StopContext>& context,
            bool defer = false) {
    context->on_change([weak_connection = std::weak_ptr<Connection>(connection),
                        weak_context = std::weak_ptr<sdk::StopContext>(context), call] {
      auto live_connection = weak_connection.lock();
      auto live_context = weak_context.lock();
      if (!live_connection || !live_context) return;
      // Read as it is queued: a change and the start it follows reach the plugin in order.
      live_connection->send([&](pb::HostMessage& message) {
        auto& changed = *message.mutable_changed();
        changed.set_call(call);
        *changed.mutable_schedule() = schedule_of(*live_context);
      });
    });
    const std::string target_json = request.target.dump();
    // Not sent (the session is ending) means the process is gone or going: its death fails this
    // call with the others. Written in place, in the batch's arena (BatchedWriter).
    connection->send(
        [&](pb::HostMessage& message) {
          auto& start = *message.mutable_start();
          wire::set_request(start, request, target_json);
          start.set_call(call);
          start.set_stop_id(std::string(context->stop_id()));
          start.set_attempt(context->attempt());
          *start.mutable_schedule() = schedule_of(*context);
        },
        defer);
  }

  void start(const sdk::StopRequest& request, std::shared_ptr<sdk::StopContext> context) {
    std::unique_lock lock(mutex);
    if (stopping) {
      lock.unlock();
      context->complete(sdk::StopOutcome::make(
          sdk::Code::unavailable, "the " + spec.type + " plugin host is shutting down"));
      return;
    }
    if (auto live = current) {
      const std::uint64_t call = next_call++;
      // With other stops in flight, their completions are coming: gather this start with the
      // ones that follow them rather than write it alone.
      const bool busy = !calls.empty();
      calls.emplace(call, Call{context});
      lock.unlock();
      send(live, call, request, context, busy);
      return;
    }
    pending.push_back({request, context});
    lock.unlock();
    // The supervisor watches its deadline and cancellation while it waits.
    context->on_change([weak = weak_from_this()] {
      if (auto state = weak.lock()) state->wake();
    });
    wake();
  }

  // --- supervision -------------------------------------------------------------------------

  std::chrono::milliseconds restart_delay() {
    if (failures_in_a_row == 0) return 0ms;
    const auto& settings = spec.plugin_host;
    const unsigned shift = std::min(failures_in_a_row - 1, 30u);
    const auto raw = std::min<std::int64_t>(settings.restart_backoff_initial.count() << shift,
                                            settings.restart_backoff_max.count());
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    return std::chrono::milliseconds(
        static_cast<std::int64_t>(static_cast<double>(raw) * jitter(random)));
  }

  // The process behind `dead` ended: reap it, fail or quarantine its stops, plan the restart.
  void on_exit(const std::shared_ptr<Connection>& dead) {
    const std::string how = dead->disconnect();
    std::string label = dead->end_label();
    if (label.empty()) label = how;
    std::vector<std::pair<std::shared_ptr<sdk::StopContext>, sdk::StopOutcome>> ended;
    std::chrono::milliseconds delay{0};
    {
      std::lock_guard lock(mutex);
      if (current == dead) current.reset();
      const auto now = Clock::now();
      status.state = PluginHostStatus::State::restarting;
      status.last_exit = how;
      status.pid = 0;
      ++status.restarts;
      ++restarts_by_reason[label];
      if (served || now - started_at >= kRestartStableAfter)
        failures_in_a_row = 0;
      else
        ++failures_in_a_row;
      delay = restart_delay();
      restart_at = now + delay;
      if (crashes.size() > kMaxRememberedStops) crashes.clear();
      const unsigned limit = spec.plugin_host.quarantine_after_crashes;
      for (auto& [_, call] : calls) {
        const std::string stop_id(call.context->stop_id());
        const unsigned count = ++crashes[stop_id];
        if (count >= limit) {
          crashes.erase(stop_id);
          ended.emplace_back(
              std::move(call.context),
              sdk::StopOutcome::make(sdk::Code::internal,
                                     "quarantined: the " + spec.type + " plugin crashed " +
                                         std::to_string(count) +
                                         " times while stopping this resource (" + label + ")"));
        } else {
          ended.emplace_back(
              std::move(call.context),
              sdk::StopOutcome::make(sdk::Code::unavailable,
                                     "the " + spec.type + " plugin host died: " + how));
        }
      }
      calls.clear();
    }
    host_logger()->warn(
        "the {} plugin host (pid {}) died: {}; {} stop(s) it had in flight end now; restarting in "
        "{} ms",
        spec.type, dead->process().pid(), how, ended.size(), delay.count());
    for (auto& [context, outcome] : ended) context->complete(std::move(outcome));
  }

  void try_restart() {
    std::shared_ptr<Connection> fresh;
    std::string failure;
    try {
      fresh = connect();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    std::deque<Pending> waiting;
    {
      std::lock_guard lock(mutex);
      if (!fresh) {
        status.state = PluginHostStatus::State::failed;
        status.last_exit = failure;
        ++failures_in_a_row;
        restart_at = Clock::now() + std::max<std::chrono::milliseconds>(restart_delay(), 10ms);
      } else {
        current = fresh;
        status.state = PluginHostStatus::State::running;
        status.pid = fresh->process().pid();
        served = false;
        started_at = Clock::now();
        waiting.swap(pending);
      }
    }
    if (!fresh) {
      host_logger()->error("the {} plugin host could not be restarted: {}", spec.type, failure);
      return;
    }
    host_logger()->info("the {} plugin host runs again (pid {})", spec.type,
                        fresh->process().pid());
    for (auto& waiter : waiting) {
      std::uint64_t call;
      {
        std::lock_guard lock(mutex);
        call = next_call++;
        calls.emplace(call, Call{waiter.context});
      }
      send(fresh, call, waiter.request, waiter.context);
    }
    prepare_spare();  // after the waiting stops are on their way: it forks
  }

  // Pending stops whose deadline passed or that were cancelled while no plugin host ran.
  void expire_pending(Clock::time_point now) {
    std::vector<std::pair<std::shared_ptr<sdk::StopContext>, sdk::StopOutcome>> ended;
    {
      std::lock_guard lock(mutex);
      for (auto it = pending.begin(); it != pending.end();) {
        const auto& context = *it->context;
        if (context.cancelled()) {
          ended.emplace_back(
              it->context,
              sdk::StopOutcome::make(sdk::Code::cancelled, "cancelled while the " + spec.type +
                                                               " plugin host was restarting"));
        } else if (context.deadline() <= now) {
          ended.emplace_back(it->context,
                             sdk::StopOutcome::make(
                                 sdk::Code::unavailable,
                                 "the " + spec.type + " plugin host is not running (last exit: " +
                                     status.last_exit + "); it was not back by the deadline"));
        } else {
          ++it;
          continue;
        }
        it = pending.erase(it);
      }
    }
    for (auto& [context, outcome] : ended) context->complete(std::move(outcome));
  }

  void supervise() {
    for (;;) {
      std::shared_ptr<Connection> live;
      auto next = Clock::now() + kSupervisorTick;
      {
        std::lock_guard lock(mutex);
        if (stopping) break;
        live = current;
        if (!live) next = std::min(next, restart_at);
        for (const auto& waiter : pending) next = std::min(next, waiter.context->deadline());
        const auto margin = spec.plugin_host.kill_after_deadline;
        if (live)
          for (const auto& [_, call] : calls) {
            const auto deadline = call.context->deadline();
            if (deadline < Clock::time_point::max() - margin)
              next = std::min(next, deadline + margin);
          }
      }
      const auto now = Clock::now();
      const auto wait =
          next <= now ? 0ms : std::chrono::ceil<std::chrono::milliseconds>(next - now);
      pollfd fds[2] = {{wake_fd, POLLIN, 0}, {live ? live->process().pidfd() : -1, POLLIN, 0}};
      const int ready = poll(fds, 2, static_cast<int>(std::min<std::int64_t>(wait.count(), 60000)));
      if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
        std::uint64_t count;
        ssize_t ignored = ::read(wake_fd, &count, sizeof count);
        (void)ignored;
      }
      if (live && ready > 0 && fds[1].revents != 0) {
        on_exit(live);
        live.reset();
      }
      const auto after = Clock::now();
      expire_pending(after);
      bool restart = false;
      {
        std::lock_guard lock(mutex);
        if (stopping) break;
        if (!current) {
          restart = after >= restart_at;
        } else {
          const auto margin = spec.plugin_host.kill_after_deadline;
          for (const auto& [_, call] : calls) {
            const auto deadline = call.context->deadline();
            if (deadline < Clock::time_point::max() - margin && deadline + margin <= after) {
              current->end("killed: a stop ran " + seconds_text(margin) +
                               " past its deadline (the plugin ignores its deadline)",
                           "hung");
              break;
            }
          }
        }
      }
      if (restart) try_restart();
    }
    tear_down();
  }

  void tear_down() {
    spare.reset();  // killed and reaped
    std::shared_ptr<Connection> last;
    std::unordered_map<std::uint64_t, Call> dropped_calls;
    std::deque<Pending> dropped_pending;
    {
      std::lock_guard lock(mutex);
      last = std::move(current);
      dropped_calls.swap(calls);
      dropped_pending.swap(pending);
      status.pid = 0;
    }
    if (last) {
      last->close();  // the plugin host exits when it reads this
      if (!last->process().exited_within(
              std::chrono::duration_cast<std::chrono::milliseconds>(kShutdownGrace)))
        last->end("it did not exit when stopd shut down", "shutdown");
      last->disconnect();
    }
    // Completed, not just dropped: an attempt that never completes keeps its flight (and the
    // dispatcher's state) alive in a cycle. The dispatcher has stopped listening by now.
    for (auto& [_, call] : dropped_calls)
      call.context->complete(sdk::StopOutcome::make(
          sdk::Code::unavailable, "the " + spec.type + " plugin host was shut down"));
    for (auto& waiter : dropped_pending)
      waiter.context->complete(sdk::StopOutcome::make(
          sdk::Code::unavailable, "the " + spec.type + " plugin host was shut down"));
  }
};

std::shared_ptr<IsolatedProvider> IsolatedProvider::launch(IsolatedProviderSpec spec) {
  auto state = std::make_shared<State>(std::move(spec));
  if (state->wake_fd < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  // The process is started by the supervisor thread: PR_SET_PDEATHSIG ties it to that thread.
  std::promise<void> first;
  auto opened = first.get_future();
  state->supervisor = std::thread([state, &first] {
    std::shared_ptr<Connection> connection;
    try {
      connection = state->connect();
    } catch (...) {
      first.set_exception(std::current_exception());
      return;
    }
    {
      std::lock_guard lock(state->mutex);
      state->current = connection;
      state->status.pid = connection->process().pid();
      state->started_at = Clock::now();
    }
    first.set_value();
    state->prepare_spare();
    state->supervise();
  });
  try {
    opened.get();
  } catch (...) {
    state->supervisor.join();
    throw;
  }
  return std::shared_ptr<IsolatedProvider>(new IsolatedProvider(state));
}

IsolatedProvider::IsolatedProvider(std::shared_ptr<State> state) : state_(std::move(state)) {}

IsolatedProvider::~IsolatedProvider() {
  shut_down();
}

void IsolatedProvider::shut_down() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake();
  if (state_->supervisor.joinable() && state_->supervisor.get_id() != std::this_thread::get_id())
    state_->supervisor.join();
}

sdk::ProviderInfo IsolatedProvider::info() const {
  std::lock_guard lock(state_->mutex);
  sdk::ProviderInfo info = state_->info;
  info.capabilities.asynchronous = true;  // the proxy never blocks; the plugin host does
  return info;
}

void IsolatedProvider::start(const sdk::StopRequest& request,
                             std::shared_ptr<sdk::StopContext> context) {
  state_->start(request, std::move(context));
}

namespace {

// One request to the serving plugin host, answered within kCallTimeout: its answer, or StopError
// (unavailable while no plugin host runs or it does not answer; the plugin's own code if it threw).
pb::PluginMessage ask_plugin_host(
    IsolatedProvider::State& state, const char* what,
    const std::function<void(pb::HostMessage&, std::uint64_t)>& fill) {
  std::shared_ptr<Connection> live;
  {
    std::lock_guard lock(state.mutex);
    live = state.current;
    if (!live)
      throw sdk::StopError(sdk::Code::unavailable, "the " + state.spec.type +
                                                       " plugin host is not running (last exit: " +
                                                       state.status.last_exit + ")");
  }
  try {
    return live->ask(fill, kCallTimeout);
  } catch (const std::runtime_error& e) {
    throw sdk::StopError(
        sdk::Code::unavailable,
        "the " + state.spec.type + " plugin host did not answer " + what + ": " + e.what());
  }
}

void throw_failure(const pb::Failure& failure) {
  throw sdk::StopError(wire::code_from(failure.code()), failure.message());
}

// The answer carried the request's call number but is another kind of message: the plugin host
// does not speak the protocol (its own code is stopd's; a plugin may have written to the socket).
[[noreturn]] void throw_mismatch(const IsolatedProvider::State& state, const char* what) {
  throw sdk::StopError(sdk::Code::internal, "the " + state.spec.type + " plugin host answered " +
                                                what + " with another kind of message");
}

}  // namespace

sdk::Inspection IsolatedProvider::inspect(const nlohmann::json& target) {
  const std::string target_json = target.dump();
  const pb::PluginMessage answer =
      ask_plugin_host(*state_, "inspect()", [&](pb::HostMessage& message, std::uint64_t call) {
        auto& request = *message.mutable_inspect();
        request.set_call(call);
        request.set_target_json(target_json);
      });
  if (!answer.has_inspected()) throw_mismatch(*state_, "inspect()");
  const pb::InspectResponse& response = answer.inspected();
  if (response.has_failure()) throw_failure(response.failure());
  sdk::Inspection inspection;
  const int state = response.state();
  inspection.state = state >= 0 && state <= static_cast<int>(sdk::Inspection::State::absent)
                         ? static_cast<sdk::Inspection::State>(state)
                         : sdk::Inspection::State::running;
  inspection.summary = response.summary();
  inspection.facts = wire::parse_or(response.facts_json(), nlohmann::json::object());
  return inspection;
}

std::vector<nlohmann::json> IsolatedProvider::list(const nlohmann::json& selector) {
  const std::string selector_json = selector.dump();
  const pb::PluginMessage answer =
      ask_plugin_host(*state_, "list()", [&](pb::HostMessage& message, std::uint64_t call) {
        auto& request = *message.mutable_list();
        request.set_call(call);
        request.set_selector_json(selector_json);
      });
  if (!answer.has_listed()) throw_mismatch(*state_, "list()");
  const pb::ListResponse& response = answer.listed();
  if (response.has_failure()) throw_failure(response.failure());
  auto targets = wire::parse_or(response.targets_json(), nlohmann::json::array());
  if (!targets.is_array())
    throw sdk::StopError(sdk::Code::internal, "the plugin host sent a list that is not an array");
  return targets.get<std::vector<nlohmann::json>>();
}

PluginHostStatus IsolatedProvider::status() const {
  std::lock_guard lock(state_->mutex);
  PluginHostStatus status = state_->status;
  status.restarts_by_reason = state_->restarts_by_reason;
  return status;
}

}  // namespace stopd::core
