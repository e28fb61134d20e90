#include "stopd/cri/cri_ids.hpp"

#include <algorithm>

namespace stopd::cri {

bool is_valid_id(std::string_view id) {
  return id.size() >= 12 && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace stopd::cri
