#include "stopd/api/daemon.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

#include "batch_service.hpp"
#include "grpc_server.hpp"
#include "health_service.hpp"
#include "reflection_service.hpp"
#include "schedule_service.hpp"
#include "stop_service.hpp"
#include "stopd/auth/auth.hpp"
#include "stopd/core/host.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/jobs/batch_manager.hpp"
#include "stopd/jobs/job_manager.hpp"
#include "stopd/jobs/job_store.hpp"
#include "stopd/jobs/scheduler.hpp"
#include "stopd/metrics/metrics.hpp"
#include "token_access.hpp"
#include "tokenless_streams.hpp"
#include "unix_socket.hpp"

namespace stopd::core {
namespace {

// After the drain, calls still under way get this long to notice before they are cancelled.
constexpr std::chrono::milliseconds kServerShutdownGrace{300};

std::string refused_summary(const PluginLoadReport& report) {
  std::string text;
  for (const auto& refused : report.refused)
    text += "\n  " + refused.file.string() + ": " + refused.reason;
  return text.empty() ? std::string(" (no plugin library was found)") : text;
}

}  // namespace

struct Daemon::Impl {
  DaemonConfig config;
  // Declared in the order they are built; destroyed in reverse: the server before the service
  // it calls, the job manager before the host, the host (whose dispatcher still reports the
  // stops it cancels) before the journal, the metrics last.
  std::unique_ptr<Metrics> metrics;
  std::unique_ptr<JobStore> store;
  std::unique_ptr<Host> host;
  std::unique_ptr<Authenticator> authenticator;
  std::unique_ptr<JobManager> jobs;
  std::unique_ptr<BatchManager> batches;
  std::shared_ptr<Scheduler> scheduler;  // shared: the metrics read it through a weak pointer
  std::unique_ptr<api::StopService> service;
  std::unique_ptr<api::BatchService> batch_service;
  std::unique_ptr<api::ScheduleService> schedule_service;
  std::unique_ptr<api::TokenlessStreams> tokenless_streams;
  std::unique_ptr<api::HealthService> health;
  std::unique_ptr<api::ReflectionService> reflection;
  std::unique_ptr<grpc::Server> server;
  std::optional<int> tcp_port;
  std::size_t resumed = 0;

  std::mutex shutdown_mutex;
  bool shut_down = false;
  std::size_t unfinished = 0;
  // What stop() is doing now: named in the log line if it outlasts Daemon::shutdown_bound().
  std::atomic<const char*> stage{"not started"};

