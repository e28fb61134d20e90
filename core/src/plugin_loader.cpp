#include "stopd/core/plugin_loader.hpp"

#include <algorithm>
#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <set>
#include <system_error>

#include "stopd/core/logging.hpp"
#include "stopd/sdk/plugin.hpp"

namespace stopd::core {
namespace {

namespace fs = std::filesystem;
using Library = boost::dll::shared_library;

// Libraries are never unloaded while the process runs: a provider's code, its vtables and
// any thread it started live in the library (Boost.DLL's own advice; see FACTS.md). The list is
// deliberately leaked so no dlclose runs during static destruction either.
void keep_loaded_forever(const std::shared_ptr<Library>& library) {
  static std::mutex mutex;
  static auto* libraries = new std::vector<std::shared_ptr<Library>>();
  std::lock_guard lock(mutex);
  libraries->push_back(library);
}

struct Refusal {
  explicit Refusal(std::string why) : reason(std::move(why)) {}
  std::string reason;
  std::string type;       // the resource type, once the descriptor named it
  bool settings = false;  // refused with the operator's settings (their schema, or the factory)
};

std::string abi_text(unsigned major, unsigned minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

std::string host_toolchain() {
  return STOPD_SDK_TOOLCHAIN_TAG;
}

// The ELF is read without loading it: a library without the descriptor section is refused
// before any of its code (static constructors included) runs in the host.
void check_has_descriptor_section(const fs::path& file) {
  std::vector<std::string> sections;
  try {
    boost::dll::library_info info(file);
    sections = info.sections();
  } catch (const std::exception& e) {
    throw Refusal{std::string("not a loadable shared library (") + e.what() + ")"};
  }
  if (std::find(sections.begin(), sections.end(), sdk::kDescriptorSection) == sections.end())
    throw Refusal{std::string("no stopd plugin descriptor (ELF section '") +
                  sdk::kDescriptorSection + "' is missing): not built with STOPD_PLUGIN()"};
}

const sdk::PluginDescriptor& read_descriptor(const Library& library) {
  if (!library.has(sdk::kDescriptorSymbol))
    throw Refusal{std::string("no stopd plugin descriptor (symbol '") + sdk::kDescriptorSymbol +
                  "' is not exported): not built with STOPD_PLUGIN()"};
  const auto* descriptor = &library.get_alias<const sdk::PluginDescriptor>(sdk::kDescriptorSymbol);
  if (descriptor == nullptr) throw Refusal{"the plugin descriptor symbol is null"};
  return *descriptor;
}

// Every field up to `create` exists since ABI 1.0; later fields only when struct_size covers them.
constexpr std::size_t kDescriptorSize_1_0 =
    offsetof(sdk::PluginDescriptor, create) + sizeof(sdk::ProviderFactory);

bool has_overrides(const sdk::PluginDescriptor& d) {
  return d.struct_size >=
         offsetof(sdk::PluginDescriptor, overrides) + sizeof(sdk::PluginDescriptor::overrides);
}

// Field by field, in the order it is safe to read them: the size and ABI first (what else the
// struct holds depends on them), then the toolchain (C++ objects cross only with the same one).
void check_abi(const sdk::PluginDescriptor& d) {
  constexpr auto kAbiEnd = offsetof(sdk::PluginDescriptor, abi_minor) + sizeof(d.abi_minor);
  if (d.struct_size < kAbiEnd)
    throw Refusal{"the plugin descriptor is truncated (" + std::to_string(d.struct_size) +
                  " bytes)"};
  const std::string host_abi = abi_text(sdk::kAbiMajor, sdk::kAbiMinor);
  if (d.abi_major != sdk::kAbiMajor || d.abi_minor > sdk::kAbiMinor)
    throw Refusal{"requires stopd SDK ABI " + abi_text(d.abi_major, d.abi_minor) +
                  ", this host offers ABI " + host_abi + " (it accepts plugins built for " +
                  std::to_string(sdk::kAbiMajor) + ".0 to " + host_abi +
                  "); rebuild the plugin against this host's SDK"};
  if (d.struct_size < kDescriptorSize_1_0)
    throw Refusal{"the plugin descriptor has " + std::to_string(d.struct_size) +
                  " bytes, ABI 1.0 defines " + std::to_string(kDescriptorSize_1_0)};
}

void check_toolchain(const sdk::PluginDescriptor& d) {
  const char* toolchain = d.toolchain ? d.toolchain : "";
  if (host_toolchain() != toolchain)
    throw Refusal{
        std::string("built with toolchain '") + toolchain + "' (" +
        (d.compiler ? d.compiler : "?") + "), this host requires '" + host_toolchain() +
        "': C++ objects cannot cross between them; rebuild the plugin with the host's toolchain"};
}

void check_identity(const sdk::PluginDescriptor& d) {
  if (d.name == nullptr || *d.name == '\0')
    throw Refusal{"the plugin descriptor has no resource type name"};
  if (d.create == nullptr) throw Refusal{"the plugin descriptor has no factory"};
}

void check_descriptor(const sdk::PluginDescriptor& d) {
  check_abi(d);
  check_toolchain(d);
  check_identity(d);
}

nlohmann::json settings_for(const nlohmann::json& all, const std::string& name) {
  if (all.is_object())
    if (auto it = all.find(name); it != all.end()) return *it;
  return nlohmann::json::object();
}

void check_settings(const sdk::PluginDescriptor& d, const nlohmann::json& settings) {
  const std::string_view schema_text = d.config_schema ? d.config_schema : "";
  if (schema_text.empty()) {
    if (!settings.empty())
      throw Refusal{"settings were given for '" + std::string(d.name) +
                    "' but the plugin takes none"};
    return;
  }
  JsonSchema schema;
  try {
    schema = JsonSchema(nlohmann::json::parse(schema_text));
  } catch (const std::exception& e) {
    throw Refusal{std::string("the plugin's config schema is unusable: ") + e.what()};
  }
  if (auto error = schema.validate(settings, "providers." + std::string(d.name) + ".settings"))
    throw Refusal{"invalid settings: " + *error};
}

std::shared_ptr<sdk::IStopProvider> create_provider(const sdk::PluginDescriptor& d,
                                                    const std::shared_ptr<Library>& library,
                                                    const nlohmann::json& settings) {
  std::unique_ptr<sdk::IStopProvider> created;
  try {
    created = d.create(sdk::ProviderConfig{settings, make_plugin_logger(d.name)});
  } catch (const std::exception& e) {
    throw Refusal{std::string("the plugin's factory failed: ") + e.what()};
  } catch (...) {
    throw Refusal{"the plugin's factory failed with a non-standard exception"};
  }
  if (!created) throw Refusal{"the plugin's factory returned no provider"};
  // The deleter owns a reference to the library, so the code that destroys the provider is
  // still mapped when it runs.
  return std::shared_ptr<sdk::IStopProvider>(
      created.release(), [library](sdk::IStopProvider* provider) { delete provider; });
}

// A field info() leaves empty takes the descriptor's value; a different value is refused.
void fill_from_descriptor(const char* field, const char* declared, std::string& reported) {
  const std::string descriptor_value = declared ? declared : "";
  if (reported.empty())
    reported = descriptor_value;
  else if (!descriptor_value.empty() && reported != descriptor_value)
    throw Refusal{std::string("the descriptor says ") + field + " '" + descriptor_value +
                  "' but the provider's info()." + field + " says '" + reported + "'"};
}

// The flag follows the code. A flag set without its method would send dry runs, selectors or
// stops to a default that can only fail, so it is refused rather than silently cleared.
void derive_capability(const std::string& type, const char* flag, const char* method,
                       bool& declared, bool implemented) {
  if (declared && !implemented)
    throw Refusal{type + ": info().capabilities." + flag + " is true, but the class does not " +
                  "override " + method + "()"};
  declared = implemented;
}

// The provider's info() completed from what the descriptor says once: the name, version and
// description, and (ABI 1.1 plugins) the capabilities their code implies.
sdk::ProviderInfo declared_info(const sdk::PluginDescriptor& d,
                                const sdk::IStopProvider& provider) {
  sdk::ProviderInfo info = provider.info();
  const std::string type = d.name;
  if (!info.name.empty() && info.name != type)
    throw Refusal{"the descriptor registers '" + type + "' but the provider's info() says '" +
                  info.name + "'"};
  info.name = type;
  fill_from_descriptor("version", d.version, info.version);
  fill_from_descriptor("description", d.description, info.description);
  if (has_overrides(d)) {
    auto& caps = info.capabilities;
    derive_capability(type, "asynchronous", "start", caps.asynchronous,
                      (d.overrides & sdk::kOverridesStart) != 0);
    derive_capability(type, "inspect", "inspect", caps.inspect,
                      (d.overrides & sdk::kOverridesInspect) != 0);
    derive_capability(type, "list", "list", caps.list, (d.overrides & sdk::kOverridesList) != 0);
  }
  return info;
}

struct OpenedPlugin {
  std::shared_ptr<Library> library;  // loaded for good
  const sdk::PluginDescriptor* descriptor;
};

// Loads `file` after checking its ELF; refuses it otherwise. Nothing in the descriptor is checked.
OpenedPlugin open_library(const fs::path& file) {
  check_has_descriptor_section(file);
  auto library = std::make_shared<Library>();
  try {
    library->load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw Refusal{std::string("cannot be loaded: ") + e.what()};
  }
  keep_loaded_forever(library);
  return {library, &read_descriptor(*library)};
}

// Loads `file` after checking its ELF, and checks its descriptor; refuses it otherwise.
OpenedPlugin open_plugin(const fs::path& file) {
  OpenedPlugin opened = open_library(file);
  check_descriptor(*opened.descriptor);
  return opened;
}

// Runs one step of the loader, its refusal turned into the public exception.
template <class Step>
auto refused_as_runtime_error(Step step) {
  try {
    return step();
  } catch (const Refusal& refusal) {
    throw std::runtime_error(refusal.reason);
  }
}

void load_one(const fs::path& file, const nlohmann::json& all_settings, ProviderRegistry& registry,
              PluginLoadReport& report, std::set<std::string>& declared) {
  const auto [library, opened] = open_plugin(file);
  const sdk::PluginDescriptor& descriptor = *opened;
  const std::string name = descriptor.name;
  declared.insert(name);
  if (const auto* existing = registry.find(name))
    throw Refusal{
        "resource type '" + name + "' is already provided by " +
        (existing->library.empty() ? std::string("the host") : existing->library.string())};
  const nlohmann::json settings = settings_for(all_settings, name);
  std::shared_ptr<sdk::IStopProvider> provider;
  try {
    check_settings(descriptor, settings);
    provider = create_provider(descriptor, library, settings);
  } catch (Refusal& refusal) {
    refusal.type = name;
    refusal.settings = true;
    throw;
  }
  try {
    sdk::ProviderInfo info = declared_info(descriptor, *provider);
    registry.add(std::move(provider), file, nullptr, std::move(info));
  } catch (const Refusal&) {
    throw;
  } catch (const std::exception& e) {
    throw Refusal{e.what()};
  }
  report.loaded.push_back(name);
}

std::vector<fs::path> plugin_files_in(const fs::path& directory) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory)) {
    const auto name = entry.path().filename().string();
    if (name.size() > 3 && name.ends_with(".so") && entry.is_regular_file())
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());  // a stable order: the first of two duplicates wins
  return files;
}

}  // namespace

