// example.lock_file, the minimal plugin: stopping a lock file removes it.
#include <filesystem>
#include <stopd/sdk.hpp>

using namespace stopd::sdk;

struct Lock {
  std::string path;
};
const auto kLock = Fields<Lock>().required("path", &Lock::path, text().pattern("^/.+\\.lock$"));

class LockFile final : public IStopProvider {
 public:
  static constexpr char kName[] = "example.lock_file";
  static constexpr char kVersion[] = "1.0.0";
  explicit LockFile(const ProviderConfig&) {}

  ProviderInfo info() const override {
    ProviderInfo info;
    info.target_schema = kLock.schema();
    return info;
  }

  StopOutcome stop(const StopRequest& request, StopContext&) override {
    std::error_code error;
    if (std::filesystem::remove(kLock.parse(request.target).path, error))
      return StopOutcome::make(Code::stopped, "removed");
    if (error) return StopOutcome::make(Code::internal, error.message());
    return StopOutcome::make(Code::already_stopped, "no lock file");
  }

  Inspection inspect(const nlohmann::json& target) override {
    Inspection inspection;
    const bool held = std::filesystem::exists(kLock.parse(target).path);
    inspection.state = held ? Inspection::State::running : Inspection::State::stopped;
    return inspection;
  }
};

STOPD_PLUGIN(LockFile)
