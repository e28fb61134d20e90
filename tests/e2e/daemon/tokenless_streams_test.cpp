// Streams that need no token (a health Watch, server reflection), opened on TCP without one: each
// holds a thread of the daemon while open, so together they may hold at most
// listen.max_threads / 8; the one beyond is refused at once with RESOURCE_EXHAUSTED naming the
// limit, a closed one frees its slot, and callers with a token always get through.
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <deque>
#include <thread>

#include "daemon_harness.hpp"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "stopd/test/child_process.hpp"

namespace stopd::e2e {
namespace {

namespace health = grpc::health::v1;
namespace reflection = grpc::reflection::v1alpha;
using stopd::test::spawn_child;

constexpr const char* kToken = "ops-SECRET-streams-4b7e0d21";

// Many streams at once from one thread (the async API): each is started, asked its first answer
// (a reflection stream first asks for the service list, so its handler is known to run), and
// then left open and idle; or it was refused.
class StreamCrowd {
 public:
  enum class Kind { watch, reflection };

  ~StreamCrowd() {
    // Every call must be finished before its context goes.
    for (auto& stream : streams_) {
      if (stream->step == Step::ended) continue;
      stream->context.TryCancel();
      if (stream->step == Step::open) finish(*stream);
    }
    settle(std::chrono::seconds(60));
    queue_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) {
    }
  }

  void open(const std::shared_ptr<grpc::Channel>& channel, Kind kind) {
    auto& stream = *streams_.emplace_back(std::make_unique<Stream>());
    stream.context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
    if (kind == Kind::watch) {
      stream.watch =
          health::Health::NewStub(channel)->PrepareAsyncWatch(&stream.context, {}, &queue_);
      stream.watch->StartCall(&stream);
    } else {
      stream.reflection =
          reflection::ServerReflection::NewStub(channel)->PrepareAsyncServerReflectionInfo(
              &stream.context, &queue_);
      stream.reflection->StartCall(&stream);
    }
  }

  // Waits until no stream is still starting (each is open or refused): false after `timeout`.
  bool settle(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::system_clock::now() + timeout;
    while (busy() > 0) {
      void* tag = nullptr;
      bool ok = false;
      if (queue_.AsyncNext(&tag, &ok, until) != grpc::CompletionQueue::GOT_EVENT) return false;
      advance(*static_cast<Stream*>(tag), ok);
    }
    return true;
  }

  std::size_t open_count() const {
    return static_cast<std::size_t>(std::count_if(
        streams_.begin(), streams_.end(), [](const auto& s) { return s->step == Step::open; }));
  }
  std::vector<grpc::Status> ended() const {
    std::vector<grpc::Status> statuses;
    for (const auto& stream : streams_)
      if (stream->step == Step::ended) statuses.push_back(stream->status);
    return statuses;
  }

 private:
  enum class Step { starting, writing, reading, open, finishing, ended };
  struct Stream {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientAsyncReader<health::HealthCheckResponse>> watch;
    std::unique_ptr<grpc::ClientAsyncReaderWriter<reflection::ServerReflectionRequest,
                                                  reflection::ServerReflectionResponse>>
        reflection;
    health::HealthCheckResponse health_answer;
    reflection::ServerReflectionResponse reflection_answer;
    reflection::ServerReflectionRequest list_services;
    grpc::Status status;
    Step step = Step::starting;
  };

  std::size_t busy() const {
    return static_cast<std::size_t>(std::count_if(
        streams_.begin(), streams_.end(),
        [](const auto& s) { return s->step != Step::open && s->step != Step::ended; }));
  }

  void finish(Stream& stream) {
    stream.step = Step::finishing;
    if (stream.watch)
      stream.watch->Finish(&stream.status, &stream);
    else
      stream.reflection->Finish(&stream.status, &stream);
  }

  void read(Stream& stream) {
    stream.step = Step::reading;
    if (stream.watch)
      stream.watch->Read(&stream.health_answer, &stream);
    else
      stream.reflection->Read(&stream.reflection_answer, &stream);
  }

  void advance(Stream& stream, bool ok) {
    if (stream.step == Step::finishing) {
      stream.step = Step::ended;
      return;
    }
    if (!ok) return finish(stream);
    switch (stream.step) {
      case Step::starting:
        if (stream.watch) return read(stream);
        stream.step = Step::writing;
        stream.list_services.set_list_services("");
        return stream.reflection->Write(stream.list_services, &stream);
      case Step::writing:
        return read(stream);
      case Step::reading:
        stream.step = Step::open;
        return;
      default:
        return;
    }
  }

