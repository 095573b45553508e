#include "ringfence/enforcer/cgroup_events.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <sstream>

#include <fmt/core.h>

#include "file_io.h"

namespace ringfence::enforcer {
namespace {

std::string read_or_empty(const std::string& path) {
  std::string text;
  return read_file(path, text) ? text : std::string{};
}

}  // namespace

std::uint64_t events_counter(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string k;
  std::uint64_t v = 0;
  while (in >> k >> v)
    if (k == key) return v;
  return 0;
}

Status CgroupEvents::open(const Cgroup& cgroup) {
  version_ = cgroup.version;
  if (const std::string mem = cgroup.dir_for("memory"); !mem.empty()) {
    oom_file_ = mem + (version_ == 2 ? "/memory.events" : "/memory.oom_control");
    memory_limit_ = trimmed(read_or_empty(mem + (version_ == 2 ? "/memory.max" : "/memory.limit_in_bytes")));
    oom_fd_.reset(::open(oom_file_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!oom_fd_.valid()) oom_file_.clear();
    if (oom_fd_.valid() && version_ == 1) {
      // v1 signals an OOM through an eventfd registered for the file.
      oom_event_fd_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
      if (!oom_event_fd_.valid()) return Status::from_errno("eventfd");
      if (Status st = write_file(mem + "/cgroup.event_control",
                                 fmt::format("{} {}", oom_event_fd_.get(), oom_fd_.get()));
          !st)
        return st;
    }
  }
  if (const std::string pids = cgroup.dir_for("pids"); !pids.empty()) {
    pids_file_ = pids + "/pids.events";
    pids_limit_ = trimmed(read_or_empty(pids + "/pids.max"));
    pids_fd_.reset(::open(pids_file_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!pids_fd_.valid()) pids_file_.clear();
  }
  return {};
}

std::vector<pollfd> CgroupEvents::poll_fds() const {
  std::vector<pollfd> out;
  // kernfs files notify with POLLPRI (and POLLERR) when they change.
  if (oom_event_fd_.valid()) out.push_back({oom_event_fd_.get(), POLLIN, 0});
  else if (oom_fd_.valid()) out.push_back({oom_fd_.get(), POLLPRI, 0});
  if (pids_fd_.valid()) out.push_back({pids_fd_.get(), POLLPRI, 0});
  return out;
}

std::vector<int> CgroupEvents::fds() const {
  std::vector<int> out;
  for (const Fd* fd : {&oom_fd_, &oom_event_fd_, &pids_fd_})
    if (fd->valid()) out.push_back(fd->get());
  return out;
}

void CgroupEvents::acknowledge() {
  std::uint64_t count = 0;
  if (oom_event_fd_.valid()) (void)!::read(oom_event_fd_.get(), &count, sizeof count);
  // A kernfs file stays "changed" until it is read again from the start.
  for (const Fd* f : {&oom_fd_, &pids_fd_}) {
    if (!f->valid() || (f == &oom_fd_ && oom_event_fd_.valid())) continue;
    char buf[256];
    (void)!pread(f->get(), buf, sizeof buf, 0);
  }
}

CgroupCounters CgroupEvents::read() const {
  CgroupCounters c;
  if (!oom_file_.empty()) c.oom_kills = events_counter(read_or_empty(oom_file_), "oom_kill");
  if (!pids_file_.empty()) c.pids_max_hits = events_counter(read_or_empty(pids_file_), "max");
  return c;
}

}  // namespace ringfence::enforcer
