/* The escape probe: attempts the system calls that only a debugger or a
 * program bypassing the ordinary syscall path needs, and prints one line per
 * attempt, "NAME ok" or "NAME ERRNO-NAME" (setup failures: "NAME
 * step:ERRNO-NAME"). The integration tests run it under each profile and
 * compare the lines: every attempt is real (a ring, a traced child, a
 * loaded BPF program), so "ok" means the sandbox let it happen. Static: it
 * runs in the busybox test rootfs. Always exits 0 when it printed every line. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/kcmp.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the children hold, for process_vm_readv/writev to read and write. */
static volatile long secret = 0x5eed;

static const char* errname(int e) {
  const char* n = strerrorname_np(e);
  static char buf[32];
  if (n) return n;
  snprintf(buf, sizeof buf, "errno%d", e);
  return buf;
}

/* One line: ok when the call succeeded, else the errno it saved. */
static void report(const char* name, int ok, int saved_errno) {
  printf("%s %s\n", name, ok ? "ok" : errname(saved_errno));
  fflush(stdout);
}

static void report_setup(const char* name, const char* step, int saved_errno) {
  printf("%s %s:%s\n", name, step, errname(saved_errno));
  fflush(stdout);
}

/* A child of the probe that waits until released (or killed): the target of
 * the cross-process calls. `fd` is a descriptor open in it, for pidfd_getfd. */
struct child {
  pid_t pid;
  int release, fd;
};

static int spawn(struct child* c) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  fflush(stdout);
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    close(p[0]);
    close(p[1]);
    errno = e;
    return -1;
  }
  if (pid == 0) {
    char b;
    close(p[1]);
    while (read(p[0], &b, 1) < 0 && errno == EINTR) {
    }
    _exit(0);
  }
  close(p[0]);
  c->pid = pid;
  c->release = p[1];
  c->fd = p[0]; /* the same number in the child, which keeps it open */
  return 0;
}

static void reap(struct child* c) {
  kill(c->pid, SIGKILL);
  close(c->release);
  while (waitpid(c->pid, NULL, __WALL) < 0 && errno == EINTR) {
  }
}

static void try_io_uring(void) {
  struct io_uring_params params;
  memset(&params, 0, sizeof params);
  const int ring = (int)syscall(__NR_io_uring_setup, 4, &params);
  report("io_uring_setup", ring >= 0, errno);
  /* On the real ring when there is one; on -1 an allowed call answers
   * EBADF, a filtered one the filter's errno. */
  long r = syscall(__NR_io_uring_enter, ring, 0, 0, 0, NULL, 0);
  report("io_uring_enter", r >= 0, errno);
  const unsigned ops = 256;
  struct io_uring_probe* probe = calloc(1, sizeof *probe + ops * sizeof(struct io_uring_probe_op));
  r = syscall(__NR_io_uring_register, ring, IORING_REGISTER_PROBE, probe, ops);
  report("io_uring_register", r >= 0, errno);
  free(probe);
  if (ring >= 0) close(ring);
}

/* PTRACE_ATTACH or PTRACE_SEIZE of a child of our own. */
static void try_ptrace_child(const char* name, enum __ptrace_request request) {
  struct child c;
  if (spawn(&c) != 0) {
    report_setup(name, "fork", errno);
    return;
  }
  const long r = ptrace(request, c.pid, NULL, NULL);
  const int e = errno;
  if (r == 0 && request == PTRACE_ATTACH) {
    int status;
    waitpid(c.pid, &status, __WALL); /* the attach stop */
  }
  report(name, r == 0, e);
  reap(&c);
}

/* PTRACE_TRACEME in a child, which reports its errno over a pipe. */
static void try_traceme(void) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    report_setup("ptrace_traceme", "pipe", errno);
    return;
  }
  fflush(stdout);
  const pid_t pid = fork();
  if (pid < 0) {
    report_setup("ptrace_traceme", "fork", errno);
    close(p[0]);
    close(p[1]);
    return;
  }
  if (pid == 0) {
    const int e = ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 ? 0 : errno;
    (void)!write(p[1], &e, sizeof e);
    _exit(0);
  }
  close(p[1]);
  int e = -1;
  const ssize_t n = read(p[0], &e, sizeof e);
  close(p[0]);
  while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR) {
  }
  if (n != (ssize_t)sizeof e) {
    report_setup("ptrace_traceme", "read", EIO);
    return;
  }
  report("ptrace_traceme", e == 0, e);
}

