// The host's log, as seen by a plugin. Messages go to the host's structured log with the
// plugin's name (and, through StopContext::log, the stop's id) attached.
#pragma once

#include <boost/config.hpp>
#include <string_view>

namespace stopd::sdk {

enum class LogLevel { trace, debug, info, warn, error };

class BOOST_SYMBOL_VISIBLE Logger {
 public:
  virtual ~Logger() = default;
  virtual void log(LogLevel level, std::string_view message) = 0;
  // Cheap check so a plugin can skip formatting a message nobody will see.
  virtual bool enabled(LogLevel level) const = 0;
};

}  // namespace stopd::sdk
