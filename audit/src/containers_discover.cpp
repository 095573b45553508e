// Containers as /proc shows them, and the merge with what state directories
// say. /proc is the view nothing in user space can hide from: a container
// whose engine lost or never wrote its state is still the init of a pid
// namespace.
#include <dirent.h>

#include <cctype>
#include <charconv>
#include <set>
#include <sstream>

#include <fmt/core.h>

#include "ringfence/audit/containers.h"
#include "ringfence/base/text_file.h"
#include "ringfence/enforcer/proc_parse.h"

namespace ringfence::audit {
namespace {

bool all_digits(const char* s) {
  if (*s == '\0') return false;
  for (; *s; ++s)
    if (!std::isdigit(static_cast<unsigned char>(*s))) return false;
  return true;
}

std::uint64_t start_time_of(const std::string& proc, pid_t pid) {
  auto stat = read_text_file(fmt::format("{}/{}/stat", proc, pid));
  return stat ? enforcer::stat_start_time(*stat) : 0;
}

}  // namespace

std::vector<FoundContainer> pid_namespace_inits(const std::string& proc) {
  std::vector<FoundContainer> out;
  DIR* d = opendir(proc.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = readdir(d)) {
    if (!all_digits(e->d_name)) continue;
    const std::string dir = proc + "/" + e->d_name;
    auto status = read_text_file(dir + "/status");
    if (!status) continue;  // gone since readdir
    const auto fields = enforcer::parse_status(*status);
    const auto it = fields.find("NSpid");
    if (it == fields.end()) continue;
    // "NSpid: 4242 1": pid 4242 here, 1 in the namespace directly below
    // ours. Deeper inits (a container's own containers) belong to the
    // container that holds them, and are judged as part of it.
    std::istringstream ids(it->second);
    std::vector<std::string> levels;
    for (std::string id; ids >> id;) levels.push_back(id);
    pid_t pid = 0;
    const auto& host = levels.empty() ? std::string() : levels[0];
    if (levels.size() != 2 || levels[1] != "1" ||
        std::from_chars(host.data(), host.data() + host.size(), pid).ec != std::errc() || pid <= 0)
      continue;
    FoundContainer c;
    c.ref.pid = pid;
    c.ref.id = fmt::format("pid-{}", c.ref.pid);
    c.ref.engine = "unknown";
    c.ref.source = "/proc";
    c.start_time = start_time_of(proc, c.ref.pid);
    if (const auto name = fields.find("Name"); name != fields.end()) c.ref.name = name->second;
    out.push_back(std::move(c));
  }
  closedir(d);
  return out;
}

void check_running(std::vector<FoundContainer>& found, const std::string& proc) {
  for (auto& c : found) {
    const std::uint64_t now = c.ref.pid > 0 ? start_time_of(proc, c.ref.pid) : 0;
    c.running = now != 0 && (c.start_time == 0 || c.start_time == now);
    if (now == 0)
      c.note = "not running (it has exited)";
    else if (!c.running)
      c.note = "not running (its pid now belongs to another process)";
    if (c.start_time == 0) c.start_time = now;
  }
}

std::vector<FoundContainer> merge_containers(std::vector<FoundContainer> from_state,
                                             std::vector<FoundContainer> from_proc) {
  std::vector<FoundContainer> out;
  std::set<pid_t> claimed;
  for (auto& c : from_state) {
    // A stopped container's pid claims nothing: it may be another's now.
    if (c.running && !claimed.insert(c.ref.pid).second) continue;
    out.push_back(std::move(c));
  }
  for (auto& c : from_proc)
    if (claimed.insert(c.ref.pid).second) out.push_back(std::move(c));
  return out;
}

}  // namespace ringfence::audit
