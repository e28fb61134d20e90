#include "stopd/cli/console.hpp"

namespace stopd::cli {

void Console::out(std::string_view line) {
  std::lock_guard lock(mutex_);
  out_ << line << '\n';
  out_.flush();
}

void Console::err(std::string_view line) {
  std::lock_guard lock(mutex_);
  err_ << line << '\n';
  err_.flush();
}

void Console::out_json(const nlohmann::json& value) {
  out(json_text(value));
}

}  // namespace stopd::cli