  grpc::CompletionQueue queue_;
  std::vector<std::unique_ptr<Stream>> streams_;
};

// A daemon on TCP with one token. Plain TCP is enough here: a TCP caller is never trusted, TLS
// or not.
class DaemonTokenlessStreams : public ::testing::Test {
 protected:
  void start(std::optional<int> max_threads = std::nullopt) {
    daemon_.config().merge_patch(json{
        {"listen", {{"tcp", "127.0.0.1:0"}, {"insecure", true}}},
        {"auth",
         {{"tokens", {{{"name", "ops"}, {"token", kToken}, {"scopes", {{{"types", {"*"}}}}}}}}}}});
    if (max_threads) daemon_.config()["listen"]["max_threads"] = *max_threads;
    daemon_.start();
    const auto port = daemon_.tcp_port();
    ASSERT_TRUE(port.has_value()) << daemon_.log();
    port_ = *port;
  }

  // A channel with a connection of its own.
  std::shared_ptr<grpc::Channel> tcp_channel() const {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port_),
                                     grpc::InsecureChannelCredentials(), arguments);
  }

  TestDaemon daemon_;
  int port_ = 0;
};

struct Watcher {
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::ClientReader<health::HealthCheckResponse>> reader;
  health::HealthCheckResponse first;
  bool open = false;
};

Watcher watch(const std::shared_ptr<grpc::Channel>& channel,
              const std::optional<std::string>& token = std::nullopt) {
  Watcher watcher{call_context(std::chrono::minutes(2), token), nullptr, {}, false};
  watcher.reader = health::Health::NewStub(channel)->Watch(watcher.context.get(), {});
  watcher.open = watcher.reader->Read(&watcher.first);
  return watcher;
}

// The status a watcher ended with, cancelling it first if it is open.
grpc::Status close(Watcher& watcher) {
  if (watcher.open) watcher.context->TryCancel();
  health::HealthCheckResponse more;
  while (watcher.reader->Read(&more)) {
  }
  return watcher.reader->Finish();
}

void expect_refused_for_the_limit(const grpc::Status& status, const std::string& limit) {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "streams without a token: the limit of " + limit))
      << describe(status);
}

// The report of issue 15: 1,100 idle health watchers without a token held all 1,024 threads (the
// default listen.max_threads), and every caller with a token got RESOURCE_EXHAUSTED. Idle
// reflection streams could do the same.
TEST_F(DaemonTokenlessStreams, ThousandsOfIdleStreamsWithoutATokenLeaveCallersWithOneThrough) {
  start();
  constexpr int kWatchers = 1100;
  constexpr int kReflectionClients = 200;
  constexpr std::size_t kLimit = 1024 / 8;
  // Several connections, as an attacker would use (and no connection's stream limit matters).
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < 10; ++i) channels.push_back(tcp_channel());

  StreamCrowd crowd;
  for (int i = 0; i < kWatchers; ++i)
    crowd.open(channels[static_cast<std::size_t>(i) % channels.size()], StreamCrowd::Kind::watch);
  for (int i = 0; i < kReflectionClients; ++i)
    crowd.open(channels[static_cast<std::size_t>(i) % channels.size()],
               StreamCrowd::Kind::reflection);
  ASSERT_TRUE(crowd.settle(std::chrono::seconds(120))) << "the streams did not all get an answer";

  EXPECT_EQ(crowd.open_count(), kLimit);
  const auto refused = crowd.ended();
  EXPECT_EQ(refused.size(), kWatchers + kReflectionClients - kLimit);
  for (const auto& status : refused) {
    expect_refused_for_the_limit(status, "128 (listen.max_threads 1024 / 8)");
    if (HasFailure()) break;
  }

  // With all of them still open (until `crowd` goes), a caller with a token is served at once.
  const auto child = spawn_child({"--exit-on-term"});
  auto stub = v1::StopService::NewStub(tcp_channel());
  v1::ListProvidersResponse providers;
  auto context = call_context(kRpcTimeout, kToken);
  grpc::Status status = stub->ListProviders(context.get(), {}, &providers);
  ASSERT_TRUE(status.ok()) << describe(status);

  v1::Job stopped;
  context = call_context(kRpcTimeout, kToken);
  status = stub->Stop(context.get(), stop_pid(child.pid(), 5.0, true), &stopped);
  ASSERT_TRUE(status.ok()) << describe(status);
  EXPECT_EQ(stopped.state(), v1::JOB_STATE_FINISHED) << stopped.DebugString();

  v1::GetJobRequest get;
  get.set_id(stopped.id());
  v1::Job job;
  context = call_context(kRpcTimeout, kToken);
  status = stub->GetJob(context.get(), get, &job);
  ASSERT_TRUE(status.ok()) << describe(status);
  EXPECT_EQ(job.id(), stopped.id());
}

