// ringfence inspect NAME: one sandbox as JSON, as `docker inspect` gives a
// container: its state as observed, what it runs under (profiles, plan
// hash, applied and skipped steps), the limits its cgroup holds and the
// processes in it.
#include <filesystem>
#include <memory>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "ringfence/base/exit_codes.h"
#include "ringfence/base/text_file.h"
#include "ringfence/enforcer/cgroup.h"
#include "ringfence/runtime/state.h"
#include "sandbox_ref.h"
#include "verbs.h"

namespace ringfence::cli {
namespace {

// A cgroup file's first line, or null when the file is not there (no such
// controller, or the sandbox has ended and its cgroup is gone).
nlohmann::json cgroup_value(const enforcer::Cgroup& cgroup, const std::string& controller, const std::string& file) {
  const std::string dir = cgroup.dir_for(controller);
  if (dir.empty()) return nullptr;
  auto text = read_text_file(dir + "/" + file);
  if (!text) return nullptr;
  return text->substr(0, text->find('\n'));
}

// The block I/O throttles, one "MAJ:MIN VALUE" line per device and file
// (v1: "read_bps", "write_iops"...; v2: io.max's lines), or null when the
// sandbox has none (no blkio directory, or nothing throttled).
nlohmann::json io_of(const enforcer::Cgroup& cgroup) {
  nlohmann::json out = nlohmann::json::object();
  const std::string dir = cgroup.dir_for(cgroup.version == 2 ? "" : "blkio");
  if (dir.empty()) return nullptr;
  auto lines = [&](const std::string& file) {
    nlohmann::json list = nlohmann::json::array();
    std::istringstream in(read_text_file(dir + "/" + file).value_or(""));
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) list.push_back(line);
    return list;
  };
  if (cgroup.version == 2) {
    if (auto max = lines("io.max"); !max.empty()) out["max"] = max;
  } else {
    for (const char* kind : {"read_bps", "write_bps", "read_iops", "write_iops"})
      if (auto set = lines(fmt::format("blkio.throttle.{}_device", kind)); !set.empty()) out[kind] = set;
  }
  return out.empty() ? nlohmann::json(nullptr) : out;
}

// Each huge page size's limit, by file name ("hugetlb.2MB.limit_in_bytes"
// or "hugetlb.2MB.max"), or null when the sandbox has no hugetlb directory.
nlohmann::json hugepages_of(const enforcer::Cgroup& cgroup) {
  const std::string dir = cgroup.dir_for(cgroup.version == 2 ? "" : "hugetlb");
  if (dir.empty()) return nullptr;
  nlohmann::json out = nlohmann::json::object();
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("hugetlb.", 0) != 0 || name.find(".rsvd.") != std::string::npos) continue;
    if (!name.ends_with(".limit_in_bytes") && !name.ends_with(".max")) continue;
    out[name] = cgroup_value(cgroup, cgroup.version == 2 ? "" : "hugetlb", name);
  }
  return out.empty() ? nlohmann::json(nullptr) : out;
}

nlohmann::json limits_of(const enforcer::Cgroup& cgroup) {
  const bool v2 = cgroup.version == 2;
  return {{"memory", cgroup_value(cgroup, "memory", v2 ? "memory.max" : "memory.limit_in_bytes")},
          {"memory_swap", cgroup_value(cgroup, "memory", v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes")},
          {"pids", cgroup_value(cgroup, "pids", "pids.max")},
          {"cpu", v2 ? cgroup_value(cgroup, "cpu", "cpu.max") : cgroup_value(cgroup, "cpu", "cpu.cfs_quota_us")},
          {"io", io_of(cgroup)},
          {"hugepages", hugepages_of(cgroup)}};
}

}  // namespace

Verb add_inspect(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::string name;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("inspect", "A sandbox as JSON: state, profiles, plan hash, limits, processes");
  cmd->add_option("name", o->name, "The sandbox")->required();
  return {cmd, [o, &global] {
            auto found = find_sandbox(global, o->name);
            if (const int* code = std::get_if<int>(&found)) return *code;
            const auto seen = runtime::observe(std::get<NamedSandbox>(found).state);
            const auto& s = seen.state;
            const auto layout = enforcer::detect_cgroup_layout();
            const auto cgroup = s.cgroup_path.empty() ? enforcer::open_cgroup(layout, s.id)
                                                      : enforcer::cgroup_at(layout, s.cgroup_path);
            nlohmann::json out = {{"id", s.id},
                                  {"status", seen.status},
                                  {"pid", s.pid},
                                  {"supervisor_pid", s.supervisor_pid},
                                  {"created", s.started},
                                  {"command", s.command},
                                  {"rootfs", s.rootfs.empty() ? "host /" : s.rootfs},
                                  {"profile", s.profile},
                                  {"profiles", s.profile_refs},
                                  {"plan_sha256", s.plan_sha256},
                                  {"applied_steps", s.applied_steps},
                                  {"skipped_steps", s.skipped_steps},
                                  {"detached", s.detached},
                                  {"audit_log", s.audit_log},
                                  {"limits", limits_of(cgroup)},
                                  {"pids", enforcer::cgroup_pids(cgroup)}};
            if (s.exit_status) out["exit_status"] = *s.exit_status;
            if (!seen.note.empty()) out["note"] = seen.note;
            if (s.oci) out["bundle"] = s.bundle;
            fmt::print("{}\n", out.dump(2));
            return kExitOk;
          }};
}

}  // namespace ringfence::cli
