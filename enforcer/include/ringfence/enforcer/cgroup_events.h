// OOM kills and pids-limit hits of a sandbox's cgroup, for the supervisor
// to record. Both versions keep counters the kernel bumps on each event;
// the watcher gives the supervisor descriptors to poll so that it hears of
// an event when it happens, and reads the counters again at the end so
// that an event the poll missed (the program died of it at once) is still
// counted.
//   v1: memory.oom_control ("oom_kill N", since 4.13) with an eventfd
//       registered in cgroup.event_control; pids.events ("max N").
//   v2: memory.events ("oom_kill N") and pids.events, both notify with
//       POLLPRI when they change.
#pragma once

#include <poll.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ringfence/enforcer/cgroup.h"
#include "ringfence/base/fd.h"
#include "ringfence/base/status.h"

namespace ringfence::enforcer {

struct CgroupCounters {
  std::uint64_t oom_kills = 0;
  std::uint64_t pids_max_hits = 0;  // forks refused at pids.max
};

// "oom_kill N" / "max N" out of the text of an events file; 0 when absent.
std::uint64_t events_counter(const std::string& text, const std::string& key);

class CgroupEvents {
 public:
  // Opens what the cgroup has: a missing controller or file means that
  // event is not watched (the cgroup may have no memory or pids limit).
  Status open(const Cgroup& cgroup);

  // Descriptors to poll; any event on one means "read the counters".
  std::vector<pollfd> poll_fds() const;
  // Every descriptor it holds (those to poll and those it reads).
  std::vector<int> fds() const;
  // Clears what made a descriptor ready (the eventfd's count).
  void acknowledge();

  CgroupCounters read() const;
  // The limits in force, as their files spell them ("16777216", "max").
  std::string memory_limit() const { return memory_limit_; }
  std::string pids_limit() const { return pids_limit_; }

 private:
  int version_ = 0;
  std::string oom_file_, pids_file_;
  Fd oom_fd_, oom_event_fd_, pids_fd_;
  std::string memory_limit_, pids_limit_;
};

}  // namespace ringfence::enforcer