PluginLoadReport load_plugins(const PluginSources& sources, const nlohmann::json& settings,
                              ProviderRegistry& registry) {
  PluginLoadReport report;
  const std::vector<fs::path> files = plugin_files(sources, report);

  std::set<fs::path> seen;
  std::set<std::string> declared;  // every type a plugin named, loaded or not
  for (const auto& file : files) {
    std::error_code ec;
    auto canonical = fs::canonical(file, ec);
    if (ec) {
      report.refused.push_back({file, "cannot open: " + ec.message(), "", false});
      continue;
    }
    if (!seen.insert(canonical).second) continue;  // the same library named twice
    try {
      load_one(file, settings, registry, report, declared);
    } catch (const Refusal& refusal) {
      report.refused.push_back({file, refusal.reason, refusal.type, refusal.settings});
    }
  }

  if (settings.is_object())
    for (const auto& [name, _] : settings.items())
      if (!declared.contains(name))
        report.warnings.push_back("settings are configured for '" + name +
                                  "', but no loaded plugin provides it");
  return report;
}

std::string plugin_type_of(const fs::path& file) {
  try {
    return open_plugin(file).descriptor->name;
  } catch (const Refusal& refusal) {
    throw std::runtime_error(refusal.reason);
  }
}

namespace plugin_steps {

const sdk::PluginDescriptor& open(const fs::path& file) {
  return *refused_as_runtime_error([&] { return open_library(file); }).descriptor;
}
void check_abi(const sdk::PluginDescriptor& d) {
  refused_as_runtime_error([&] { stopd::core::check_abi(d); });
}
void check_toolchain(const sdk::PluginDescriptor& d) {
  refused_as_runtime_error([&] { stopd::core::check_toolchain(d); });
}
void check_identity(const sdk::PluginDescriptor& d) {
  refused_as_runtime_error([&] { stopd::core::check_identity(d); });
}
void check_settings(const sdk::PluginDescriptor& d, const nlohmann::json& settings) {
  refused_as_runtime_error([&] { stopd::core::check_settings(d, settings); });
}
std::shared_ptr<sdk::IStopProvider> create(const sdk::PluginDescriptor& d,
                                           const nlohmann::json& settings) {
  // The library stays loaded for good (open keeps it), so the deleter needs no reference to it.
  return refused_as_runtime_error([&] { return create_provider(d, nullptr, settings); });
}

sdk::ProviderInfo info(const sdk::PluginDescriptor& d, const sdk::IStopProvider& provider) {
  return refused_as_runtime_error([&] { return declared_info(d, provider); });
}

}  // namespace plugin_steps

std::vector<fs::path> plugin_files(const PluginSources& sources, PluginLoadReport& report) {
  std::vector<fs::path> files;
  for (const auto& directory : sources.directories) {
    try {
      auto found = plugin_files_in(directory);
      files.insert(files.end(), found.begin(), found.end());
    } catch (const fs::filesystem_error& e) {
      report.refused.push_back(
          {directory, "cannot read plugin directory: " + e.code().message(), "", false});
    }
  }
  files.insert(files.end(), sources.files.begin(), sources.files.end());
  return files;
}

std::string host_abi_description() {
  return "stopd SDK ABI " + abi_text(sdk::kAbiMajor, sdk::kAbiMinor) + ", toolchain " +
         host_toolchain();
}

}  // namespace stopd::core
