#include "stopd/cli/plugins_command.hpp"

#include <algorithm>
#include <cctype>

#include "stopd/cli/cli_error.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxExamples = 5;

std::string first_sentence(const std::string& text, std::size_t max) {
  std::string sentence = text.substr(0, text.find('\n'));
  if (auto end = sentence.find(". "); end != std::string::npos) sentence.resize(end + 1);
  if (sentence.size() > max) sentence = sentence.substr(0, max - 3) + "...";
  return sentence;
}

std::string capabilities_text(const sdk::Capabilities& c) {
  std::string out = c.asynchronous ? "asynchronous" : "synchronous";
  if (c.inspect) out += ", inspect (dry runs look at the resource)";
  if (c.list) out += ", list (selectors)";
  if (c.drain) out += ", drain (--grace unbounded)";
  return out;
}

json capabilities_json(const sdk::Capabilities& c) {
  return json{{"asynchronous", c.asynchronous},
              {"inspect", c.inspect},
              {"list", c.list},
              {"drain", c.drain}};
}

json provider_summary_json(const ProviderView& p) {
  json out{{"name", p.name},
           {"version", p.version},
           {"description", p.description},
           {"asynchronous", p.capabilities.asynchronous},
           {"library", p.library},
           {"isolation", p.isolated ? "process" : "in_process"}};
  if (p.isolated)
    out["plugin_host"] = {{"state", p.plugin_host_state},
                          {"restarts", p.plugin_host_restarts},
                          {"last_exit", p.plugin_host_last_exit}};
  return out;
}

// "in-process", "running", "restarting (3 restarts, last: SIGSEGV)".
std::string state_text(const ProviderView& p) {
  if (!p.isolated) return "in-process";
  std::string text = p.plugin_host_state;
  if (p.plugin_host_restarts > 0)
    text += " (" + std::to_string(p.plugin_host_restarts) + " restart" +
            (p.plugin_host_restarts == 1 ? "" : "s") + ", last: " + p.plugin_host_last_exit + ")";
  return text;
}

// The providers table and the refused plugins, as both sources print them.
void print_provider_table(const std::vector<ProviderView>& providers, Console& console) {
  // The cells as printed (escaped), so the columns line up.
  std::vector<std::pair<std::string, std::string>> names;
  std::size_t name_width = 8;
  std::size_t version_width = 7;
  for (const auto& p : providers) {
    names.emplace_back(core::printable(p.name), core::printable(p.version));
    name_width = std::max(name_width, names.back().first.size());
    version_width = std::max(version_width, names.back().second.size());
  }
  const auto pad = [](const std::string& s, std::size_t width) {
    return s + std::string(width > s.size() ? width - s.size() : 0, ' ');
  };
  std::vector<std::string> states;
  std::size_t state_width = 5;
  for (const auto& p : providers) {
    states.push_back(core::printable(state_text(p)));
    state_width = std::max(state_width, states.back().size());
  }
  console.out(pad("PROVIDER", name_width) + "  " + pad("VERSION", version_width) + "  MODE   " +
              pad("STATE", state_width) + "  DESCRIPTION");
  for (std::size_t i = 0; i < providers.size(); ++i)
    console.out(pad(names[i].first, name_width) + "  " + pad(names[i].second, version_width) +
                "  " + (providers[i].capabilities.asynchronous ? "async  " : "sync   ") +
                pad(states[i], state_width) + "  " + first_sentence(providers[i].description, 100));
}

void print_refused(const std::vector<RefusedPlugin>& refused, const std::string& title,
                   Console& console) {
  if (refused.empty()) return;
  console.out("");
  console.out(title);
  for (const auto& r : refused) console.out("  " + r.file + ": " + r.reason);
}

// A placeholder value for one target key: the schema's own example or default if it has one.
std::string example_value(const std::string& key, const json& schema) {
  const json* property = nullptr;
  if (auto properties = schema.find("properties");
      properties != schema.end() && properties->is_object() && properties->contains(key))
    property = &(*properties)[key];
  if (property != nullptr && property->is_object()) {
    for (const char* source : {"examples", "default"}) {
      auto it = property->find(source);
      if (it == property->end()) continue;
      const json& value = it->is_array() && !it->empty() ? it->front() : *it;
      if (value.is_string()) return value.get<std::string>();
      if (!value.is_structured() && !value.is_null()) return json_text(value);
    }
    std::string type;
    if (auto t = property->find("type"); t != property->end()) {
      if (t->is_string()) type = t->get<std::string>();
      if (t->is_array() && !t->empty() && t->front().is_string())
        type = t->front().get<std::string>();
    }
    if (type == "string")
      if (auto pattern = property->find("pattern");
          pattern != property->end() && pattern->is_string() && pattern->get<std::string>() == "^/")
        return key.find("path") != std::string::npos ? "/absolute/path" : "/path/to/" + key;
    if (type == "integer") return "4242";
    if (type == "number") return "1.5";
    if (type == "boolean") return "true";
  }
  std::string upper = key;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper;
}

