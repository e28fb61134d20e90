// The daemon's backend: stopd over gRPC (DaemonClient), every answer said to come from
// "stopd at ENDPOINT".
#include <optional>

#include "convert.hpp"
#include "stopd/cli/backend.hpp"
#include "stopd/cli/daemon_client.hpp"

namespace stopd::cli {
namespace {

ProviderView view_of(const v1::Provider& p) {
  ProviderView view;
  view.name = p.name();
  view.version = p.version();
  view.description = p.description();
  view.library = p.library();
  view.capabilities.asynchronous = p.capabilities().asynchronous();
  view.capabilities.inspect = p.capabilities().inspect();
  view.capabilities.list = p.capabilities().list();
  view.capabilities.drain = p.capabilities().drain();
  view.concurrency = p.concurrency();
  view.target_schema = api::from_struct(p.target_schema());
  view.options_schema = api::from_struct(p.options_schema());
  view.selector_schema = api::from_struct(p.selector_schema());
  if (p.isolation() == "process") {
    view.isolated = true;
    view.plugin_host_state = p.plugin_host().state();
    view.plugin_host_restarts = p.plugin_host().restarts();
    view.plugin_host_last_exit = p.plugin_host().last_exit();
  }
  return view;
}

class DaemonBackend final : public Backend {
 public:
  DaemonBackend(const GlobalOptions& global, Console& console)
      : global_(global), console_(console) {}

  std::string plugins_list_command() const override { return "stopctl plugins list"; }

  std::string command_prefix() const override {
    std::string prefix = "stopctl";
    const ConnectionOptions& c = global_.connection;
    if (c.socket) prefix += " --socket " + shell_quote(*c.socket);
    if (c.address) prefix += " --address " + shell_quote(*c.address);
    if (c.insecure) prefix += " --insecure";
    if (c.tls_ca) prefix += " --tls-ca " + shell_quote(*c.tls_ca);
    if (c.tls_cert) prefix += " --tls-cert " + shell_quote(*c.tls_cert);
    if (c.tls_key) prefix += " --tls-key " + shell_quote(*c.tls_key);
    if (c.tls_server_name) prefix += " --tls-server-name " + shell_quote(*c.tls_server_name);
    if (c.token_file) prefix += " --token-file " + shell_quote(*c.token_file);
    return prefix;
  }

  ProviderListing list_providers() override {
    DaemonClient& client = this->client();
    const v1::ListProvidersResponse response = client.list_providers();
    ProviderListing listing;
    for (const auto& provider : response.providers())
      listing.providers.push_back(view_of(provider));
    for (const auto& r : response.refused()) listing.refused.push_back({r.file(), r.reason()});
    listing.none_loaded = "stopd at " + client.endpoint() + " has no provider loaded";
    listing.refused_heading = "Refused plugins (by stopd at " + client.endpoint() + "):";
    listing.json = {{"daemon", client.endpoint()}};
    return listing;
  }

  ProviderLookup find_provider(const std::string& name) override {
    DaemonClient& client = this->client();
    ProviderLookup lookup;
    std::string why;
    if (std::optional<v1::Provider> found = client.find_provider(name, why))
      lookup.provider = view_of(*found);
    else
      lookup.unknown = ": stopd at " + client.endpoint() + " says: " + why;
    return lookup;
  }

 private:
  DaemonClient& client() {
    if (!client_) client_.emplace(global_, console_);
    return *client_;
  }

  const GlobalOptions& global_;
  Console& console_;
  std::optional<DaemonClient> client_;
};

}  // namespace

std::unique_ptr<Backend> make_daemon_backend(const GlobalOptions& global, Console& console) {
  return std::make_unique<DaemonBackend>(global, console);
}

}  // namespace stopd::cli
