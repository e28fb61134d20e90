// "journal": where jobs are recorded, how durably, and for how long finished ones are kept.
#include <cmath>

#include "config_checks.hpp"

namespace stopd::core::config_detail {

namespace fs = std::filesystem;
using nlohmann::json;

JournalConfig parse_journal(const json* section, const fs::path& base_dir) {
  JournalConfig journal;
  if (section == nullptr) return journal;
  if (auto it = section->find("file"); it != section->end()) {
    const std::string key = "config.journal.file";
    journal.file = resolve_path(base_dir, it->get<std::string>());
    require_parent_directory(journal.file, key);
    std::error_code ec;
    const auto status = fs::status(journal.file, ec);
    if (fs::exists(status) && !fs::is_regular_file(status))
      fail(key, journal.file.string() + " exists and is not a regular file");
  }
  if (auto it = section->find("sync"); it != section->end())
    journal.sync_full = it->get<std::string>() == "full";
  if (auto it = section->find("retention_hours"); it != section->end())
    journal.retention = std::chrono::seconds(std::llround(it->get<double>() * 3600.0));
  if (auto it = section->find("prune_interval_minutes"); it != section->end())
    journal.prune_interval = std::chrono::seconds(std::llround(it->get<double>() * 60.0));
  return journal;
}

}  // namespace stopd::core::config_detail
