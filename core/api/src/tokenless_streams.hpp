// The streams a caller may open without a token (a health Watch, server reflection) hold one of
// the server's threads for as long as they are open: every method is served synchronously
// (job_watch.hpp says why), and the threads are listen.max_threads in all. Those opened by
// callers that did not authenticate share a small cap, so that no number of them can take the
// threads that callers with a token need: the stream beyond the cap is refused at once with
// RESOURCE_EXHAUSTED. A caller that authenticates (a valid token, or the unix socket when it is
// trusted) is not counted: it could hold a thread with WatchJob anyway.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <cstddef>
#include <mutex>
#include <string_view>

#include "stopd/auth/auth.hpp"

namespace stopd::api {

// The limit is listen.max_threads / this, at least 1: 128 of the default 1,024. Such streams
// come from a few load balancers or orchestrators watching health and an operator's grpcurl: an
// eighth of the threads serves them many times over and always leaves seven eighths to callers
// with a token. It grows with listen.max_threads, so raising that for more watchers raises both.
inline constexpr int kTokenlessStreamShare = 8;

std::size_t tokenless_stream_limit(int max_threads);

class TokenlessStreams {
 public:
  TokenlessStreams(const core::Authenticator& authenticator, int max_threads);
  TokenlessStreams(const TokenlessStreams&) = delete;
  TokenlessStreams& operator=(const TokenlessStreams&) = delete;

  std::size_t limit() const { return limit_; }

  // Runs `body()`, the whole of the stream `method`: at once for a caller that authenticates,
  // within the cap for one that does not (its slot is freed when `body` returns or throws).
  template <class Body>
  grpc::Status serve(std::string_view method, const grpc::ServerContextBase& context, Body&& body) {
    if (authenticated(context)) return body();
    if (!try_open()) return refusal(method, context);
    const OpenSlot slot(*this);
    return body();
  }

 private:
  struct OpenSlot {
    explicit OpenSlot(TokenlessStreams& owner) : streams(owner) {}
    ~OpenSlot() { streams.close(); }
    OpenSlot(const OpenSlot&) = delete;
    OpenSlot& operator=(const OpenSlot&) = delete;
    TokenlessStreams& streams;
  };

  bool authenticated(const grpc::ServerContextBase& context) const;
  bool try_open();
  void close();
  // RESOURCE_EXHAUSTED, naming the limit and where it comes from.
  grpc::Status refusal(std::string_view method, const grpc::ServerContextBase& context) const;

  const core::Authenticator& authenticator_;
  const int max_threads_;
  const std::size_t limit_;
  std::mutex mutex_;
  std::size_t open_ = 0;
};

}  // namespace stopd::api
