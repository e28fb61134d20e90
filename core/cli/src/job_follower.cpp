#include "stopd/cli/job_follower.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "convert.hpp"
#include "stopd/cli/job_render.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;
namespace chrono = std::chrono;

// How often the live line is redrawn while nothing happens (its elapsed time moves on).
constexpr chrono::milliseconds kLiveRefresh{250};

core::JobEvent event_of(const v1::JobEvent& message) {
  core::JobEvent event;
  event.at = api::from_timestamp(message.at());
  event.kind = message.kind();
  event.phase = message.phase();
  event.facts = api::from_struct(message.facts());
  event.job = api::from_proto(message.job());
  return event;
}

// The live line, redrawn on every event and every kLiveRefresh by its own thread.
class LiveProgress {
 public:
  LiveProgress(const FollowOptions& options, Console& console, core::Job job)
      : options_(options), console_(console), job_(std::move(job)) {
    if (!options_.live) return;
    const bool terminal = options_.live_stream == Console::Stream::out ? console_.terminals().out
                                                                       : console_.terminals().err;
    if (terminal) thread_ = std::thread([this] { run(); });
  }
  ~LiveProgress() { stop(); }
  LiveProgress(const LiveProgress&) = delete;
  LiveProgress& operator=(const LiveProgress&) = delete;

  void update(const core::JobEvent& event) {
    std::lock_guard lock(mutex_);
    job_ = event.job;
    if (event.kind == "progress") {
      phase_ = event.phase;
      facts_ = event.facts;
    }
    changed_ = true;
    wake_.notify_one();
  }

  // Ends the thread and erases the line.
  void stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      wake_.notify_one();
    }
    thread_.join();
    console_.end_live();
  }

 private:
  void run() {
    const auto show_from = chrono::steady_clock::now() + options_.live_after;
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, kLiveRefresh, [this] { return stopping_ || changed_; });
      if (stopping_) break;
      changed_ = false;
      if (chrono::steady_clock::now() < show_from) continue;
      const std::string line = options_.live_prefix +
                               live_line(job_, phase_, facts_, chrono::system_clock::now()) +
                               " (Ctrl-C stops waiting)";
      lock.unlock();
      console_.live(options_.live_stream, line);
      lock.lock();
    }
  }

  const FollowOptions& options_;
  Console& console_;
  std::mutex mutex_;
  std::condition_variable wake_;
  core::Job job_;
  std::string phase_;
  json facts_ = json::object();
  bool changed_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

FollowResult follow_job(DaemonClient& client, const std::string& id,
                        const std::optional<core::Job>& known, const FollowOptions& options,
                        WaitInterrupter& interrupter, Console& console) {
  FollowResult result;
  if (known) {
    result.job = *known;
    if (known->is_finished()) return result;
  } else {
    result.job.id = id;
  }

  auto context = client.waiting_context();
  LiveProgress live(options, console, result.job);
  interrupter.attach(*context);
  struct Detach {
    WaitInterrupter& interrupter;
    ~Detach() { interrupter.detach(); }
  } detach{interrupter};

  auto reader = client.watch_job(*context, id);
  v1::JobEvent message;
  bool seen = false;
  bool finished = false;
  while (reader->Read(&message)) {
    const core::JobEvent event = event_of(message);
    seen = true;
    result.job = event.job;
    live.update(event);
    if (options.print_events) {
      if (console.json())
        console.out_json(event_json(event));
      else
        console.out(event_line(event));
    }
    if (event.job.is_finished()) {
      finished = true;
      break;
    }
  }
  // The finished event is the last; do not wait for the server to close the stream.
  if (finished) context->TryCancel();
  const grpc::Status status = reader->Finish();
  live.stop();
  if (finished) return result;

  if (interrupter.interrupted()) {
    result.end = FollowResult::End::interrupted;
    result.signal = interrupter.signal();
    return result;
  }
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && client.timeout()) {
    result.end = FollowResult::End::timed_out;
    return result;
  }
  if (status.ok() || (seen && status.error_code() == grpc::StatusCode::UNAVAILABLE)) {
    // The stream ended without the job finishing: the daemon is going away (or just finished
    // it as the stream closed: look once more).
    if (status.ok()) {
      result.job = api::from_proto(client.get_job(id));
      if (result.job.is_finished()) return result;
    }
    result.end = FollowResult::End::ended;
    result.message =
        status.ok() ? std::string("the watch ended") : client.redact(status.error_message());
    return result;
  }
  const CliError error = client.error(status);
  if (!seen) throw error;
  throw CliError(error.exit_code(), error.code(),
                 "lost the watch of job " + id + ": " + error.what());
}

UnfinishedWait unfinished_wait(const FollowResult& result, const DaemonClient& client) {
  const std::string& id = result.job.id;
  const std::string state(core::to_string(result.job.state));
  const std::string follow = "follow it with 'stopctl jobs watch " + id + "', cancel it with " +
                             "'stopctl jobs cancel " + id + "'";
  std::string message;
  sdk::Code code = sdk::Code::cancelled;
  switch (result.end) {
    case FollowResult::End::interrupted:
      message = std::string(signal_display_name(result.signal)) +
                " received: stopped waiting; job " + id + " keeps running in stopd (" + state +
                "); " + follow;
      break;
    case FollowResult::End::timed_out:
      code = sdk::Code::deadline_exceeded;
      message = "stopped waiting after " + format_duration(*client.timeout()) +
                " (--timeout); job " + id + " keeps running in stopd (" + state + "); " + follow;
      break;
    case FollowResult::End::ended:
      code = sdk::Code::unavailable;
      message = "stopd at " + client.endpoint() + " ended the watch before job " + id +
                " finished (" + result.message +
                "); the job stays journaled and resumes when stopd starts again; check it with "
                "'stopctl jobs show " +
                id + "'";
      break;
    case FollowResult::End::finished:  // not unfinished: callers show the outcome instead
      break;
  }
  UnfinishedWait unfinished{message, core::exit_code_for(code), {}};
  unfinished.json = error_json(sdk::to_string(code), message, unfinished.exit_code);
  unfinished.json["job_id"] = id;
  unfinished.json["job"] = core::to_json(result.job);
  return unfinished;
}

int report_unfinished_wait(const FollowResult& result, const DaemonClient& client,
                           Console& console) {
  if (result.end == FollowResult::End::finished)
    return core::exit_code_for(result.job.outcome ? result.job.outcome->code : sdk::Code::internal);
  const UnfinishedWait unfinished = unfinished_wait(result, client);
  if (console.json())
    console.out_json(unfinished.json);
  else
    console.err("stopctl: " + unfinished.message);
  return unfinished.exit_code;
}

}  // namespace stopd::cli
