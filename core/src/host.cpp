#include "stopd/core/host.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <mutex>
#include <vector>

#include "plugin_output.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/core/logging_observer.hpp"

namespace stopd::core {
namespace {

namespace fs = std::filesystem;

// Asynchronous providers hold a descriptor per stop in flight (a pidfd, a socket); the default
// soft limit of 1024 would cap a mass stop long before the hard limit does.
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
    host_logger()->debug("could not raise the open-file limit to {}", limit.rlim_max);
}

}  // namespace

Host::Host(const HostConfig& config, const fs::path& default_plugin_dir) {
  raise_open_file_limit();
  PluginSources sources;
  if (config.plugin_dirs) {
    sources.directories = *config.plugin_dirs;
  } else if (std::error_code ec; fs::is_directory(default_plugin_dir, ec)) {
    sources.directories.push_back(default_plugin_dir);
  }
  sources.files = config.plugins;

  nlohmann::json settings = nlohmann::json::object();
  for (const auto& [name, provider] : config.providers) settings[name] = provider.settings;
  report_ = load_plugins(sources, settings, registry_);
  // A provider the config sets up but whose plugin refused those settings is a mistake in the
  // config, not a plugin to do without: running without it would only fail later, per stop.
  std::string misconfigured;
  for (const auto& refused : report_.refused)
    if (refused.settings && config.providers.contains(refused.type))
      misconfigured += (misconfigured.empty() ? "" : "; ") + std::string("config.providers.") +
                       refused.type + ": " + refused.reason + " (plugin " + refused.file.string() +
                       ")";
  if (!misconfigured.empty()) throw ConfigError(misconfigured);

  for (const auto& [name, provider] : config.providers)
    if (registry_.find(name) != nullptr)
      registry_.configure(name, provider.max_concurrency, provider.max_attempts);
  // Refusals are in the report; the caller decides how loudly to show them.
  for (const auto* provider : registry_.all())
    host_logger()->info("loaded plugin {} {} from {}", provider->name(), provider->info.version,
                        provider->library.string());
  for (const auto& warning : report_.warnings) host_logger()->warn("{}", warning);

  dispatcher_ = std::make_unique<Dispatcher>(registry_, config.dispatcher);
  dispatcher_->add_observer(std::make_shared<LoggingObserver>());
}

Host::~Host() {
  if (dispatcher_->shutdown() == 0) return;
  // A stop() still runs in plugin code, on the provider object and in the library the registry
  // holds. They must outlive that call, and the process is about to exit: they are kept until
  // then, reachable from here (so no leak checker reports them) and never destroyed.
  static auto* const kept = new std::vector<ProviderRegistry>();
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  kept->push_back(std::move(registry_));
}

std::vector<nlohmann::json> Host::list(std::string_view type,
                                       const nlohmann::json& selector) const {
  const RegisteredProvider* provider = registry_.find(type);
  if (provider == nullptr)
    throw sdk::StopError(sdk::Code::invalid_argument, "type: unknown resource type '" +
                                                          std::string(type) +
                                                          "' (loaded: " + registry_.names() + ")");
  if (!provider->info.capabilities.list)
    throw sdk::StopError(
        sdk::Code::failed_precondition,
        provider->name() + " cannot list its resources, so selectors cannot be used with it");
  if (auto error = provider->selector_schema.validate(selector, "selector"))
    throw sdk::StopError(sdk::Code::invalid_argument, *error);
  try {
    std::vector<nlohmann::json> targets = provider->provider->list(selector);
    for (auto& target : targets) contain_json(target, type, "listed target");
    return targets;
  } catch (const sdk::StopError&) {
    throw;
  } catch (const std::exception& e) {
    throw sdk::StopError(sdk::Code::internal, provider->name() + " list() threw: " + e.what());
  }
}

fs::path default_plugin_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return fs::path("/usr/local") / STOPD_PLUGIN_INSTALL_DIR;
  return (exe.parent_path().parent_path() / STOPD_PLUGIN_INSTALL_DIR).lexically_normal();
}

}  // namespace stopd::core