static void try_process_vm(void) {
  struct child c;
  if (spawn(&c) != 0) {
    report_setup("process_vm_readv", "fork", errno);
    report_setup("process_vm_writev", "fork", errno);
    return;
  }
  long value = 0;
  struct iovec local = {&value, sizeof value};
  struct iovec remote = {(void*)&secret, sizeof secret};
  ssize_t n = process_vm_readv(c.pid, &local, 1, &remote, 1, 0);
  report("process_vm_readv", n == (ssize_t)sizeof value && value == 0x5eed, n < 0 ? errno : EIO);
  value = 0x0bad;
  n = process_vm_writev(c.pid, &local, 1, &remote, 1, 0);
  report("process_vm_writev", n == (ssize_t)sizeof value, n < 0 ? errno : EIO);
  reap(&c);
}

/* A hint about the probe's own memory: the call is refused or allowed as a
 * whole, whichever process it names. */
static void try_process_madvise(void) {
  const int self = (int)syscall(__NR_pidfd_open, getpid(), 0);
  if (self < 0) {
    report_setup("process_madvise", "pidfd_open", errno);
    return;
  }
  const long page = sysconf(_SC_PAGESIZE);
  void* mem = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    report_setup("process_madvise", "mmap", errno);
    close(self);
    return;
  }
  memset(mem, 1, (size_t)page);
  struct iovec iov = {mem, (size_t)page};
  const long r = syscall(__NR_process_madvise, self, &iov, 1, MADV_COLD, 0);
  report("process_madvise", r >= 0, errno);
  munmap(mem, (size_t)page);
  close(self);
}

static void try_kcmp_and_getfd(void) {
  struct child c;
  if (spawn(&c) != 0) {
    report_setup("kcmp", "fork", errno);
    report_setup("pidfd_getfd", "fork", errno);
    return;
  }
  const long r = syscall(__NR_kcmp, getpid(), c.pid, KCMP_VM, 0, 0);
  report("kcmp", r >= 0, errno);
  const int pidfd = (int)syscall(__NR_pidfd_open, c.pid, 0);
  if (pidfd < 0) {
    report_setup("pidfd_getfd", "pidfd_open", errno);
  } else {
    const int fd = (int)syscall(__NR_pidfd_getfd, pidfd, c.fd, 0);
    report("pidfd_getfd", fd >= 0, errno);
    if (fd >= 0) close(fd);
    close(pidfd);
  }
  reap(&c);
}

/* A software counter of the probe's own user-space time: what a profiler
 * opens first, and allowed to unprivileged users at perf_event_paranoid 2. */
static void try_perf_event_open(void) {
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.type = PERF_TYPE_SOFTWARE;
  attr.size = sizeof attr;
  attr.config = PERF_COUNT_SW_TASK_CLOCK;
  attr.disabled = 1;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  const int fd = (int)syscall(__NR_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
  report("perf_event_open", fd >= 0, errno);
  if (fd >= 0) close(fd);
}

static void try_userfaultfd(void) {
  /* User-mode faults only: what an unprivileged process may ask for
   * (since 5.11); older kernels answer EINVAL to the flag. */
  int fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
  if (fd < 0 && errno == EINVAL) fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC);
  report("userfaultfd", fd >= 0, errno);
  if (fd >= 0) close(fd);
}

/* The smallest socket filter: r0 = 0; exit. */
static void try_bpf(void) {
  struct bpf_insn insns[2];
  memset(insns, 0, sizeof insns);
  insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
  insns[0].dst_reg = BPF_REG_0;
  insns[0].imm = 0;
  insns[1].code = BPF_JMP | BPF_EXIT;
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
  attr.insns = (uint64_t)(uintptr_t)insns;
  attr.insn_cnt = 2;
  attr.license = (uint64_t)(uintptr_t)"GPL";
  /* The verifier answers EAGAIN when it is interrupted (a signal pending
   * while it runs), not when the call is refused: retried, as libbpf
   * does. (The host's run of this probe once got EAGAIN where the
   * sandbox's got a program.) */
  int fd = -1;
  for (int attempt = 0; attempt < 5; ++attempt) {
    fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
    if (fd >= 0 || errno != EAGAIN) break;
  }
  report("bpf_prog_load", fd >= 0, errno);
  if (fd >= 0) close(fd);
}

/* ASLR off, as gdb asks for its inferior; set back at once. */
static void try_personality(void) {
  const int r = personality(PER_LINUX | ADDR_NO_RANDOMIZE);
  const int e = errno;
  if (r != -1) personality(PER_LINUX);
  report("personality_addr_no_randomize", r != -1, e);
}

int main(void) {
  try_io_uring();
  try_ptrace_child("ptrace_attach", PTRACE_ATTACH);
  try_ptrace_child("ptrace_seize", PTRACE_SEIZE);
  try_traceme();
  try_process_vm();
  try_process_madvise();
  try_kcmp_and_getfd();
  try_perf_event_open();
  try_userfaultfd();
  try_bpf();
  try_personality();
  return 0;
}
