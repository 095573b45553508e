// THE table: which check each engine can ask for, and with which flags.
// A check absent for an engine says why (the engine's command line has no way
// to ask for it), and the test skips with that reason.
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "engines.h"

namespace ringfence::etest {
namespace {

Applies F(std::vector<std::string> flags) { return {std::move(flags), ""}; }
Applies NA(std::string why) { return {std::nullopt, std::move(why)}; }

struct Row {
  Applies podman, docker, ctr;
};

const std::map<std::string, Row>& table() {
  static const std::map<std::string, Row> rows = {
      // check                podman / docker / ctr
      {"exit_code", {F({}), F({}), F({})}},
      {"not_found", {F({}), F({}), NA("ctr exits 1 on any failed create; it has no 127")}},
      {"cap_add", {F({"--cap-add", "NET_ADMIN"}), F({"--cap-add", "NET_ADMIN"}), F({"--cap-add", "CAP_NET_ADMIN"})}},
      {"cap_drop", {F({"--cap-drop", "CHOWN"}), F({"--cap-drop", "CHOWN"}), F({"--cap-drop", "CAP_CHOWN"})}},
      {"privileged", {F({"--privileged"}), F({"--privileged"}), F({"--privileged"})}},
      // ctr sets noNewPrivileges unless --allow-new-privs.
      {"no_new_privs",
       {F({"--security-opt", "no-new-privileges"}), F({"--security-opt", "no-new-privileges"}), F({})}},
      {"seccomp_default", {F({}), F({}), F({"--seccomp"})}},
      // ctr has no seccomp filter unless --seccomp.
      {"seccomp_unconfined",
       {F({"--security-opt", "seccomp=unconfined"}), F({"--security-opt", "seccomp=unconfined"}), F({})}},
      {"seccomp_custom",
       {F({"--security-opt", "seccomp={seccomp}"}), F({"--security-opt", "seccomp={seccomp}"}),
        F({"--seccomp", "--seccomp-profile", "{seccomp}"})}},
      {"seccomp_notify",
       {F({"--security-opt", "seccomp={seccomp-notify}"}), F({"--security-opt", "seccomp={seccomp-notify}"}),
        F({"--seccomp", "--seccomp-profile", "{seccomp-notify}"})}},
      {"read_only", {F({"--read-only"}), F({"--read-only"}), F({"--read-only"})}},
      {"ipc_host", {F({"--ipc", "host"}), F({"--ipc", "host"}), NA("ctr run has no --ipc")}},
      {"ipc_private", {F({"--ipc", "private"}), F({"--ipc", "private"}), F({})}},
      {"device",
       {F({"--device", "/dev/null:/dev/xnull"}), F({"--device", "/dev/null:/dev/xnull"}),
        NA("ctr --device keeps the host path; it cannot map a device to another name")}},
      {"user", {F({"--user", "1000:1000"}), F({"--user", "1000:1000"}), NA("ctr 1.6 run has no --user")}},
      {"userns",
       {F({"--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536"}),
        NA("dockerd maps users only daemon-wide (--userns-remap): it would need a second daemon"),
        F({"--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536"})}},
      {"memory_oom", {F({"--memory", "32m"}), F({"--memory", "32m"}), F({"--memory-limit", "33554432"})}},
      // Whether the engine says so (inspect's OOMKilled) after the kill.
      {"oom_reported",
       {NA("podman 4.3 (conmon 2.1.6) reports OOMKilled=false on this cgroup v1 host although the kernel "
           "killed the process (exit 137)"),
        F({}), NA("ctr keeps no OOM state; containerd only publishes a /tasks/oom event")}},
      {"pids_limit", {F({"--pids-limit", "20"}), F({"--pids-limit", "20"}), NA("ctr 1.6 run has no pids limit")}},
      {"blkio_read_bps",
       {F({"--device-read-bps", "{disk}:1mb"}), F({"--device-read-bps", "{disk}:1mb"}),
        NA("ctr run has no block I/O flags")}},
      {"exec", {F({}), F({}), F({})}},
      {"tty", {F({}), F({}), F({})}},
      {"stop", {F({}), F({}), F({})}},
      {"kill", {F({}), F({}), F({})}},
      {"remove", {F({}), F({}), F({})}},
      {"pause", {F({}), F({}), F({})}},
      {"update_memory", {F({}), F({}), NA("ctr has no update command")}},
      {"update_blkio",
       {F({"--device-read-bps", "{disk}:2mb"}),
        NA("docker update has no device throttles, and its --blkio-weight needs a weight file this kernel's I/O "
           "scheduler does not have"),
        NA("ctr has no update command")}},
  };
  return rows;
}

// Denies mkdir with an errno no real mkdir in /tmp returns, so the message
// proves the engine passed this file to the runtime.
constexpr const char* kSeccompProfile = R"({
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18}
  ]
}
)";

// The same call sent to the runtime's monitor instead (SCMP_ACT_NOTIFY
// without a listenerPath): ringfence answers it with EPERM.
constexpr const char* kSeccompNotifyProfile = R"({
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}
  ]
}
)";

}  // namespace

const Applies& applies(const std::string& check, const std::string& engine) {
  static const Applies unknown = NA("no such check in the table");
  const auto row = table().find(check);
  if (row == table().end()) return unknown;
  if (engine == "podman") return row->second.podman;
  if (engine == "docker") return row->second.docker;
  if (engine == "ctr") return row->second.ctr;
  return unknown;
}

std::string a_disk_node() {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/sys/block", ec)) {
    const std::string node = "/dev/" + e.path().filename().string();
    if (std::filesystem::is_block_file(node, ec)) return node;
  }
  return "";
}

std::vector<std::string> expand(std::vector<std::string> flags) {
  for (auto& f : flags) {
    if (const auto at = f.find("{disk}"); at != std::string::npos) f.replace(at, 6, a_disk_node());
    for (const auto& [placeholder, file, text] :
         {std::tuple{std::string("{seccomp}"), "seccomp-mkdir.json", kSeccompProfile},
          std::tuple{std::string("{seccomp-notify}"), "seccomp-notify-mkdir.json", kSeccompNotifyProfile}}) {
      const auto at = f.find(placeholder);
      if (at == std::string::npos) continue;
      const std::string path = Engines::get().dir() + "/" + file;
      std::ofstream(path) << text;
      f.replace(at, placeholder.size(), path);
    }
  }
  return flags;
}

}  // namespace ringfence::etest