// A reflection stream, open once it answered the service list.
struct ReflectionClient {
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::ClientReaderWriter<reflection::ServerReflectionRequest,
                                           reflection::ServerReflectionResponse>>
      stream;
  bool open = false;
};

ReflectionClient reflect(const std::shared_ptr<grpc::Channel>& channel) {
  ReflectionClient client{call_context(std::chrono::minutes(2)), nullptr, false};
  client.stream =
      reflection::ServerReflection::NewStub(channel)->ServerReflectionInfo(client.context.get());
  reflection::ServerReflectionRequest request;
  request.set_list_services("");
  reflection::ServerReflectionResponse response;
  client.open = client.stream->Write(request) && client.stream->Read(&response);
  return client;
}

TEST_F(DaemonTokenlessStreams, TheStreamBeyondTheLimitIsRefusedAndAClosedOneFreesItsSlot) {
  start(64);  // a limit of 8
  const std::string limit = "8 (listen.max_threads 64 / 8)";
  auto channel = tcp_channel();
  std::deque<Watcher> watchers;  // a deque: dropping the first one moves no other
  for (int i = 0; i < 7; ++i) {
    watchers.push_back(watch(channel));
    ASSERT_TRUE(watchers.back().open) << describe(close(watchers.back()));
    EXPECT_EQ(watchers.back().first.status(), health::HealthCheckResponse::SERVING);
  }
  ReflectionClient browser = reflect(channel);
  ASSERT_TRUE(browser.open) << describe(browser.stream->Finish());

  // Watchers and reflection share the limit: the ninth of either is refused at once.
  Watcher ninth = watch(channel);
  EXPECT_FALSE(ninth.open);
  expect_refused_for_the_limit(close(ninth), limit);
  ReflectionClient refused_browser = reflect(channel);
  EXPECT_FALSE(refused_browser.open);
  refused_browser.stream->WritesDone();
  expect_refused_for_the_limit(refused_browser.stream->Finish(), limit);
  // Health checks are answered at once and hold nothing: they are not limited.
  EXPECT_EQ(health_of(channel), Health::serving);

  // A caller with a token, and the trusted unix socket, are not counted.
  Watcher with_token = watch(channel, kToken);
  EXPECT_TRUE(with_token.open);
  Watcher on_the_socket = watch(daemon_.channel());
  EXPECT_TRUE(on_the_socket.open);
  ReflectionClient socket_browser = reflect(daemon_.channel());
  EXPECT_TRUE(socket_browser.open);
  socket_browser.stream->WritesDone();
  EXPECT_TRUE(socket_browser.stream->Finish().ok());
  EXPECT_EQ(close(with_token).error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(close(on_the_socket).error_code(), grpc::StatusCode::CANCELLED);

  // A reflection client that is done frees its slot before its call ends: the next stream gets it.
  browser.stream->WritesDone();
  ASSERT_TRUE(browser.stream->Finish().ok());
  watchers.push_back(watch(channel));
  EXPECT_TRUE(watchers.back().open) << describe(close(watchers.back()));

  // A watcher that goes away frees its slot once the daemon notices (it looks every 250 ms).
  EXPECT_EQ(close(watchers.front()).error_code(), grpc::StatusCode::CANCELLED);
  watchers.pop_front();
  bool reopened = false;
  for (const auto until = std::chrono::steady_clock::now() + 10s;
       !reopened && std::chrono::steady_clock::now() < until;) {
    Watcher next = watch(channel);
    reopened = next.open;
    const grpc::Status status = close(next);
    if (!reopened) {
      expect_refused_for_the_limit(status, limit);
      std::this_thread::sleep_for(20ms);
    }
  }
  EXPECT_TRUE(reopened) << "the slot of the closed watcher was not freed within 10 s";
  for (auto& watcher : watchers) close(watcher);
}

// Health watchers without a token see what they saw before the limit: SERVING, then NOT_SERVING
// when the daemon drains, and the end of the stream with the daemon.
TEST_F(DaemonTokenlessStreams, AFewWatchersSeeServingThenNotServingOnTheDrain) {
  daemon_.config()["drain_timeout_seconds"] = 1;
  start();
  std::vector<Watcher> watchers;
  for (int i = 0; i < 3; ++i) {
    watchers.push_back(watch(tcp_channel()));
    ASSERT_TRUE(watchers.back().open) << describe(close(watchers.back()));
    EXPECT_EQ(watchers.back().first.status(), health::HealthCheckResponse::SERVING);
  }
  daemon_.process().send(SIGTERM);
  for (auto& watcher : watchers) {
    health::HealthCheckResponse next;
    ASSERT_TRUE(watcher.reader->Read(&next)) << daemon_.log();
    EXPECT_EQ(next.status(), health::HealthCheckResponse::NOT_SERVING);
    EXPECT_FALSE(watcher.reader->Read(&next));
    const grpc::Status status = watcher.reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << describe(status);
  }
  const auto code = daemon_.process().wait_exit(15s);
  ASSERT_TRUE(code.has_value()) << "stopd did not exit after SIGTERM\n" << daemon_.log();
  EXPECT_EQ(*code, 0) << daemon_.log();
}

// stopd serves reflection itself (so it can count its streams): each request grpcurl makes is
// answered, errors inside the stream as the protocol has it.
TEST_F(DaemonTokenlessStreams, ReflectionAnswersEachKindOfRequestWithoutAToken) {
  start();
  ReflectionClient client = reflect(tcp_channel());
  ASSERT_TRUE(client.open) << describe(client.stream->Finish());
  auto ask = [&](const reflection::ServerReflectionRequest& request) {
    reflection::ServerReflectionResponse response;
    EXPECT_TRUE(client.stream->Write(request));
    EXPECT_TRUE(client.stream->Read(&response));
    EXPECT_EQ(response.original_request().SerializeAsString(), request.SerializeAsString());
    return response;
  };

  reflection::ServerReflectionRequest request;
  request.set_list_services("");
  auto response = ask(request);
  std::vector<std::string> services;
  for (const auto& service : response.list_services_response().service())
    services.push_back(service.name());
  std::sort(services.begin(), services.end());
  EXPECT_EQ(services,
            (std::vector<std::string>{
                "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection",
                "stopd.v1.BatchService", "stopd.v1.ScheduleService", "stopd.v1.StopService"}));

  // A file comes with every file it imports, so a client can build its descriptors.
  request.set_file_by_filename("stopd/v1/stopd.proto");
  response = ask(request);
  std::vector<std::string> files;
  for (const auto& bytes : response.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(file.ParseFromString(bytes));
    files.push_back(file.name());
  }
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(files.front(), "stopd/v1/stopd.proto");
  for (const char* import : {"google/protobuf/struct.proto", "google/protobuf/timestamp.proto"})
    EXPECT_NE(std::find(files.begin(), files.end(), import), files.end())
        << testing::PrintToString(files);

  request.set_file_containing_symbol("stopd.v1.StopService.Stop");
  response = ask(request);
  ASSERT_GT(response.file_descriptor_response().file_descriptor_proto_size(), 0)
      << response.DebugString();
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(file.ParseFromString(response.file_descriptor_response().file_descriptor_proto(0)));
  EXPECT_EQ(file.name(), "stopd/v1/stopd.proto");

  request.set_all_extension_numbers_of_type("stopd.v1.StopRequest");
  response = ask(request);
  EXPECT_EQ(response.all_extension_numbers_response().base_type_name(), "stopd.v1.StopRequest")
      << response.DebugString();

  request.set_file_containing_symbol("no.such.Symbol");
  response = ask(request);
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::NOT_FOUND)
      << response.DebugString();
  EXPECT_TRUE(contains(response.error_response().error_message(), "'no.such.Symbol'"))
      << response.DebugString();

  request.mutable_file_containing_extension()->set_containing_type("stopd.v1.StopRequest");
  request.mutable_file_containing_extension()->set_extension_number(1000);
  response = ask(request);
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::NOT_FOUND)
      << response.DebugString();

  request.Clear();
  response = ask(request);
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << response.DebugString();

  client.stream->WritesDone();
  EXPECT_TRUE(client.stream->Finish().ok());
}

}  // namespace
}  // namespace stopd::e2e
