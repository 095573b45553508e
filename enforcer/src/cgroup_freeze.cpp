// The freezer: what `pause` and `resume` do to a container's cgroup. The
// kernel freezes asynchronously (v1 reports FREEZING until every task has
// stopped), so a change returns only once the kernel says it is done.
#include <time.h>

#include <chrono>

#include "file_io.h"
#include "ringfence/enforcer/cgroup.h"

namespace ringfence::enforcer {
namespace {

// v2 reports the state in cgroup.events ("frozen 0|1").
bool v2_frozen(const std::string& dir) {
  std::string events;
  if (!read_file(dir + "/cgroup.events", events)) return false;
  return events.find("frozen 1") != std::string::npos;
}

}  // namespace

bool is_frozen(const Cgroup& cg) {
  if (cg.version == 2) return !cg.dirs.empty() && v2_frozen(cg.dirs.front().second);
  const std::string dir = cg.dir_for("freezer");
  std::string state;
  return !dir.empty() && read_file(dir + "/freezer.state", state) && trimmed(state) == "FROZEN";
}

Status set_frozen(const Cgroup& cg, bool frozen) {
  std::string file, value;
  if (cg.version == 2) {
    if (cg.dirs.empty()) return Status::failure("the cgroup has no directory", ENOENT);
    file = cg.dirs.front().second + "/cgroup.freeze";
    value = frozen ? "1" : "0";
  } else {
    const std::string dir = cg.dir_for("freezer");
    if (dir.empty()) return Status::failure("no freezer cgroup controller is mounted", ENOENT);
    file = dir + "/freezer.state";
    value = frozen ? "FROZEN" : "THAWED";
  }
  // A task in an uninterruptible sleep can hold a v1 freeze in FREEZING
  // for a while: the write is repeated until the state holds, within a
  // bound, as runc does.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (true) {
    if (Status st = write_file(file, value); !st) return st;
    if (is_frozen(cg) == frozen) return {};
    if (std::chrono::steady_clock::now() > deadline)
      return Status::failure(file + ": the kernel did not reach " + value + " within 10 s", EBUSY);
    const timespec pause{0, 1000000};  // 1 ms between polls of a kernel state
    nanosleep(&pause, nullptr);
  }
}

}  // namespace ringfence::enforcer
