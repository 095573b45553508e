#include "ringfence/enforcer/process.h"
#include "ringfence/base/paths.h"

#include <dirent.h>
#include <sched.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/core.h>

#include "file_io.h"

namespace ringfence::enforcer {

Status set_not_dumpable() {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return Status::from_errno("prctl(PR_SET_DUMPABLE, 0)");
  return {};
}

Status set_hostname(const policy::HostnameParams& params) {
  if (sethostname(params.hostname.data(), params.hostname.size()) != 0)
    return Status::from_errno("sethostname " + params.hostname);
  return {};
}

Status close_descriptors(const std::vector<int>& keep) {
  std::vector<int> sorted = keep;
  std::sort(sorted.begin(), sorted.end());
  // close_range over the gaps between the descriptors to keep.
  unsigned from = 3;
  for (int fd : sorted) {
    if (fd < 3) continue;
    if (static_cast<unsigned>(fd) > from && close_range(from, static_cast<unsigned>(fd) - 1, 0) != 0)
      return Status::from_errno("close_range");
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return Status::from_errno(fmt::format("mark fd {} close-on-exec", fd));
    from = static_cast<unsigned>(fd) + 1;
  }
  if (close_range(from, ~0U, 0) != 0) return Status::from_errno("close_range");
  return {};
}

Status enter_cwd(const policy::CwdParams& params) {
  // Resolved inside the new root: after pivot_root, "/" is the sandbox's.
  if (chdir(params.cwd.c_str()) != 0) {
    // As docker run -w and runc: a missing working directory is made
    // (by the sandbox's root, inside its own root), then entered.
    if (errno != ENOENT) return Status::from_errno("chdir " + params.cwd);
    if (Status st = make_directories(params.cwd, 0755); !st)
      return Status::failure(fmt::format("the working directory {} does not exist, and {}", params.cwd, st.message),
                             st.err);
    if (chdir(params.cwd.c_str()) != 0) return Status::from_errno("chdir " + params.cwd);
  }
  char buf[4096];
  // getcwd fails with ENOENT ("(unreachable)") for a directory outside the root.
  if (getcwd(buf, sizeof buf) == nullptr) return Status::from_errno("the working directory is outside the root");
  if (buf[0] != '/') return Status::failure("the working directory is outside the root", EXDEV);
  return {};
}

Status set_no_new_privs() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Status::from_errno("prctl(PR_SET_NO_NEW_PRIVS)");
  return {};
}

Status apply_rlimits(pid_t pid, const policy::RlimitsParams& params) {
  for (const auto& l : params.limits) {
    rlimit r{};
    r.rlim_cur = l.soft == policy::RlimitValue::kUnlimited ? RLIM_INFINITY : l.soft;
    r.rlim_max = l.hard == policy::RlimitValue::kUnlimited ? RLIM_INFINITY : l.hard;
    if (prlimit(pid, static_cast<__rlimit_resource>(l.resource), &r, nullptr) != 0) {
      const int err = errno;
      std::string why = fmt::format("prlimit {} {}:{}", l.name, l.soft, l.hard);
      if (err == EPERM) why += " (raising a hard limit needs CAP_SYS_RESOURCE, which ringfence does not have here)";
      return Status::from_errno(err, why);
    }
  }
  return {};
}

Status apply_oom_score(pid_t pid, const policy::OomScoreParams& params) {
  return write_file(fmt::format("/proc/{}/oom_score_adj", pid), std::to_string(params.adj));
}

}  // namespace ringfence::enforcer

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

#include "ringfence/base/fd.h"

namespace ringfence::enforcer {

Status bring_up_loopback() {
  Fd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return Status::from_errno("socket for configuring lo");
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0) return Status::from_errno("read the flags of lo");
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP | IFF_RUNNING);
  if (ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0) return Status::from_errno("bring lo up");
  return {};
}

Status make_time_namespace(const policy::TimeNamespaceParams& params) {
  constexpr int kCloneNewTime = 0x00000080;  // CLONE_NEWTIME (Linux 5.6)
  if (unshare(kCloneNewTime) != 0) return Status::from_errno("create the time namespace");
  // One line per clock, "CLOCK SECONDS NANOSECONDS", in one write.
  const std::string offsets =
      fmt::format("monotonic {} 0\nboottime {} 0\n", params.monotonic, params.boottime);
  Fd fd(open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::from_errno("open /proc/self/timens_offsets");
  if (write(fd.get(), offsets.data(), offsets.size()) != static_cast<ssize_t>(offsets.size()))
    return Status::from_errno("write the time namespace's offsets");
  return {};
}

Status start_new_session() {
  if (setsid() < 0) return Status::from_errno("setsid");
  return {};
}

}  // namespace ringfence::enforcer
