// The baseline of bench/notify.sh: a bare supervisor loop that only
// receives and answers seccomp notifications (poll, RECV, ID_VALID, SEND),
// recording nothing. It runs the same burst program as the ringfence run
// (tests/integration/notify_burst.c), under a filter with the same notify
// rule, and prints what the burst prints (its calls per second).
//
//   notify_bare BURST CALLS
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: notify_bare BURST CALLS\n");
    return 2;
  }
  int go[2], back[2];
  if (pipe(go) != 0 || pipe(back) != 0) return 1;
  const pid_t child = fork();
  if (child == 0) {
    close(go[1]);
    close(back[0]);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(mkdirat), 0);
    seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(mkdir), 0);
    if (seccomp_load(ctx) != 0) _exit(3);
    const int fd = seccomp_notify_fd(ctx);
    if (write(back[1], &fd, sizeof fd) != sizeof fd) _exit(4);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(4);  // the parent has the listener
    execl(argv[1], argv[1], argv[2], static_cast<char*>(nullptr));
    _exit(127);
  }
  close(go[0]);
  close(back[1]);
  int child_fd = -1;
  if (read(back[0], &child_fd, sizeof child_fd) != sizeof child_fd || child_fd < 0) {
    std::fprintf(stderr, "notify_bare: the child could not load its filter\n");
    return 1;
  }
  // The supervisor's copy of the listener, as ringfence receives it.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child, 0));
  const int listener = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, child_fd, 0));
  if (listener < 0) {
    std::perror("notify_bare: pidfd_getfd");
    return 1;
  }
  if (write(go[1], "g", 1) != 1) return 1;
  while (true) {
    pollfd fds[2] = {{listener, POLLIN, 0}, {pidfd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;
    if (fds[0].revents & POLLIN) {
      seccomp_notif req{};
      if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) continue;
      seccomp_notif_resp resp{};
      resp.id = req.id;
      resp.error = -EACCES;
      if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) == 0)
        ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    }
    if (fds[1].revents & POLLIN) break;
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
