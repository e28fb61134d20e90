#include "process_selector.hpp"

#include <unistd.h>

#include <algorithm>

#include "cgroup.hpp"
#include "errors.hpp"
#include "proc_scan.hpp"
#include "proc_stat.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::process {
namespace {

using sdk::Code;
using sdk::StopError;

constexpr long long kMaxPid = 4 * 1024 * 1024;
constexpr std::size_t kMaxComm = 15;  // TASK_COMM_LEN - 1

[[noreturn]] void invalid(const std::string& message) {
  throw StopError(Code::invalid_argument, message);
}

}  // namespace

std::vector<nlohmann::json> list_matching(const nlohmann::json& selector) {
  if (!selector.is_object())
    invalid("selector: must be an object, not " + std::string(selector.type_name()));
  if (selector.size() != 1 ||
      !(selector.contains("cgroup") || selector.contains("pgid") || selector.contains("comm"))) {
    std::string keys;
    for (const auto& [key, value] : selector.items()) keys += (keys.empty() ? "" : ", ") + key;
    invalid("selector: needs exactly one of cgroup, pgid, comm" +
            (keys.empty() ? std::string() : " (found " + keys + ")"));
  }

  std::vector<pid_t> candidates;
  pid_t pgid = 0;
  std::string comm;
  if (const auto it = selector.find("cgroup"); it != selector.end()) {
    if (!it->is_string()) invalid("selector.cgroup: must be a string");
    const CgroupDir dir = open_cgroup_dir(it->get<std::string>(), "selector.cgroup");
    if (const int error = read_cgroup_pids(dir.path, candidates))
      throw_errno(error, "cannot read the processes of cgroup " + dir.path);
  } else {
    if (const auto pg = selector.find("pgid"); pg != selector.end()) {
      if (!pg->is_number_integer() || pg->get<long long>() < 1 || pg->get<long long>() > kMaxPid)
        invalid("selector.pgid: must be an integer between 1 and " + std::to_string(kMaxPid));
      pgid = static_cast<pid_t>(pg->get<long long>());
    } else {
      const auto& name = selector.at("comm");
      if (!name.is_string() || name.get_ref<const std::string&>().empty())
        invalid("selector.comm: must be a non-empty string");
      comm = name.get<std::string>();
      if (comm.size() > kMaxComm)
        invalid("selector.comm: \"" + comm +
                "\" is longer than the 15 bytes the kernel keeps of a process name");
    }
    if (const int error = list_pids(candidates)) throw_errno(error, "cannot list /proc");
  }

  std::vector<nlohmann::json> targets;
  ProcStat stat;
  for (const pid_t pid : candidates) {
    if (pid == ::getpid() || read_proc_stat(pid, stat) != 0) continue;
    if (stat.is_zombie() || stat.is_kernel_thread()) continue;
    if (pgid != 0 && stat.pgrp != pgid) continue;
    if (!comm.empty() && stat.comm != comm) continue;
    targets.push_back({{"pid", pid}, {"start_time", stat.start_time}});
  }
  return targets;
}

}  // namespace stopd::process
