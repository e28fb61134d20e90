// Process-wide settings of the gRPC runtime, made once before a process first uses gRPC.
#pragma once

namespace stopd::core {

// Debian's abseil is built without NDEBUG, so every absl::Mutex (gRPC's locks) records its
// lock order in a process-wide graph to detect deadlocks: a global lock on each acquisition, and
// about half of the system calls an isolated stop costs (tests/bench/isolation_bench.cpp). gRPC's
// lock order is gRPC's to get right; this turns the check off. Idempotent, thread-safe.
void prepare_grpc_runtime();

}  // namespace stopd::core
