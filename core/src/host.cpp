#include "stopd/core/host.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "isolation/isolated_provider.hpp"
#include "isolation/plugin_discovery.hpp"
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

fs::path isolated_library(const std::vector<std::pair<fs::path, std::string>>& isolated,
                          const std::string& type) {
  for (const auto& [file, provided] : isolated)
    if (provided == type) return file;
  return {};
}

// plugin_dirs replaces the bundled directory rather than adding to it (an operator can then load
// exactly the plugins they trust); one who expected it to add learns it here, not from a stop
// that fails with "unknown type". An empty list is taken as deliberate and goes unremarked.
std::optional<std::string> bundled_dir_left_out(const std::vector<fs::path>& plugin_dirs,
                                                const fs::path& bundled) {
  std::error_code ec;
  if (plugin_dirs.empty() || bundled.empty() || !fs::is_directory(bundled, ec)) return std::nullopt;
  const fs::path canonical = fs::weakly_canonical(bundled, ec);
  for (const auto& dir : plugin_dirs)
    if (fs::weakly_canonical(dir, ec) == canonical) return std::nullopt;
  return "config.plugin_dirs replaces the bundled plugin directory " + bundled.string() +
         ": the plugins in it are not loaded; list it in plugin_dirs to keep them";
}

}  // namespace

Host::Host(const HostConfig& config, const fs::path& default_plugin_dir) {
  raise_open_file_limit();
  PluginSources sources;
  const auto left_out = config.plugin_dirs
                            ? bundled_dir_left_out(*config.plugin_dirs, default_plugin_dir)
                            : std::nullopt;
  if (config.plugin_dirs) {
    sources.directories = *config.plugin_dirs;
  } else if (std::error_code ec; fs::is_directory(default_plugin_dir, ec)) {
    sources.directories.push_back(default_plugin_dir);
  }
  sources.files = config.plugins;

  nlohmann::json settings = nlohmann::json::object();
  for (const auto& [name, provider] : config.providers) settings[name] = provider.settings;
  const bool any_isolated = std::any_of(
      config.providers.begin(), config.providers.end(),
      [](const auto& entry) { return entry.second.isolation.mode == Isolation::process; });
  if (any_isolated)
    load_with_isolation(config, sources, settings);
  else
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
  if (left_out) report_.warnings.insert(report_.warnings.begin(), *left_out);
  for (const auto& warning : report_.warnings) host_logger()->warn("{}", warning);

  dispatcher_ = std::make_unique<Dispatcher>(registry_, config.dispatcher);
  dispatcher_->add_observer(std::make_shared<LoggingObserver>(dispatcher_->logger()));
}

// The libraries of isolated types are described in a plugin host process and served from one
// each; the rest load here as usual.
void Host::load_with_isolation(const HostConfig& config, const PluginSources& sources,
                               nlohmann::json settings) {
  const fs::path executable = config.plugin_host_executable.empty()
                                  ? default_plugin_host_executable()
                                  : config.plugin_host_executable;
  std::vector<fs::path> files = plugin_files(sources, report_);
  std::map<fs::path, DescribedPlugin> described;
  try {
    described = describe_plugin_files(executable, files);
  } catch (const std::exception& e) {
    throw ConfigError(std::string("isolated providers need stopd-plugin-host: ") + e.what());
  }
  PluginSources in_process;
  std::vector<std::pair<fs::path, std::string>> isolated;  // file, type
  std::set<fs::path> seen;
  for (const auto& file : files) {
    std::error_code ec;
    if (!seen.insert(fs::weakly_canonical(file, ec)).second) continue;
    const DescribedPlugin& plugin = described[file];
    const auto configured = config.providers.find(plugin.type);
    if (plugin.type.empty() || configured == config.providers.end() ||
        configured->second.isolation.mode != Isolation::process) {
      in_process.files.push_back(file);
      continue;
    }
    if (std::any_of(isolated.begin(), isolated.end(),
                    [&](const auto& entry) { return entry.second == plugin.type; })) {
      report_.refused.push_back({file,
                                 "resource type '" + plugin.type + "' is already provided by " +
                                     isolated_library(isolated, plugin.type).string(),
                                 plugin.type, false});
      continue;
    }
    isolated.emplace_back(file, plugin.type);
    settings.erase(plugin.type);
  }
  PluginLoadReport loaded = load_plugins(in_process, settings, registry_);
  report_.loaded = std::move(loaded.loaded);
  report_.refused.insert(report_.refused.end(), loaded.refused.begin(), loaded.refused.end());
  report_.warnings = std::move(loaded.warnings);

  for (const auto& [file, type] : isolated) {
    const ProviderSettings& provider = config.providers.at(type);
    IsolatedProviderSpec spec;
    spec.type = type;
    spec.library = file;
    spec.settings = provider.settings;
    spec.plugin_host = provider.isolation.plugin_host;
    spec.executable = executable;
    spec.log_level = config.log_level;
    try {
      auto launched = IsolatedProvider::launch(std::move(spec));
      if (registry_.find(type) != nullptr) {
        report_.refused.push_back({file,
                                   "resource type '" + type + "' is already provided by " +
                                       registry_.find(type)->library.string(),
                                   type, false});
        continue;
      }
      registry_.add(launched, file, launched);
      report_.loaded.push_back(type);
    } catch (const PluginRefused& e) {
      report_.refused.push_back({file, e.what(), type, e.settings});
    } catch (const ConfigError& e) {  // plugin_host settings that cannot apply
      report_.refused.push_back({file, e.what(), type, true});
    } catch (const std::exception& e) {
      report_.refused.push_back({file, std::string("isolated: ") + e.what(), type, false});
    }
  }
}

Host::~Host() {
  const std::size_t abandoned = dispatcher_->shutdown();
  // Plugin hosts are ended whatever their plugins do (bounded); their stops were cancelled above.
  for (const auto* provider : registry_.all())
    if (provider->plugin_host) provider->plugin_host->shut_down();
  if (abandoned == 0) return;
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

fs::path default_plugin_host_executable() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  const fs::path prefix = ec ? fs::path("/usr/local") : exe.parent_path().parent_path();
  return (prefix / STOPD_PLUGIN_HOST_INSTALL_DIR / "stopd-plugin-host").lexically_normal();
}

fs::path default_plugin_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return fs::path("/usr/local") / STOPD_PLUGIN_INSTALL_DIR;
  return (exe.parent_path().parent_path() / STOPD_PLUGIN_INSTALL_DIR).lexically_normal();
}

}  // namespace stopd::core
