#include "stopd/huaweicloud/client_settings.hpp"

#include <algorithm>
#include <regex>
#include <stdexcept>

namespace stopd::huaweicloud {
namespace {

[[noreturn]] void fail(const std::string& key, const std::string& message) {
  throw std::invalid_argument("settings." + key + ": " + message);
}

std::chrono::milliseconds milliseconds_field(const nlohmann::json& object, const char* name,
                                             const std::string& key,
                                             std::chrono::milliseconds fallback, long long max) {
  const auto it = object.find(name);
  if (it == object.end()) return fallback;
  if (!it->is_number_integer() || it->get<long long>() < 1 || it->get<long long>() > max)
    fail(key + name, "expected an integer from 1 to " + std::to_string(max));
  return std::chrono::milliseconds(it->get<long long>());
}

void check_endpoint(const std::string& url, const std::string& key) {
  static const std::regex kUrl(R"(^https?://[^\s/?#]+(/[^\s?#]*)?$)");
  if (!std::regex_match(url, kUrl))
    fail(key, "expected an http:// or https:// URL without query or fragment, got '" + url + "'");
}

RetrySettings parse_retry(const nlohmann::json& retry) {
  RetrySettings settings;
  if (!retry.is_object()) fail("retry", "expected an object");
  if (auto it = retry.find("max_attempts"); it != retry.end()) {
    if (!it->is_number_integer() || it->get<long long>() < 1 || it->get<long long>() > 20)
      fail("retry.max_attempts", "expected an integer from 1 to 20");
    settings.max_attempts = it->get<unsigned>();
  }
  settings.initial_backoff =
      milliseconds_field(retry, "initial_backoff_ms", "retry.", settings.initial_backoff, 60000);
  settings.max_backoff =
      milliseconds_field(retry, "max_backoff_ms", "retry.", settings.max_backoff, 300000);
  if (settings.max_backoff < settings.initial_backoff)
    fail("retry.max_backoff_ms", "must not be less than retry.initial_backoff_ms");
  return settings;
}

std::optional<RateLimit> parse_rate_limit(const nlohmann::json& limit) {
  if (!limit.is_object() || !limit.contains("requests_per_second") ||
      !limit["requests_per_second"].is_number() || limit["requests_per_second"].get<double>() < 0)
    fail("rate_limit.requests_per_second", "expected a number >= 0");
  const double rate = limit["requests_per_second"].get<double>();
  if (rate == 0) return std::nullopt;
  RateLimit parsed{rate, rate};
  if (auto it = limit.find("burst"); it != limit.end()) {
    if (!it->is_number_integer() || it->get<long long>() < 1)
      fail("rate_limit.burst", "expected an integer >= 1");
    parsed.burst = it->get<double>();
  }
  return parsed;
}

}  // namespace

std::string endpoint_for_region(std::string_view endpoint_template, std::string_view region) {
  std::string url(endpoint_template);
  const auto at = url.find("{region}");
  if (at != std::string::npos) url.replace(at, 8, region);
  return url;
}

PluginSettings parse_plugin_settings(const nlohmann::json& settings,
                                     const ServiceDefaults& defaults) {
  PluginSettings parsed;
  parsed.client.rate_limit = defaults.rate_limit;
  if (settings.is_null() || (settings.is_object() && settings.empty())) return parsed;
  if (!settings.is_object()) throw std::invalid_argument("settings: expected an object");
  static const char* const kKnown[] = {
      "endpoint",   "region",          "endpoint_template",  "auth",
      "tls",        "retry",           "connect_timeout_ms", "request_timeout_ms",
      "rate_limit", "max_connections", "poll_interval_ms"};
  for (const auto& [name, _] : settings.items())
    if (std::find(std::begin(kKnown), std::end(kKnown), name) == std::end(kKnown))
      fail(name, "unknown setting");
  parsed.configured = true;
  ClientSettings& client = parsed.client;

  const bool has_endpoint = settings.contains("endpoint");
  const bool has_region = settings.contains("region");
  if (has_endpoint && has_region) fail("endpoint", "give endpoint or region, not both");
  if (!has_endpoint && !has_region)
    fail("endpoint", "required (or region, for " + std::string(defaults.service) + "'s " +
                         std::string(defaults.endpoint_template) + ")");
  if (has_endpoint) {
    if (!settings["endpoint"].is_string()) fail("endpoint", "expected a URL string");
    client.endpoint = settings["endpoint"].get<std::string>();
    check_endpoint(client.endpoint, "endpoint");
  } else {
    static const std::regex kRegion("^[a-z0-9][a-z0-9-]{0,62}$");
    if (!settings["region"].is_string() ||
        !std::regex_match(settings["region"].get<std::string>(), kRegion))
      fail("region", "expected a region name such as cn-north-4");
    std::string endpoint_template(defaults.endpoint_template);
    if (auto it = settings.find("endpoint_template"); it != settings.end()) {
      if (!it->is_string() || it->get<std::string>().find("{region}") == std::string::npos)
        fail("endpoint_template", "expected a URL containing {region}");
      endpoint_template = it->get<std::string>();
    }
    client.endpoint = endpoint_for_region(endpoint_template, settings["region"].get<std::string>());
    check_endpoint(client.endpoint, "endpoint_template");
  }
  while (!client.endpoint.empty() && client.endpoint.back() == '/') client.endpoint.pop_back();

  if (!settings.contains("auth"))
    fail("auth", "required: {\"token\": …} or {\"access_key\": …, \"secret_key\": …}");
  client.credentials = Credentials::parse(settings["auth"], "settings.auth");

  if (auto it = settings.find("tls"); it != settings.end()) {
    if (!it->is_object()) fail("tls", "expected an object");
    if (auto ca = it->find("ca_file"); ca != it->end()) {
      if (!ca->is_string() || ca->get<std::string>().empty())
        fail("tls.ca_file", "expected the path of a PEM file");
      client.ca_file = ca->get<std::string>();
    }
    if (auto verify = it->find("verify"); verify != it->end()) {
      if (!verify->is_boolean()) fail("tls.verify", "expected true or false");
      client.verify_tls = verify->get<bool>();
    }
  }
  client.connect_timeout =
      milliseconds_field(settings, "connect_timeout_ms", "", client.connect_timeout, 600000);
  client.request_timeout =
      milliseconds_field(settings, "request_timeout_ms", "", client.request_timeout, 3600000);
  if (auto it = settings.find("retry"); it != settings.end()) client.retry = parse_retry(*it);
  if (auto it = settings.find("rate_limit"); it != settings.end())
    client.rate_limit = parse_rate_limit(*it);
  if (auto it = settings.find("max_connections"); it != settings.end()) {
    if (!it->is_number_integer() || it->get<long long>() < 1 || it->get<long long>() > 1024)
      fail("max_connections", "expected an integer from 1 to 1024");
    client.max_connections = it->get<unsigned>();
  }
  parsed.poll_interval =
      milliseconds_field(settings, "poll_interval_ms", "", parsed.poll_interval, 600000);
  return parsed;
}

}  // namespace stopd::huaweicloud
