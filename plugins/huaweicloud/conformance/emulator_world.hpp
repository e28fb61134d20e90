// What the three Huawei Cloud conformance fixtures share: one stopd-hwcloud-emulator per
// stopd-conformance process, started on first use and stopped at exit (a fixture is made per
// test, so starting one each time would cost a process start per test), loaded with a world of
// pools of resources. Each fixture takes fresh ones from a pool, so no test sees a resource another
// test stopped, and the emulator is never reset.
//
// Built into fixture modules, which stopd-conformance dlopens beside its own gtest: this code and
// what it links (the integration tests' EmulatorProcess) must stay free of gtest.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "emulator_process.hpp"

namespace stopd::hwconformance {

// The world's project; the credentials are private to emulator_world.cpp.
inline constexpr char kProject[] = "c0f0a1b2c3d4e5f60718293a4b5c6d7e";

// The emulated services' resources, kPoolSize of each.
enum class Pool {
  idle_cluster,       // CDM, status 200 (normal), no jobs
  stopped_cluster,    // CDM, status 900
  running_instance,   // DLF, RUNNING; ends (FAILED) kInstanceStopDelayMs after its stop
  finished_instance,  // DLF, FINISHED
  running_execution,  // FunctionGraph, RUNNING
  stopped_execution,  // FunctionGraph, STOPPED
};
inline constexpr int kPoolSize = 128;
inline constexpr int kInstanceStopDelayMs = 200;
// How long one second of a CDM stop's delayTime lasts in the emulator.
inline constexpr int kCdmDelaySecondMs = 20;
inline constexpr char kScript[] = "conformance_etl";
inline constexpr char kGraph[] =
    "urn:fgs:cn-north-4:c0f0a1b2c3d4e5f60718293a4b5c6d7e:graph:conformance";

// The emulator of this process (started on the first call). Throws std::runtime_error if it
// cannot be started.
const hwtest::EmulatorProcess& emulator();

// A resource id from `pool` that no one took before in this process. Throws std::runtime_error
// naming the pool once it is used up.
std::string take(Pool pool);

// An id of the pool's kind that the world does not hold.
std::string missing_id(Pool pool);

// The plugins' settings pointing at the emulator: AK/SK signatures, fast retries and polling.
nlohmann::json settings();

// The emulator's own view (GET /_emulator/state), for resources no provider can inspect.
nlohmann::json state();

}  // namespace stopd::hwconformance
