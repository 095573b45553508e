#include "oci_sysctl.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <fmt/core.h>

#include "ringfence/base/fd.h"
#include "ringfence/enforcer/pidfd.h"

namespace ringfence::cli {

Status write_sysctls(pid_t pid, const std::map<std::string, std::string>& sysctl) {
  if (sysctl.empty()) return {};
  Fd container(enforcer::pidfd_open_process(pid));
  if (!container.valid()) return Status::from_errno("linux.sysctl: the container's process is gone");
  // The child's first failure comes back as text on this pipe.
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return Status::from_errno("linux.sysctl: pipe");
  Fd read_end(p[0]), write_end(p[1]);
  const pid_t child = fork();
  if (child < 0) return Status::from_errno("linux.sysctl: fork");
  if (child == 0) {
    auto die = [&](const std::string& why) {
      (void)!write(write_end.get(), why.data(), why.size());
      _exit(1);
    };
    if (setns(container.get(), CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) != 0)
      die(fmt::format("linux.sysctl: enter the container's namespaces: {}", strerror(errno)));
    for (const auto& [key, value] : sysctl) {
      std::string path = "/proc/sys/" + key;
      std::replace(path.begin() + 10, path.end(), '.', '/');
      const int fd = open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) die(fmt::format("linux.sysctl: {} ({}): {}", key, path, strerror(errno)));
      if (write(fd, value.data(), value.size()) != static_cast<ssize_t>(value.size()))
        die(fmt::format("linux.sysctl: {} = {}: {}", key, value, strerror(errno)));
      close(fd);
    }
    _exit(0);
  }
  write_end.reset();
  std::string why;
  char buf[512];
  ssize_t n;
  while ((n = read(read_end.get(), buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) why.append(buf, static_cast<std::size_t>(n));
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  return Status::failure(why.empty() ? "linux.sysctl: the writer died" : why, EIO);
}

}  // namespace ringfence::cli