std::vector<std::string> required_keys(const json& schema) {
  std::vector<std::string> keys;
  if (auto required = schema.find("required"); required != schema.end() && required->is_array())
    for (const auto& key : *required)
      if (key.is_string()) keys.push_back(key.get<std::string>());
  return keys;
}

// Resolves a local "$ref": "#/definitions/x" or "#/$defs/x"; anything else is returned as is.
const json& resolve_ref(const json& alternative, const json& root) {
  auto ref = alternative.find("$ref");
  if (ref == alternative.end() || !ref->is_string()) return alternative;
  const std::string pointer = ref->get<std::string>();
  if (pointer.rfind("#/", 0) != 0) return alternative;
  try {
    const json& target = root.at(json::json_pointer(pointer.substr(1)));
    return target.is_object() ? target : alternative;
  } catch (const json::exception&) {
    return alternative;
  }
}

// `text` wrapped at `width` columns, every line starting with `indent`.
std::vector<std::string> wrap(const std::string& text, std::size_t width,
                              const std::string& indent) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find_first_of(" \n", start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (!line.empty() && indent.size() + line.size() + 1 + word.size() > width) {
      lines.push_back(indent + line);
      line.clear();
    }
    if (!word.empty()) line += (line.empty() ? "" : " ") + word;
    if (end < text.size() && text[end] == '\n' && !line.empty()) {
      lines.push_back(indent + line);
      line.clear();
    }
    start = end + 1;
  }
  if (!line.empty()) lines.push_back(indent + line);
  return lines;
}

// One line per property of an object schema: "pid  integer  required  A process id."
std::vector<std::string> key_lines(const json& schema) {
  std::vector<std::string> lines;
  auto properties = schema.find("properties");
  if (properties == schema.end() || !properties->is_object()) return lines;
  const auto required = required_keys(schema);
  std::size_t width = 0;
  for (const auto& [key, _] : properties->items()) width = std::max(width, key.size());
  for (const auto& [key, property] : properties->items()) {
    std::string type = "any";
    std::string description;
    if (property.is_object()) {
      if (auto t = property.find("type"); t != property.end())
        type = t->is_string() ? t->get<std::string>() : json_text(*t);
      if (auto d = property.find("description"); d != property.end() && d->is_string())
        description = first_sentence(d->get<std::string>(), 80);
    }
    const bool is_required = std::find(required.begin(), required.end(), key) != required.end();
    std::string line = "  " + key + std::string(width - key.size(), ' ') + "  " + type;
    line += std::string(type.size() < 8 ? 8 - type.size() : 1, ' ');
    line += is_required ? "required  " : "          ";
    lines.push_back(line + description);
  }
  return lines;
}

}  // namespace

std::vector<std::string> example_command_lines(const ProviderView& provider,
                                               const std::string& stopctl) {
  const json& schema = provider.target_schema;
  const std::string prefix = stopctl + " stop " + shell_quote(provider.name);

  std::vector<std::vector<std::string>> key_sets;
  for (const char* combinator : {"oneOf", "anyOf"}) {
    auto alternatives = schema.find(combinator);
    if (alternatives == schema.end() || !alternatives->is_array()) continue;
    for (const auto& alternative : *alternatives) {
      if (!alternative.is_object()) continue;
      auto keys = required_keys(resolve_ref(alternative, schema));
      for (const auto& key : required_keys(schema))
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
      if (!keys.empty()) key_sets.push_back(std::move(keys));
    }
    if (!key_sets.empty()) break;
  }
  if (key_sets.empty()) {
    auto keys = required_keys(schema);
    if (keys.empty())
      if (auto properties = schema.find("properties");
          properties != schema.end() && properties->is_object() && !properties->empty())
        keys.push_back(properties->begin().key());
    key_sets.push_back(std::move(keys));
  }

  std::vector<std::string> commands;  // the stop command with the target's keys
  for (const auto& keys : key_sets) {
    if (commands.size() >= kMaxExamples) break;
    std::string command = prefix;
    for (const auto& key : keys)
      command += " " + shell_quote(key + "=" + example_value(key, schema));
    commands.push_back(std::move(command));
  }
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < commands.size(); ++i)
    lines.push_back(commands[i] + (i == 0 ? " --grace 10" : ""));
  if (provider.capabilities.inspect && !commands.empty())
    lines.push_back(commands.front() + " --dry-run");
  return lines;
}

