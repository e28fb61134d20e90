// The conformance suite's side of a plugin author's work: a fixture that makes resources of the
// plugin's type and reads their state back. `stopd-conformance` loads the plugin through the real
// host (loader, dispatcher, and a stopd-plugin-host for process isolation) and checks, against
// these resources, the rules every provider must keep: schemas, stop semantics, deadline,
// cancellation, escalation, concurrency and safety. See the README's "Writing a plugin".
//
// One fixture per plugin, built as its own module with stopd_add_conformance_test() from the
// SDK's CMake package:
//
//   class LockFiles final : public stopd::conformance::Fixture {
//     nlohmann::json make_running() override { ... return {{"path", path}}; }
//     ...
//   };
//   STOPD_CONFORMANCE_FIXTURE(LockFiles)
//
// Every make_*() is called on a fresh fixture for each test, from the suite's main thread; the
// fixture is destroyed when the test ends and must release what it made then (kill a child,
// remove a file). Throw (anything) to report that a resource could not be made: the test fails
// with that message.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

namespace stopd::conformance {

class Fixture {
 public:
  virtual ~Fixture() = default;

  // The plugin's settings (`providers.<type>.settings` in a stopd config).
  virtual nlohmann::json settings() { return nlohmann::json::object(); }

  // Options sent with every stop (`StopRequest::options`).
  virtual nlohmann::json options() { return nlohmann::json::object(); }

  // A resource that runs and stops on the graceful path, well within graceful_stop_time().
  virtual nlohmann::json make_running() = 0;

  // A resource that runs and ignores the graceful path: only force stops it. nullopt when the
  // type has no such thing (its graceful stop cannot be refused); the rules that need one are
  // then skipped, and say so.
  virtual std::optional<nlohmann::json> make_stubborn() = 0;

  // A resource that exists but no longer runs: a stop answers already_stopped.
  virtual nlohmann::json make_stopped() = 0;

  // A target naming a resource that does not exist: a stop answers not_found. nullopt when the
  // type cannot tell a missing resource from a stopped one (a stop answers already_stopped).
  virtual std::optional<nlohmann::json> make_missing() = 0;

  // Whether the resource runs now, read from the backend itself. nullopt (the default): the suite
  // asks the provider's inspect() instead, which then must be implemented.
  virtual std::optional<bool> is_running(const nlohmann::json& target) {
    (void)target;
    return std::nullopt;
  }

  // The longest a graceful stop of make_running()'s resource takes on this backend.
  virtual std::chrono::milliseconds graceful_stop_time() { return std::chrono::seconds(5); }
};

}  // namespace stopd::conformance

// The fixture module's one export: creates a fresh fixture for each test.
#define STOPD_CONFORMANCE_FIXTURE(FixtureClass)                                             \
  static_assert(                                                                            \
      std::is_base_of_v<::stopd::conformance::Fixture, FixtureClass>,                       \
      "STOPD_CONFORMANCE_FIXTURE: the class must derive from stopd::conformance::Fixture"); \
  extern "C" __attribute__((visibility("default"))) ::stopd::conformance::Fixture*          \
  stopd_conformance_fixture_create() {                                                      \
    return new FixtureClass();                                                              \
  }
