// stopd's end of one running stopd-plugin-host: the process, and the session (plugin_host.proto)
// on the socket pair it inherited. One thread of its own reads the session (FrameSocket): it
// hands each message the plugin host sends to `on_message`, answers ask(), and ends the session
// when the process goes. Sending never waits for the plugin host (BatchedWriter).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "plugin_process.hpp"
#include "stopd/plugin/v1/plugin_host.pb.h"

namespace stopd::core {

// A plugin host process that was started, and stopd's end of its socket, before any session: a
// spare kept ready (loading stopd-plugin-host's shared libraries is most of a start) costs no
// thread until it is used.
struct StartedHost {
  // Throws what PluginProcess throws, or std::runtime_error.
  explicit StartedHost(const PluginProcessSpec& spec);
  ~StartedHost();  // closes the socket if no session took it; the process is killed and reaped
  StartedHost(StartedHost&& other) noexcept;
  StartedHost& operator=(StartedHost&&) = delete;

  std::unique_ptr<PluginProcess> process;
  int socket = -1;
};

class HostConnection {
 public:
  using OnMessage =
      std::function<void(const stopd::plugin::v1::PluginMessage&, const HostConnection&)>;

  // Starts the session with `host`.
  HostConnection(StartedHost host, OnMessage on_message);
  ~HostConnection();  // disconnect()
  HostConnection(const HostConnection&) = delete;
  HostConnection& operator=(const HostConnection&) = delete;

  const PluginProcess& process() const;

  // The plugin host's answer to `open`: its Opened, or nullopt when the session ended first.
  std::future<std::optional<stopd::plugin::v1::Opened>>& opened();

  // Queues one message, which `fill` writes (under the writer's lock: what it reads is ordered
  // with other sends). False once the session is ending. `defer`: more are likely to follow at
  // once, gather them (see BatchedWriter::add).
  bool send(const std::function<void(stopd::plugin::v1::HostMessage&)>& fill, bool defer = false);
  // Sends a request the plugin host answers with one message (inspect, list): `fill` sets it,
  // with the call number given. Returns the answer; throws std::runtime_error when none came
  // within `timeout` or the session ended first.
  stopd::plugin::v1::PluginMessage ask(
      const std::function<void(stopd::plugin::v1::HostMessage&, std::uint64_t call)>& fill,
      std::chrono::milliseconds timeout);

  // Half-closes the session after what is queued: the plugin host exits when it reads that.
  void close();

  // Kills the process unless it is already being ended for a reason; the first reason stays,
  // with `label` for the metrics.
  void end(std::string because, std::string label);
  // The label of the reason stopd ended it for; empty when it ended by itself.
  std::string end_label() const;

  // Kills and reaps the process, then ends the session and its thread. Returns how it ended
  // ("SIGSEGV", or stopd's reason with it). Idempotent; bounded (the process is SIGKILLed).
  std::string disconnect();

  struct Session;

 private:
  std::unique_ptr<PluginProcess> process_;
  std::unique_ptr<Session> session_;
  mutable std::mutex mutex_;
  std::string ended_because_;
  std::string end_label_;
  std::optional<std::string> disconnected_;  // how it ended, once disconnect() ran
};

}  // namespace stopd::core
