#include "host_connection.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

#include "batched_writer.hpp"
#include "frame_socket.hpp"

namespace stopd::core {
namespace {

namespace pb = stopd::plugin::v1;
using namespace std::chrono_literals;

// The longest frame stopd reads from a plugin host (a batch of at most BatchedWriter::kMaxBatch
// messages): past it the session breaks and the process is ended, so a plugin cannot make stopd
// allocate without bound. What stopd sends is its own: no limit.
constexpr std::size_t kMaxReceivedBytes = 256 * 1024 * 1024;

}  // namespace

struct HostConnection::Session {
  Session(int fd, HostConnection& connection, OnMessage handler)
      : socket(fd, kMaxReceivedBytes,
               {.on_frame = [this, &connection](const char* data,
                                                std::size_t size) { read(data, size, connection); },
                .on_written = [this](bool ok) { writer.written(ok); },
                .on_wake = [this] { writer.flush_deferred(); },
                .on_closed = [this, &connection](const std::string&) { ended(connection); }}),
        on_message(std::move(handler)) {}

  FrameSocket socket;
  BatchedWriter<pb::HostMessages, FrameSocket> writer{[this] { socket.wake(); }};
  OnMessage on_message;

  std::promise<std::optional<pb::Opened>> opened_promise;
  std::future<std::optional<pb::Opened>> opened = opened_promise.get_future();
  bool answered = false;  // the socket's thread only

  std::mutex asks_mutex;  // guards the three below
  std::unordered_map<std::uint64_t, std::promise<std::optional<pb::PluginMessage>>> asks;
  std::uint64_t next_ask = 1;
  bool over = false;  // the session ended: no answer will come

  pb::PluginMessages received;  // the socket's thread only
  std::thread thread;

  void read(const char* data, std::size_t size, HostConnection& connection) {
    if (!received.ParseFromArray(data, static_cast<int>(size))) {
      connection.end("it sent stopd a message that is not the protocol's", "protocol");
      return;
    }
    // No cork here, unlike the plugin host: the stops these answers let start (the caller's
    // next ones, a retry) are deferred sends (IsolatedProvider::State::start) that gather while
    // this frame is handled and leave at this thread's next turn. A cork also held back the
    // caller's own writes, so the plugin host idled while stopd handled a frame: 123-137k
    // stops/s with it, 156-170k without (stopd_bench_isolation --only 2 --throughput-mode
    // process, three alternating runs).
    for (const auto& message : received.messages()) take(message, connection);
    received.Clear();
  }

  void take(const pb::PluginMessage& message, const HostConnection& connection) {
    if (message.has_opened()) {
      if (!answered) opened_promise.set_value(message.opened());
      answered = true;
    } else if (message.has_inspected()) {
      answer(message.inspected().call(), message);
    } else if (message.has_listed()) {
      answer(message.listed().call(), message);
    } else {
      on_message(message, connection);
    }
  }

  void answer(std::uint64_t call, const pb::PluginMessage& message) {
    std::lock_guard lock(asks_mutex);
    if (auto it = asks.find(call); it != asks.end()) {
      it->second.set_value(message);
      asks.erase(it);
    }
  }

  void ended(HostConnection& connection) {
    writer.seal();
    if (!answered) opened_promise.set_value(std::nullopt);
    answered = true;
    {
      std::lock_guard lock(asks_mutex);
      over = true;
      for (auto& [call, promise] : asks) promise.set_value(std::nullopt);
      asks.clear();
    }
    // A process that died closed it; one still running after a moment has a connection that
    // cannot be used: end it, so the supervisor sees it go.
    if (!connection.process().exited_within(100ms))
      connection.end("its connection to stopd broke", "disconnected");
  }
};

StartedHost::StartedHost(const PluginProcessSpec& spec) {
  int sockets[2];
  // stopd's end is made non-blocking by FrameSocket; the child's, by the child.
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
    throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
  try {
    PluginProcessSpec with_socket = spec;
    with_socket.socket_fd = sockets[1];
    process = std::make_unique<PluginProcess>(with_socket);
  } catch (...) {
    ::close(sockets[0]);
    ::close(sockets[1]);
    throw;
  }
  ::close(sockets[1]);
  socket = sockets[0];
}

StartedHost::StartedHost(StartedHost&& other) noexcept
    : process(std::move(other.process)), socket(std::exchange(other.socket, -1)) {}

StartedHost::~StartedHost() {
  if (socket >= 0) ::close(socket);
}

HostConnection::HostConnection(StartedHost host, OnMessage on_message)
    : process_(std::move(host.process)) {
  // The session owns the socket from here.
  session_ =
      std::make_unique<Session>(std::exchange(host.socket, -1), *this, std::move(on_message));
  session_->writer.attach(session_->socket);
  session_->thread = std::thread([this] { session_->socket.run(); });
}

HostConnection::~HostConnection() {
  disconnect();
}

const PluginProcess& HostConnection::process() const {
  return *process_;
}

std::future<std::optional<pb::Opened>>& HostConnection::opened() {
  return session_->opened;
}

bool HostConnection::send(const std::function<void(pb::HostMessage&)>& fill, bool defer) {
  return session_->writer.add([&](pb::HostMessages& batch) { fill(*batch.add_messages()); }, defer);
}

pb::PluginMessage HostConnection::ask(
    const std::function<void(pb::HostMessage&, std::uint64_t call)>& fill,
    std::chrono::milliseconds timeout) {
  std::future<std::optional<pb::PluginMessage>> answer;
  std::uint64_t call = 0;
  {
    std::lock_guard lock(session_->asks_mutex);
    if (session_->over) throw std::runtime_error("the session ended");
    call = session_->next_ask++;
    answer = session_->asks[call].get_future();
  }
  const auto forget = [&] {
    std::lock_guard lock(session_->asks_mutex);
    session_->asks.erase(call);
  };
  if (!send([&](pb::HostMessage& message) { fill(message, call); })) {
    forget();
    throw std::runtime_error("the session ended");
  }
  if (answer.wait_for(timeout) != std::future_status::ready) {
    forget();
    throw std::runtime_error("no answer within " + std::to_string(timeout.count() / 1000) + " s");
  }
  std::optional<pb::PluginMessage> message = answer.get();
  if (!message) throw std::runtime_error("the session ended");
  return std::move(*message);
}

void HostConnection::close() {
  session_->writer.finish();
}

void HostConnection::end(std::string because, std::string label) {
  {
    std::lock_guard lock(mutex_);
    if (ended_because_.empty()) {
      ended_because_ = std::move(because);
      end_label_ = std::move(label);
    }
  }
  process_->kill();
}

std::string HostConnection::end_label() const {
  std::lock_guard lock(mutex_);
  return end_label_;
}

std::string HostConnection::disconnect() {
  {
    std::lock_guard lock(mutex_);
    if (disconnected_) return *disconnected_;
  }
  process_->kill();
  const std::string how = process_->wait();
  // The socket closed with the process, unless something it started still holds it: stop.
  session_->socket.stop();
  if (session_->thread.joinable() && session_->thread.get_id() != std::this_thread::get_id())
    session_->thread.join();
  std::lock_guard lock(mutex_);
  disconnected_ = ended_because_.empty() ? how : ended_because_ + " (" + how + ")";
  return *disconnected_;
}

}  // namespace stopd::core