namespace {

void print_description(const ProviderView& provider, const std::vector<std::string>& examples,
                       Console& console) {
  if (console.json()) {
    json out = provider_summary_json(provider);
    out["capabilities"] = capabilities_json(provider.capabilities);
    out["concurrency"] = provider.concurrency;
    if (provider.default_concurrency) out["default_concurrency"] = *provider.default_concurrency;
    if (provider.max_attempts) out["max_attempts"] = *provider.max_attempts;
    out["target_schema"] = provider.target_schema;
    out["options_schema"] = provider.options_schema;
    out["selector_schema"] = provider.selector_schema;
    out["examples"] = examples;
    console.out_json(out);
    return;
  }
  console.out(provider.name + " " + provider.version);
  for (const auto& line : wrap(provider.description, 100, "  ")) console.out(line);
  console.out("");
  console.out("library:       " +
              (provider.library.empty() ? std::string("(built into the host)") : provider.library));
  console.out("capabilities:  " + capabilities_text(provider.capabilities));
  console.out("isolation:     " + std::string(provider.isolated
                                                  ? "process (" + state_text(provider) + ")"
                                                  : "in_process"));
  std::string concurrency = std::to_string(provider.concurrency) + " stops at once";
  if (provider.default_concurrency)
    concurrency += provider.concurrency != *provider.default_concurrency
                       ? " (configured; the provider's default is " +
                             std::to_string(*provider.default_concurrency) + ")"
                       : std::string(" (the provider's default)");
  console.out("concurrency:   " + concurrency);
  if (provider.max_attempts)
    console.out(
        "max attempts:  " + std::to_string(*provider.max_attempts) +
        (provider.max_attempts_configured ? " (configured)" : " (the dispatcher's default)"));
  const auto schema = [&](const char* title, const json& value) {
    console.out("");
    console.out(std::string(title) + ":");
    for (const auto& line : key_lines(value)) console.out(line);
    console.out_lines(pretty_json(value, "  "));
  };
  schema("target schema (stop TYPE KEY=VALUE...)", provider.target_schema);
  schema("options schema (--option KEY=VALUE)", provider.options_schema);
  schema("selector schema", provider.selector_schema);
  console.out("");
  console.out("examples:");
  for (const auto& line : examples) console.out("  " + line);
}

}  // namespace

int run_plugins_list(const GlobalOptions& global, Console& console) {
  const std::unique_ptr<Backend> backend = make_backend(global, console);
  const ProviderListing listing = backend->list_providers();
  if (console.json()) {
    json out = listing.json;
    out["providers"] = json::array();
    out["refused"] = json::array();
    for (const auto& provider : listing.providers)
      out["providers"].push_back(provider_summary_json(provider));
    for (const auto& r : listing.refused)
      out["refused"].push_back({{"file", r.file}, {"reason", r.reason}});
    console.out_json(out);
    return core::exit_code::ok;
  }
  if (listing.providers.empty())
    console.out(listing.none_loaded);
  else
    print_provider_table(listing.providers, console);
  print_refused(listing.refused, listing.refused_heading, console);
  if (!listing.warnings.empty()) {
    console.out("");
    console.out("Warnings:");
    for (const auto& warning : listing.warnings) console.out("  " + warning);
  }
  return core::exit_code::ok;
}

int run_plugins_describe(const GlobalOptions& global, const DescribeArguments& args,
                         Console& console) {
  const std::unique_ptr<Backend> backend = make_backend(global, console);
  // An empty NAME is a slip on the command line, not a provider to look for.
  if (args.name.empty())
    throw outcome_error(
        sdk::Code::invalid_argument,
        "NAME is empty: name a provider ('" + backend->plugins_list_command() + "' shows them)");
  const ProviderLookup found = backend->find_provider(args.name);
  // An unknown name is a bad argument (not a missing resource).
  if (!found.provider)
    throw outcome_error(sdk::Code::invalid_argument,
                        "no provider named '" + shorten(args.name, 100) + "'" + found.unknown);
  print_description(*found.provider,
                    example_command_lines(*found.provider, backend->command_prefix()), console);
  return core::exit_code::ok;
}

}  // namespace stopd::cli
