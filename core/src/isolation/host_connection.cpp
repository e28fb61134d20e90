#include "host_connection.hpp"

#include <fcntl.h>
#include <grpcpp/alarm.h>
#include <grpcpp/create_channel_posix.h>
#include <grpcpp/grpcpp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include "batched_writer.hpp"

namespace stopd::core {
namespace {

namespace pb = stopd::plugin::v1;
using namespace std::chrono_literals;

// The most stopd reads in one message from a plugin host (a batch of at most
// BatchedWriter::kMaxBatch messages): past it the session breaks and the process is ended, so a
// plugin cannot make stopd allocate without bound. What stopd sends is its own: no limit.
constexpr int kMaxReceivedBytes = 256 * 1024 * 1024;

}  // namespace

struct HostConnection::Session {
  using Stream = grpc::ClientAsyncReaderWriter<pb::HostMessages, pb::PluginMessages>;

  // Completion queue tags: the addresses of these, one per kind of operation.
  char started_tag = 0;
  char read_tag = 0;
  char write_tag = 0;
  char finished_tag = 0;
  char flush_tag = 0;

  // Declared before the call and the channel, destroyed after them.
  grpc::CompletionQueue queue;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::PluginHost::Stub> stub;
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream;
  grpc::Alarm flush_alarm;  // wakes this thread to write what deferred sends gathered
  BatchedWriter<pb::HostMessages, Stream> writer{
      &write_tag, [this] { flush_alarm.Set(&queue, gpr_now(GPR_CLOCK_MONOTONIC), &flush_tag); }};
  OnMessage on_message;

  std::promise<std::optional<pb::Opened>> opened_promise;
  std::future<std::optional<pb::Opened>> opened = opened_promise.get_future();
  bool answered = false;

  // Completion-queue thread only.
  pb::PluginMessages received;
  grpc::Status status;
  bool reading = true;
  bool finishing = false;

  std::thread thread;

  void run(HostConnection& connection) {
    void* tag = nullptr;
    bool ok = false;
    while (queue.Next(&tag, &ok)) {
      if (tag == &started_tag) {
        if (!ok) {
          stream_ended(connection);
          continue;
        }
        stream->Read(&received, &read_tag);
        writer.attach(*stream);
      } else if (tag == &read_tag) {
        if (!ok) {
          stream_ended(connection);
          continue;
        }
        // Stops the answers start (a retry, the next queued stop) leave as one batch.
        writer.cork();
        for (const auto& message : received.messages()) take(message, connection);
        writer.uncork();
        received.Clear();
        stream->Read(&received, &read_tag);
      } else if (tag == &write_tag) {
        writer.written(ok);
        finish_when_idle();
      } else if (tag == &flush_tag) {
        writer.flush_deferred();
      } else if (tag == &finished_tag) {
        queue.Shutdown();  // every operation has ended: Next drains, then returns false
      }
    }
  }

  void take(const pb::PluginMessage& message, const HostConnection& connection) {
    if (message.has_opened()) {
      if (!answered) opened_promise.set_value(message.opened());
      answered = true;
      return;
    }
    on_message(message, connection);
  }

  void stream_ended(HostConnection& connection) {
    reading = false;
    if (!answered) opened_promise.set_value(std::nullopt);
    answered = true;
    // A process that died closed it; one still running after a moment has a connection that
    // cannot be used: end it, so the supervisor sees it go.
    if (!connection.process().exited_within(100ms))
      connection.end("its connection to stopd broke", "disconnected");
    finish_when_idle();
  }

  // Finish() once reading has ended and no write is in flight (gRPC allows no other operation
  // beside it); its completion is the session's last.
  void finish_when_idle() {
    if (reading || finishing || !writer.seal()) return;
    finishing = true;
    stream->Finish(&status, &finished_tag);
  }
};

StartedHost::StartedHost(const PluginProcessSpec& spec) {
  int sockets[2];
  // Non-blocking, as gRPC's event engine requires of a descriptor it is handed (with a blocking
  // one its reads stall). The child's end is made non-blocking by the child.
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
  fcntl(sockets[0], F_SETFL, fcntl(sockets[0], F_GETFL) | O_NONBLOCK);
  socket = sockets[0];
}

StartedHost::StartedHost(StartedHost&& other) noexcept
    : process(std::move(other.process)), socket(std::exchange(other.socket, -1)) {}

StartedHost::~StartedHost() {
  if (socket >= 0) ::close(socket);
}

HostConnection::HostConnection(StartedHost host, OnMessage on_message)
    : process_(std::move(host.process)) {
  const int socket = std::exchange(host.socket, -1);
  session_ = std::make_unique<Session>();
  session_->on_message = std::move(on_message);
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kMaxReceivedBytes);
  arguments.SetMaxSendMessageSize(-1);
  // The channel owns the socket from here.
  session_->channel = grpc::CreateCustomInsecureChannelFromFd("plugin-host", socket, arguments);
  session_->stub = pb::PluginHost::NewStub(session_->channel);
  session_->stream = session_->stub->PrepareAsyncSession(&session_->context, &session_->queue);
  session_->stream->StartCall(&session_->started_tag);
  session_->thread = std::thread([this] { session_->run(*this); });
}

HostConnection::~HostConnection() {
  disconnect();
}

const PluginProcess& HostConnection::process() const {
  return *process_;
}

pb::PluginHost::Stub& HostConnection::stub() {
  return *session_->stub;
}

std::future<std::optional<pb::Opened>>& HostConnection::opened() {
  return session_->opened;
}

bool HostConnection::send(const std::function<void(pb::HostMessage&)>& fill, bool defer) {
  return session_->writer.add([&](pb::HostMessages& batch) { fill(*batch.add_messages()); }, defer);
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
  // The socket closed with the process, unless something it started still holds it: cancel.
  session_->context.TryCancel();
  if (session_->thread.joinable() && session_->thread.get_id() != std::this_thread::get_id())
    session_->thread.join();
  std::lock_guard lock(mutex_);
  disconnected_ = ended_because_.empty() ? how : ended_because_ + " (" + how + ")";
  return *disconnected_;
}

}  // namespace stopd::core
