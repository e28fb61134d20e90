#include "stopd/core/dispatcher.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <deque>
#include <random>
#include <thread>
#include <unordered_map>

#include "adaptive_mutex.hpp"
#include "backoff.hpp"
#include "blocking_pool.hpp"
#include "deadline_queue.hpp"
#include "flight_index.hpp"
#include "plugin_output.hpp"
#include "request_validation.hpp"
#include "stop_flight.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::core {
namespace {

using sdk::Code;

// A process-unique prefix keeps stop ids from two runs (or two hosts) apart in shared logs.
std::string id_prefix() {
  std::random_device device;
  char text[16];
  std::snprintf(text, sizeof text, "%08x", device());
  return text;
}

struct Limiter {
  unsigned running = 0;
  std::deque<std::shared_ptr<Flight>> waiting;
};

StopResult result_of(std::string stop_id, sdk::StopOutcome outcome, unsigned attempts) {
  StopResult result;
  result.stop_id = std::move(stop_id);
  result.outcome = std::move(outcome);
  result.attempts = attempts;
  return result;
}

}  // namespace

struct Dispatcher::State final : FlightEvents,
                                 TicketOwner,
                                 std::enable_shared_from_this<Dispatcher::State> {
  State(const ProviderRegistry& registry_, DispatcherOptions options_)
      : registry(registry_),
        options(options_),
        clock(options_.clock ? options_.clock : real_host_clock()),
        log(options_.logger ? options_.logger : host_logger()),
        work(boost::asio::make_work_guard(io)),
        // Runs on the event loop, which shutdown() stops and joins before `this` can go.
        deadlines(clock->make_timer(io), [this] { expire_due(); }),
        pool(std::make_unique<BlockingPool>(options_.max_worker_threads)),
        prefix(id_prefix()) {
    timer_thread = std::thread([this] { io.run(); });
  }

  const ProviderRegistry& registry;
  const DispatcherOptions options;
  const std::shared_ptr<HostClock> clock;  // every reading of the time, every timer
  const std::shared_ptr<spdlog::logger> log;
  boost::asio::io_context io;  // every timer of every stop runs here
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
  DeadlineQueue deadlines;  // every waiting caller's deadline; guarded by `mutex`
  std::thread timer_thread;
  std::unique_ptr<BlockingPool> pool;
  const std::string prefix;
  std::atomic<std::uint64_t> sequence{0};
  std::vector<std::shared_ptr<StopObserver>> observers;  // fixed before the first submit
  std::atomic<bool> accepting_observers{true};
  std::atomic<bool> stopping{false};

  AdaptiveMutex mutex;
  std::condition_variable_any idle;
  FlightIndex flights;  // in progress, by resource
  std::unordered_map<const RegisteredProvider*, Limiter> limiters;
  std::size_t active = 0;           // flights not yet finished
  std::size_t abandoned_calls = 0;  // set by shutdown()

  std::string next_id() { return prefix + "-" + std::to_string(sequence.fetch_add(1) + 1); }

  bool shutting_down() const override { return stopping.load(); }

  void notify(StopEvent event) {
    if (observers.empty()) return;
    event.at = clock->wall_now();
    for (const auto& observer : observers) {
      try {
        observer->on_event(event);
      } catch (const std::exception& e) {
        log->error("stop={} an observer threw: {}", event.stop_id, e.what());
      } catch (...) {
        log->error("stop={} an observer threw", event.stop_id);
      }
    }
  }

  template <class Fill>
  void notify_with(StopEvent event, Fill&& fill) {
    if (observers.empty()) return;
    fill(event);
    notify(std::move(event));
  }

  // An event of a flight. Its request is expanded (stored_request.hpp) only for an observer
  // that reads it.
  template <class Fill>
  void notify_flight(StopEventKind kind, const Flight& flight, Fill&& fill) {
    if (observers.empty()) return;
    StopEvent event(
        kind, flight.id, flight.type(),
        [](const void* source) { return static_cast<const Flight*>(source)->expand_request(); },
        &flight);
    fill(event);
    notify(std::move(event));
  }

  void notify_flight(StopEventKind kind, const Flight& flight) {
    notify_flight(kind, flight, [](StopEvent&) {});
  }

  // A request that never becomes a flight (invalid, dry run) still gets an id and a finished
  // event, so the audit trail sees every request.
  std::shared_ptr<StopTicket> finish_alone(const std::shared_ptr<TicketImpl>& ticket,
                                           const sdk::StopRequest& request,
                                           sdk::StopOutcome outcome, bool dry_run = false) {
    StopResult result = result_of(next_id(), std::move(outcome), 0);
    result.dry_run = dry_run;
    if (!observers.empty()) {
      StopResult observed = result;
      observed.started = observed.finished = clock->wall_now();
      notify_with(StopEvent(StopEventKind::finished, observed.stop_id, request),
                  [&](StopEvent& e) { e.result = &observed; });
    }
    ticket->finish(std::move(result));
    return ticket;
  }

  // A request refused before it has a schedule: answered at once, never armed.
  std::shared_ptr<StopTicket> refuse(const sdk::StopRequest& request, Code code,
                                     std::string message) {
    auto ticket = std::make_shared<TicketImpl>(std::weak_ptr<TicketOwner>(), *clock,
                                               clock->steady_now(), false);
    return finish_alone(ticket, request, sdk::StopOutcome::make(code, std::move(message)));
  }

  struct Checked {
    const RegisteredProvider* provider = nullptr;
    std::string key;  // type + canonical target: what single-flight is keyed by
    std::optional<std::string> error;
  };

  Checked check(const sdk::StopRequest& request) const {
    Checked checked;
    checked.provider = registry.find(request.type);
    if (checked.provider == nullptr) {
      checked.error =
          "type: unknown resource type '" + request.type + "' (loaded: " + registry.names() + ")";
      return checked;
    }
    // The resource key doubles as the size check: the canonical (sorted) form of the target.
    if (request.target.is_object()) {
      try {
        checked.key = resource_key(request);
      } catch (const nlohmann::json::type_error&) {
        checked.error = "target: contains a string that is not valid UTF-8";
        return checked;
      }
    }
    const std::size_t target_bytes =
        checked.key.empty() ? 0 : checked.key.size() - request.type.size() - 1;
    checked.error = validate_request(*checked.provider, request, target_bytes);
    return checked;
  }

  std::shared_ptr<StopTicket> submit(sdk::StopRequest request,
                                     const SubmitOptions& submit_options) {
    accepting_observers.store(false, std::memory_order_relaxed);
    const auto now = clock->steady_now();
    if (request.options.is_null()) request.options = nlohmann::json::object();
    Checked checked = check(request);
    if (checked.error) return refuse(request, Code::invalid_argument, std::move(*checked.error));
    const RegisteredProvider* provider = checked.provider;
    const std::string key = std::move(checked.key);
    const FlightIndex::Key index_key{key, hash_resource_key(key)};
    const Schedule schedule = schedule_for(request, submit_options, options, now);
    if (schedule.deadline <= now)
      return refuse(request, Code::deadline_exceeded, "deadline: already passed when submitted");
    auto ticket = std::make_shared<TicketImpl>(weak_from_this(), *clock, schedule.deadline, false);
    if (request.dry_run) return dry_run(*provider, std::move(request), ticket, schedule);

    const unsigned max_attempts = submit_options.max_attempts.value_or(
        provider->max_attempts > 0 ? provider->max_attempts : options.max_attempts);

    std::shared_ptr<Flight> flight;
    bool start_now = false;
    bool joined = false;
    bool changed = false;
    bool escalated = false;
    // Built outside the lock, which the thread completing other stops also takes: a stop that
    // joins a running one drops it.
    auto fresh = std::make_shared<Flight>(
        index_key.hash, *provider,
        StoredRequest::from(request, std::string(target_of_key(key, request.type))), max_attempts,
        clock->wall_now());
    {
      std::unique_lock lock(mutex);
      if (stopping.load()) {
        lock.unlock();
        return finish_alone(
            ticket, request,
            sdk::StopOutcome::make(Code::unavailable, "the dispatcher is shutting down"));
      }
      auto running = flights.find(index_key);
      if (running && !running->cancelled.load()) {
        // Single flight: this request rides on the stop already running; an earlier force
        // time or a later deadline changes that stop's schedule.
        flight = std::move(running);
        joined = true;
        ticket->set_joined(true);
        ticket->set_stop_id(flight->id);
        ticket->flight = flight;
        flight->tickets.push_back(ticket);
        deadlines.add(*ticket);
        if (to_ticks(schedule.force_at) < flight->joined_force_at.load())
          flight->joined_force_at.store(to_ticks(schedule.force_at));
        if (to_ticks(schedule.force_at) < flight->force_at.load()) {
          flight->force_at.store(to_ticks(schedule.force_at));
          escalated = changed = true;
        }
        if (to_ticks(schedule.deadline) > flight->deadline.load()) {
          flight->deadline.store(to_ticks(schedule.deadline));
          changed = true;
        }
      } else {
        flight = std::move(fresh);
        flight->id = next_id();
        flight->force_at.store(to_ticks(schedule.force_at));
        flight->deadline.store(to_ticks(schedule.deadline));
        flight->tickets.push_back(ticket);
        deadlines.add(*ticket);
        ticket->set_stop_id(flight->id);
        ticket->flight = flight;
        // A cancelled flight of the same resource winds down on its own; new callers get a
        // new one.
        if (running) flights.erase(*running);
        flights.insert(flight);
        ++active;
        Limiter& limiter = limiters[provider];
        if (limiter.running < provider->concurrency) {
          ++limiter.running;
          flight->phase = Flight::Phase::running;
          start_now = true;
        } else {
          limiter.waiting.push_back(flight);
        }
      }
    }

    if (joined) {
      notify_flight(StopEventKind::joined, *flight);
      if (escalated) notify_flight(StopEventKind::escalated, *flight);
      if (changed) notify_provider(flight);
    } else if (start_now) {
      start_attempt(flight, &request);  // the flight's own request: no need to expand it
    } else {
      notify_flight(StopEventKind::queued, *flight);
    }
    return ticket;
  }

  void cancel(TicketImpl& ticket) override {
    Withdrawal withdrawal;
    {
      std::lock_guard lock(mutex);
      withdrawal = detach(ticket);
    }
    withdraw(ticket, withdrawal, Code::cancelled, "cancelled by the caller");
  }

  // The deadline queue's timer fired: every caller whose deadline passed leaves.
  void expire_due() {
    std::vector<std::pair<Withdrawal, std::string>> expired;
    {
      std::lock_guard lock(mutex);
      deadlines.take_due(clock->steady_now(), [&](TicketImpl& ticket) {
        Withdrawal withdrawal = detach(ticket);
        if (!withdrawal.ticket) return;  // not waiting for a flight: nothing keeps it alive
        std::string message = "deadline exceeded";
        if (const Flight* running = withdrawal.owner.get()) {
          message += running->phase == Flight::Phase::queued
                         ? ": still queued behind other stops of " + running->type() +
                               " (concurrency limit " +
                               std::to_string(running->provider.concurrency) + ")"
                         : " before " + running->type() + " confirmed the stop (attempt " +
                               std::to_string(running->attempt) + ")";
        }
        expired.emplace_back(std::move(withdrawal), std::move(message));
      });
    }
    for (auto& [withdrawal, message] : expired) {
      TicketImpl& ticket = *withdrawal.ticket;
      withdraw(ticket, withdrawal, Code::deadline_exceeded, message);
    }
  }

  // A caller leaving its flight, taken apart under the lock and finished after it.
  struct Withdrawal {
    std::shared_ptr<TicketImpl> ticket;  // the flight's reference, now the caller's to drop
    std::shared_ptr<Flight> owner;
    unsigned attempt = 0;
    bool orphaned = false;
    bool was_queued = false;
  };

  // Under the lock.
  Withdrawal detach(TicketImpl& ticket) {
    Withdrawal withdrawal;
    deadlines.remove(ticket);
    withdrawal.owner = ticket.flight.lock();
    Flight* owner = withdrawal.owner.get();
    if (!owner) return withdrawal;
    withdrawal.attempt = owner->attempt;
    auto& tickets = owner->tickets;
    auto it = std::find_if(tickets.begin(), tickets.end(),
                           [&](const auto& t) { return t.get() == &ticket; });
    if (it != tickets.end()) {
      withdrawal.ticket = std::move(*it);
      tickets.erase(it);
    }
    if (tickets.empty() && owner->phase != Flight::Phase::done) {
      owner->cancelled.store(true);
      withdrawal.orphaned = true;
      auto& waiting = limiters[&owner->provider].waiting;
      if (auto queued = std::find(waiting.begin(), waiting.end(), withdrawal.owner);
          queued != waiting.end()) {
        waiting.erase(queued);
        withdrawal.was_queued = true;
      }
    }
    return withdrawal;
  }

  // A caller leaves (deadline or cancel). The stop itself goes on while anyone still waits.
  void withdraw(TicketImpl& ticket, const Withdrawal& withdrawal, Code code,
                const std::string& message) {
    const auto& owner = withdrawal.owner;
    ticket.finish(result_of(owner ? owner->id : next_id(), sdk::StopOutcome::make(code, message),
                            withdrawal.attempt));
    if (!withdrawal.orphaned) return;
    // Nobody waits any more: a queued stop never starts; a running one is told to wind down.
    if (withdrawal.was_queued)
      finalize(owner, sdk::StopOutcome::make(code, message + " (never started)"));
    else
      notify_provider(owner);
  }

  void notify_provider(const std::shared_ptr<Flight>& flight) {
    std::shared_ptr<AttemptContext> context;
    {
      std::lock_guard lock(mutex);
      context = flight->current;
    }
    if (context) context->notify_change();
  }

  // `given`: the flight's request as submitted, when its first attempt starts at submit (moved
  // from); otherwise the stored one is expanded.
  void start_attempt(const std::shared_ptr<Flight>& flight, sdk::StopRequest* given = nullptr) {
    std::shared_ptr<AttemptContext> context;
    {
      std::lock_guard lock(mutex);
      if (flight->phase == Flight::Phase::done) return;
      if (flight->attempt == 0) {
        // The grace counts from now, when the provider first gets the stop, not from when it
        // was submitted; escalations that arrived while it waited still apply.
        const auto own = schedule_for(flight->request.mode, flight->request.grace, {}, options,
                                      clock->steady_now())
                             .force_at;
        flight->force_at.store(std::min(to_ticks(own), flight->joined_force_at.load()));
      }
      flight->phase = Flight::Phase::running;
      flight->retry_timer.reset();
      context = std::make_shared<AttemptContext>(shared_from_this(), flight, ++flight->attempt);
      flight->current = context;
    }
    // The request as the provider sees it, for this attempt only: start() copies what it keeps;
    // a synchronous stop() has it until it returns.
    sdk::StopRequest request = given ? std::move(*given) : flight->expand_request();
    notify_with(StopEvent(StopEventKind::started, flight->id, request),
                [&](StopEvent& e) { e.attempt = context->attempt(); });
    if (flight->cancelled.load() || stopping.load()) {
      context->complete(
          sdk::StopOutcome::make(Code::cancelled, "cancelled before the attempt started"));
      return;
    }
    sdk::IStopProvider& provider = *flight->provider.provider;
    if (flight->provider.info.capabilities.asynchronous) {
      invoke(flight, *context, [&] { provider.start(request, context); });
      return;
    }
    const bool posted = pool->post([flight, context, request = std::move(request)] {
      invoke(flight, *context,
             [&] { context->complete(flight->provider.provider->stop(request, *context)); });
    });
    if (!posted)
      context->complete(
          sdk::StopOutcome::make(Code::cancelled, "cancelled before the attempt started"));
  }

  // Nothing a provider throws escapes into the host.
  template <class Call>
  static void invoke(const std::shared_ptr<Flight>& flight, AttemptContext& context, Call&& call) {
    try {
      call();
    } catch (const sdk::StopError& e) {
      context.complete(sdk::StopOutcome::make(e.code(), e.what()));
    } catch (const std::exception& e) {
      context.complete(
          sdk::StopOutcome::make(Code::internal, flight->type() + " provider threw: " + e.what()));
    } catch (...) {
      context.complete(sdk::StopOutcome::make(
          Code::internal, flight->type() + " provider threw a non-standard exception"));
    }
  }

  spdlog::logger& logger() const override { return *log; }

  void attempt_progress(const Flight& flight, unsigned attempt, std::string_view phase,
                        const nlohmann::json& facts) override {
    notify_flight(StopEventKind::progress, flight, [&](StopEvent& e) {
      e.attempt = attempt;
      e.phase = phase;
      e.facts = &facts;
    });
  }

  void attempt_completed(const std::shared_ptr<Flight>& flight, unsigned attempt,
                         sdk::StopOutcome outcome) override {
    if (outcome.code == Code::unavailable && !flight->cancelled.load() && !stopping.load()) {
      if (attempt < flight->max_attempts) {
        const auto delay =
            backoff_delay(attempt, options.backoff_initial, options.backoff_max, random_fraction());
        if (clock->steady_now() + delay < from_ticks(flight->deadline.load())) {
          schedule_retry(flight, attempt, delay);
          return;
        }
        outcome.message += " (gave up after " + std::to_string(attempt) +
                           " attempts: the next retry would start after the deadline)";
      } else if (flight->max_attempts > 1) {
        outcome.message += " (gave up after " + std::to_string(attempt) + " attempts)";
      }
    }
    finalize(flight, std::move(outcome));
  }

  void schedule_retry(const std::shared_ptr<Flight>& flight, unsigned attempt,
                      std::chrono::milliseconds delay) {
    {
      std::lock_guard lock(mutex);
      flight->phase = Flight::Phase::backing_off;
      flight->current.reset();
      flight->retry_timer = clock->make_timer(io);
      // A call already on its way when the flight ended finds it done (start_attempt checks).
      flight->retry_timer->arm(clock->steady_now() + delay, [weak = weak_from_this(), flight] {
        if (auto self = weak.lock()) self->start_attempt(flight);
      });
    }
    notify_flight(StopEventKind::retry_scheduled, *flight, [&](StopEvent& e) {
      e.attempt = attempt;
      e.retry_in = delay;
    });
  }

  void finalize(const std::shared_ptr<Flight>& flight, sdk::StopOutcome outcome) {
    Flight::Tickets tickets;
    std::shared_ptr<Flight> next;
    // Released after the lock: their destructors (the attempt's context, a timer) need none of
    // it, and the submitting thread waits on it.
    std::shared_ptr<AttemptContext> ended_attempt;
    std::unique_ptr<HostClock::Timer> ended_timer;
    {
      std::lock_guard lock(mutex);
      if (flight->phase == Flight::Phase::done) return;
      const bool held_slot = flight->phase != Flight::Phase::queued;
      flight->phase = Flight::Phase::done;
      ended_attempt.swap(flight->current);
      ended_timer.swap(flight->retry_timer);
      tickets.swap(flight->tickets);
      for (const auto& ticket : tickets) deadlines.remove(*ticket);
      flights.erase(*flight);
      if (held_slot) {
        Limiter& limiter = limiters[&flight->provider];
        --limiter.running;
        if (!limiter.waiting.empty()) {
          next = std::move(limiter.waiting.front());
          limiter.waiting.pop_front();
          ++limiter.running;
        }
      }
      if (--active == 0) idle.notify_all();
    }
    ended_attempt.reset();
    ended_timer.reset();
    // Started from the event loop, not from here: a provider that completes inside start()
    // would otherwise recurse once per queued stop.
    if (next)
      boost::asio::post(io, [self = shared_from_this(), next] { self->start_attempt(next); });

    StopResult result = result_of(flight->id, std::move(outcome), flight->attempt);
    if (observers.empty()) {
      // The common case, one caller and nobody listening: hand over the result, no copy.
      for (std::size_t i = 0; i + 1 < tickets.size(); ++i) tickets[i]->finish(result);
      if (!tickets.empty()) tickets.back()->finish(std::move(result));
      return;
    }
    // Observers (the journal among them) hear of the end before any caller is answered.
    StopResult observed = result;
    observed.started = flight->started;
    observed.finished = clock->wall_now();
    notify_flight(StopEventKind::finished, *flight, [&](StopEvent& e) {
      e.attempt = flight->attempt;
      e.result = &observed;
    });
    for (const auto& ticket : tickets) ticket->finish(result);
  }

  std::shared_ptr<StopTicket> dry_run(const RegisteredProvider& provider, sdk::StopRequest request,
                                      const std::shared_ptr<TicketImpl>& ticket,
                                      const Schedule& schedule) {
    nlohmann::json would = {
        {"mode", request.mode == sdk::Mode::immediate ? "immediate" : "graceful"}};
    if (request.mode == sdk::Mode::graceful)
      would["grace_ms"] =
          request.grace ? nlohmann::json(request.grace->count()) : nlohmann::json("unbounded");
    would["deadline_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                               schedule.deadline - clock->steady_now())
                               .count();
    if (!provider.info.capabilities.inspect) {
      return finish_alone(
          ticket, request,
          sdk::StopOutcome::make(Code::stopped,
                                 "dry run: the request is valid; " + provider.name() +
                                     " cannot inspect, so whether it is running is unknown",
                                 {{"dry_run", true}, {"would", would}}),
          true);
    }
    // inspect() may block on a backend: it borrows a worker like a synchronous stop.
    const bool posted = pool->post([self = shared_from_this(), &provider, request, ticket, would] {
      sdk::StopOutcome outcome;
      try {
        const sdk::Inspection seen = provider.provider->inspect(request.target);
        nlohmann::json details = {
            {"dry_run", true},
            {"would", would},
            {"state", seen.state == sdk::Inspection::State::running    ? "running"
                      : seen.state == sdk::Inspection::State::stopping ? "stopping"
                      : seen.state == sdk::Inspection::State::stopped  ? "stopped"
                                                                       : "absent"},
            {"facts", seen.facts}};
        switch (seen.state) {
          case sdk::Inspection::State::running:
          case sdk::Inspection::State::stopping:
            outcome = sdk::StopOutcome::make(Code::stopped, "dry run: would stop " + seen.summary,
                                             details);
            break;
          case sdk::Inspection::State::stopped:
            outcome = sdk::StopOutcome::make(Code::already_stopped,
                                             "dry run: already stopped: " + seen.summary, details);
            break;
          case sdk::Inspection::State::absent:
            outcome = sdk::StopOutcome::make(Code::not_found, "dry run: not found: " + seen.summary,
                                             details);
            break;
        }
      } catch (const sdk::StopError& e) {
        outcome = sdk::StopOutcome::make(e.code(), e.what(), {{"dry_run", true}});
      } catch (const std::exception& e) {
        outcome = sdk::StopOutcome::make(
            Code::internal, request.type + " inspect() threw: " + e.what(), {{"dry_run", true}});
      }
      contain_outcome(outcome, request.type);
      self->finish_alone(ticket, request, std::move(outcome), true);
    });
    if (!posted)
      return finish_alone(
          ticket, request,
          sdk::StopOutcome::make(Code::unavailable, "the dispatcher is shutting down"));
    return ticket;
  }

  std::size_t shutdown() {
    std::vector<std::shared_ptr<Flight>> running;
    std::vector<std::shared_ptr<Flight>> queued;
    // Real time: this bounds how long the host waits on providers' code, whatever the clock says.
    const auto until = std::chrono::steady_clock::now() + options.shutdown_timeout;
    {
      std::lock_guard lock(mutex);
      if (stopping.exchange(true)) return abandoned_calls;
      flights.for_each([&](const std::shared_ptr<Flight>& flight) {
        flight->cancelled.store(true);
        (flight->phase == Flight::Phase::queued ? queued : running).push_back(flight);
      });
      for (auto& [_, limiter] : limiters) limiter.waiting.clear();
    }
    for (const auto& flight : queued)
      finalize(flight, sdk::StopOutcome::make(Code::cancelled, "the host is shutting down"));
    for (const auto& flight : running) notify_provider(flight);
    std::vector<std::shared_ptr<TicketImpl>> abandoned;
    {
      // Providers were told to wind down; give them a bounded time to say so. Whoever still
      // waits after that is answered now, so no caller outlives the event loop blocked.
      std::unique_lock lock(mutex);
      idle.wait_until(lock, until, [this] { return active == 0; });
      flights.for_each([&](const std::shared_ptr<Flight>& flight) {
        flight->retry_timer.reset();
        abandoned.insert(abandoned.end(), flight->tickets.begin(), flight->tickets.end());
        flight->tickets.clear();
      });
      deadlines.clear();
    }
    for (const auto& ticket : abandoned)
      ticket->finish(result_of(
          "",
          sdk::StopOutcome::make(Code::cancelled, "the host shut down before the stop finished"),
          0));
    abandoned_calls = pool->shut_down(until);
    if (abandoned_calls > 0)
      log->error(
          "{} synchronous stop() call(s) still running {} ms after the shutdown began, though "
          "cancelled: abandoned (the plugin ignores its deadline and cancellation)",
          abandoned_calls, options.shutdown_timeout.count());
    work.reset();
    io.stop();
    timer_thread.join();  // the loop runs only host code: handlers that never block
    return abandoned_calls;
  }
};

Dispatcher::Dispatcher(const ProviderRegistry& registry, DispatcherOptions options)
    : state_(std::make_shared<State>(registry, options)) {}

Dispatcher::~Dispatcher() {
  state_->shutdown();
}

std::size_t Dispatcher::shutdown() {
  return state_->shutdown();
}

std::shared_ptr<StopTicket> Dispatcher::submit(sdk::StopRequest request, SubmitOptions options) {
  return state_->submit(std::move(request), options);
}

void Dispatcher::add_observer(std::shared_ptr<StopObserver> observer) {
  if (!state_->accepting_observers.load())
    throw std::logic_error("Dispatcher::add_observer must be called before the first submit()");
  state_->observers.push_back(std::move(observer));
}

std::optional<std::string> Dispatcher::validate(const sdk::StopRequest& request) const {
  return state_->check(request).error;
}

const std::shared_ptr<HostClock>& Dispatcher::clock() const {
  return state_->clock;
}

const std::shared_ptr<spdlog::logger>& Dispatcher::logger() const {
  return state_->log;
}

std::size_t Dispatcher::in_flight() const {
  std::lock_guard lock(state_->mutex);
  return state_->active;
}

}  // namespace stopd::core