  void start(const DaemonOptions& options);
  std::size_t stop(std::chrono::milliseconds drain_timeout);
};

void Daemon::Impl::start(const DaemonOptions& options) {
  const auto logger = host_logger();
  // Checks that need nothing started come first, so their errors are the ones reported: the
  // socket (no live daemon on it, its directory exists) and the TLS files.
  api::prepare_unix_socket(config.listen.unix_socket);
  auto credentials = api::tcp_credentials(config.listen);

  if (config.metrics.listen) {
    try {
      metrics = std::make_unique<Metrics>(*config.metrics.listen);
    } catch (const std::exception& e) {
      throw StartupError(1, std::string("config.metrics.listen: ") + e.what());
    }
    logger->info("metrics listen={} port={} (GET /metrics)", *config.metrics.listen,
                 metrics->port());
  }

  JournalOptions journal_options;
  journal_options.sync_full = config.journal.sync_full;
  if (metrics) {
    journal_options.on_write = metrics->journal_write_recorder();
    journal_options.on_dead_letters = metrics->journal_dead_letters_recorder();
  }
  try {
    store = std::make_unique<JobStore>(config.journal.file, std::move(journal_options));
  } catch (const JournalError& e) {
    throw StartupError(1, std::string("config.journal.file: ") + e.what());
  }

  host = std::make_unique<Host>(config.host, options.default_plugin_dir.empty()
                                                 ? default_plugin_dir()
                                                 : options.default_plugin_dir);
  for (const auto& refused : host->load_report().refused)
    logger->warn("refused plugin {}: {}", refused.file.string(), refused.reason);
  if (host->registry().empty())
    throw StartupError(exit_code::config, "no usable plugin: nothing could be stopped" +
                                              refused_summary(host->load_report()));
  if (metrics) {
    host->dispatcher().add_observer(metrics->stop_observer());
    std::vector<std::pair<std::string, std::shared_ptr<SupervisedPlugin>>> plugins;
    for (const auto* provider : host->registry().all())
      plugins.emplace_back(provider->name(), provider->plugin_host);
    metrics->watch_plugins(std::move(plugins));
  }

  authenticator = std::make_unique<Authenticator>(config.auth);
  JobManagerOptions job_options;
  job_options.retention = config.journal.retention;
  job_options.prune_interval = config.journal.prune_interval;
  job_options.dispatcher = config.host.dispatcher;
  job_options.quarantine_after = config.quarantine_after;
  jobs = std::make_unique<JobManager>(*host, *store, job_options);

  resumed = jobs->resume_unfinished();
  logger->info("journal {}: resumed {} unfinished job(s)", config.journal.file.string(), resumed);

  batches = std::make_unique<BatchManager>(*host, *jobs, *store);
  const std::size_t resumed_batches = batches->resume_unfinished();
  if (resumed_batches > 0)
    logger->info("journal: resumed {} unfinished batch(es)", resumed_batches);

  std::vector<ScheduleSpec> schedules;
  for (const ScheduleConfig& entry : config.schedules) {
    ScheduleSpec spec;
    spec.name = entry.name;
    spec.cron = entry.cron;
    spec.tz = entry.tz;
    spec.plan = entry.plan;
    spec.plan_source = entry.plan_source;
    spec.overlap = entry.replace ? ScheduleSpec::Overlap::replace : ScheduleSpec::Overlap::forbid;
    spec.catch_up = entry.catch_up;
    spec.paused = entry.paused;
    spec.jitter = entry.jitter;
    spec.history_succeeded = entry.history_succeeded;
    spec.history_failed = entry.history_failed;
    spec.defined_in = config.source;
    schedules.push_back(std::move(spec));
  }
  // A schedule created over the API runs with its creator's scopes: the token of that name, as
  // configured now (one removed from the config refuses the runs), or none for the trusted
  // socket ("unix", unless a token has that name).
  ScheduleRunAccess run_access = [this](const ScheduleSpec& spec,
                                        std::string& why) -> std::unique_ptr<BatchAccess> {
    if (spec.origin == ScheduleSpec::Origin::config) return std::make_unique<BatchAccess>();
    for (const TokenConfig& token : config.auth.tokens)
      if (token.name == spec.requester)
        return std::make_unique<api::TokenAccess>(*authenticator, Principal{token.name, &token});
    if (spec.requester == "unix") return std::make_unique<BatchAccess>();
    why = "schedule " + spec.name + " was created by token '" + spec.requester +
          "', which is no longer configured (auth.tokens); delete the schedule or create it again";
    return nullptr;
  };
  try {
    scheduler = std::make_shared<Scheduler>(*batches, host->dispatcher().clock(),
                                            std::move(schedules), store.get(), run_access);
  } catch (const std::invalid_argument& e) {  // a plan that does not parse, a name in both
    throw StartupError(exit_code::config, std::string("config.") + e.what());
  } catch (const JournalError& e) {
    throw StartupError(1, std::string("config.journal.file: ") + e.what());
  }
  scheduler->start();
  if (metrics)
    metrics->watch_schedules([weak = std::weak_ptr<Scheduler>(scheduler)] {
      std::vector<ScheduleMetrics> out;
      if (const auto live = weak.lock())
        for (const ScheduleStatus& status : live->list()) {
          ScheduleMetrics m;
          m.name = status.name;
          if (status.next)
            m.next_unix_seconds = static_cast<double>(status.next->time_since_epoch().count());
          m.lateness_seconds = static_cast<double>(status.last_lateness.count());
          m.started = status.runs;
          m.skipped = status.skipped;
          m.missed = status.missed;
          m.refused = status.failed;
          out.push_back(std::move(m));
        }
      return out;
    });
  if (const std::size_t loaded = scheduler->list().size(); loaded > 0)
    logger->info("schedules: {} loaded ({} from the config file)", loaded, config.schedules.size());

  service = std::make_unique<api::StopService>(*jobs, *host, *authenticator);
  batch_service = std::make_unique<api::BatchService>(*batches, *authenticator);
  schedule_service = std::make_unique<api::ScheduleService>(*scheduler, *batches, *authenticator);
  tokenless_streams =
      std::make_unique<api::TokenlessStreams>(*authenticator, config.listen.max_threads);
  health = std::make_unique<api::HealthService>(
      std::vector<std::string>{v1::StopService::service_full_name(),
                               v1::BatchService::service_full_name(),
                               v1::ScheduleService::service_full_name()},
      *tokenless_streams,
      [registry = &host->registry()](std::string_view type) -> std::optional<bool> {
        const RegisteredProvider* provider = registry->find(type);
        if (provider == nullptr) return std::nullopt;
        return !provider->plugin_host ||
               provider->plugin_host->status().state == PluginHostStatus::State::running;
      });
  reflection = std::make_unique<api::ReflectionService>(
      *tokenless_streams, std::vector<std::string>{v1::StopService::service_full_name(),
                                                   v1::BatchService::service_full_name(),
                                                   v1::ScheduleService::service_full_name(),
                                                   grpc::health::v1::Health::service_full_name()});
  api::RunningServer running = api::start_server(
      config.listen, std::move(credentials),
      {service.get(), batch_service.get(), schedule_service.get(), health.get(), reflection.get()});
  server = std::move(running.server);
  tcp_port = running.tcp_port;
  health->set_serving(true);
  if (tcp_port)
    logger->info("serving unix={} tcp={} port={} types={}", config.listen.unix_socket.string(),
                 *config.listen.tcp, *tcp_port, host->registry().names());
  else
    logger->info("serving unix={} types={}", config.listen.unix_socket.string(),
                 host->registry().names());
}

std::size_t Daemon::Impl::stop(std::chrono::milliseconds drain_timeout) {
  const auto logger = host_logger();
  stage = "refusing new work";
  if (health) health->set_serving(false);
  if (service) service->stop_accepting();
  if (batch_service) batch_service->stop_accepting();
  if (schedule_service) schedule_service->stop_accepting();
  stage = "stopping the scheduler (a run being submitted: its selectors' list())";
  if (scheduler) scheduler->stop();        // fires no more runs; a run cut short resumes next start
  if (batches) batches->stop_accepting();  // starts no more items: the rest wait for the next start
  std::size_t left = 0;
  stage = "draining the jobs in flight";
  if (jobs) {
    logger->info("draining: {} job(s) in flight, waiting up to {} ms", jobs->in_flight(),
                 drain_timeout.count());
    left = jobs->drain(drain_timeout);
  }
  if (service) service->end_waits();
  if (batch_service) batch_service->end_waits();
  if (health) health->end_watches();
  stage = "shutting down the gRPC server (calls in progress: a provider's list(), say)";
  if (server) {
    server->Shutdown(std::chrono::system_clock::now() + kServerShutdownGrace);
    server->Wait();
    server.reset();
    // gRPC leaves the socket file behind; a clean stop removes it, so the next start does not
    // have to wonder whether it is stale.
    struct stat info {};
    if (::lstat(config.listen.unix_socket.c_str(), &info) == 0 && S_ISSOCK(info.st_mode))
      ::unlink(config.listen.unix_socket.c_str());
  }
  stage = "stopping the batch engines, the job manager, the plugins and the journal";
  reflection.reset();
  health.reset();
  tokenless_streams.reset();
  schedule_service.reset();
  batch_service.reset();
  service.reset();
  batches.reset();  // before the jobs its items are: unfinished batches stay so in the journal
  jobs.reset();
  authenticator.reset();
  host.reset();
  store.reset();
  metrics.reset();
  stage = "done";
  return left;
}

Daemon::Daemon(DaemonConfig config, DaemonOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  try {
    impl_->start(options);
  } catch (...) {
    // Resumed stops must stay unfinished in the journal, exactly as after a drain.
    impl_->stop(std::chrono::milliseconds(0));
    throw;
  }
}

Daemon::~Daemon() {
  try {
    shutdown();
  } catch (const std::exception& e) {
    host_logger()->error("shutdown failed: {}", e.what());
  }
}

std::size_t Daemon::shutdown() {
  std::lock_guard lock(impl_->shutdown_mutex);
  if (impl_->shut_down) return impl_->unfinished;
  host_logger()->info("shutting down");
  impl_->unfinished = impl_->stop(impl_->config.drain_timeout);
  impl_->shut_down = true;
  host_logger()->info("stopped; {} unfinished job(s) left in the journal for the next start",
                      impl_->unfinished);
  return impl_->unfinished;
}

std::chrono::milliseconds Daemon::shutdown_bound() const {
  return impl_->config.drain_timeout + kShutdownMargin;
}

std::string Daemon::shutdown_stage() const {
  return impl_->stage.load();
}

std::size_t Daemon::resumed() const {
  return impl_->resumed;
}

const std::filesystem::path& Daemon::unix_socket() const {
  return impl_->config.listen.unix_socket;
}

std::optional<int> Daemon::tcp_port() const {
  return impl_->tcp_port;
}

}  // namespace stopd::core
