// What a schema cannot check about `needs:`: that every step named exists, that no step needs
// one of a later wave, and that needs form no cycle.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "stopd/batch/batch_plan.hpp"

namespace stopd::core::batch {

// Each problem names the steps involved ("needs form a cycle: a → b → a"); empty when none.
std::vector<std::string> dependency_problems(const BatchPlan& plan, std::string_view source);

}  // namespace stopd::core::batch
