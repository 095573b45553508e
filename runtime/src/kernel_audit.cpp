#include "kernel_audit.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <poll.h>
#include <pthread.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <iterator>
#include <vector>
#include <cerrno>
#include <cstring>
#include <string>


namespace ringfence::runtime {
namespace {

// Enough for about 40,000 seccomp records queued while the supervisor is
// busy (each costs its text plus the socket buffer's overhead).
constexpr int kReceiveBuffer = 32 * 1024 * 1024;

}  // namespace

Result<KernelAuditReader> KernelAuditReader::adopt(Fd fd) {
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Status::from_errno("fstat the audit socket");
  if (!S_ISSOCK(st.st_mode)) return Status::failure("the audit socket handed over is not a socket", EBADF);
  return KernelAuditReader(std::move(fd));
}

Result<KernelAuditReader> KernelAuditReader::open() {
  Fd fd(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT));
  if (!fd.valid()) return Status::from_errno("socket(NETLINK_AUDIT)");
  // FORCE passes the system's rmem_max, for root; otherwise the plain one.
  if (setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBuffer, sizeof kReceiveBuffer) != 0)
    (void)setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof kReceiveBuffer);
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = AUDIT_NLGRP_READLOG;
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return Status::from_errno("bind to the kernel's audit records (needs CAP_AUDIT_READ)");
  return KernelAuditReader(std::move(fd));
}

std::size_t KernelAuditReader::drain(const std::function<void(const audit::KernelRecord&)>& take) {
  // One record per datagram, of at most 8,970 bytes (libaudit's
  // MAX_AUDIT_MESSAGE_LENGTH: the kernel's text limit plus its header).
  alignas(nlmsghdr) std::array<char, 8970 + 64> buf{};
  std::size_t read = 0;
  while (true) {
    const ssize_t n = recv(fd_.get(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {  // records were dropped; dropped() counts them
        overrun_ = true;
        continue;
      }
      break;  // EAGAIN: nothing more now
    }
    // One record per datagram. Its header's length is not to be trusted:
    // the kernel's audit records give the payload's length there, not the
    // message's (kept so for libaudit), so the datagram's size bounds it.
    if (static_cast<std::size_t>(n) < NLMSG_HDRLEN) continue;
    const auto* h = reinterpret_cast<const nlmsghdr*>(buf.data());
    const char* text = buf.data() + NLMSG_HDRLEN;
    std::size_t len = static_cast<std::size_t>(n) - NLMSG_HDRLEN;
    while (len > 0 && (text[len - 1] == '\0' || text[len - 1] == '\n')) --len;
    if (auto record = audit::parse_kernel_record(static_cast<int>(h->nlmsg_type), std::string_view(text, len))) {
      take(*record);
      ++read;
    }
  }
  return read;
}

namespace {

struct OwnRecords {
  unsigned count = 0;
  bool made = false;
};

// The thread's body: loads, for itself only, a filter whose `log` action
// covers getppid, and calls it. The kernel logs `log` actions whether or
// not its audit is enabled.
void* make_own_records(void* arg) {
  auto* own = static_cast<OwnRecords*>(arg);
  sock_filter insns[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{static_cast<unsigned short>(std::size(insns)), insns};
  // no_new_privs and the filter are this thread's alone, and end with it.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return nullptr;
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return nullptr;
  for (unsigned i = 0; i < own->count; ++i) (void)syscall(SYS_getppid);
  own->made = true;
  return nullptr;
}

}  // namespace

// A pthread with a small stack, not a std::thread: that one's new thread
// frees its state object, and a thread's first free makes it a malloc
// arena (a 128 MiB mapping), and its 8 MiB stack is given back at the
// exit. The marker runs when every sandbox with recorded denials stops.
bool make_own_log_records(unsigned count) {
  OwnRecords own{count, false};
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  (void)pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_t thread;
  const int created = pthread_create(&thread, &attr, make_own_records, &own);
  pthread_attr_destroy(&attr);
  if (created != 0) return false;
  pthread_join(thread, nullptr);
  return own.made;
}

bool KernelAuditReader::drain_until_now(int timeout_ms, const std::function<void(const audit::KernelRecord&)>& take) {
  if (!make_own_log_records(1)) return false;
  const std::uint64_t self = static_cast<std::uint64_t>(getpid());
  bool seen = false;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!seen) {
    drain([&](const audit::KernelRecord& r) {
      if (r.type == audit::kKernelSeccomp && r.number("pid") == self && r.number("syscall") == SYS_getppid &&
          r.hex("code") == SECCOMP_RET_LOG)
        seen = true;
      else
        take(r);
    });
    if (seen) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_.get(), POLLIN, 0};
    (void)poll(&p, 1, static_cast<int>(left.count()));
  }
  return true;
}

std::uint64_t KernelAuditReader::dropped() const {
  // The socket's own count of records it dropped (the Drops column of
  // /proc/net/netlink), asked of the socket rather than parsed from there.
  std::array<std::uint32_t, SK_MEMINFO_VARS> meminfo{};
  socklen_t size = sizeof meminfo;
  if (getsockopt(fd_.get(), SOL_SOCKET, SO_MEMINFO, meminfo.data(), &size) == 0 &&
      size > SK_MEMINFO_DROPS * sizeof(std::uint32_t))
    return meminfo[SK_MEMINFO_DROPS];
  // Not told: a known overrun still counts as one.
  return overrun_ ? 1 : 0;
}

std::optional<KernelAuditStatus> kernel_audit_status() {
  Fd fd(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT));
  if (!fd.valid()) return std::nullopt;
  struct {
    nlmsghdr h;
    char pad[16];
  } req{};
  req.h.nlmsg_len = NLMSG_LENGTH(0);
  req.h.nlmsg_type = AUDIT_GET;
  req.h.nlmsg_flags = NLM_F_REQUEST;
  req.h.nlmsg_seq = 1;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd.get(), &req, req.h.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
    return std::nullopt;
  // The answer, or an error message (EPERM without CAP_AUDIT_CONTROL).
  timeval tv{1, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  alignas(nlmsghdr) std::array<char, 4096> buf{};
  for (int tries = 0; tries < 4; ++tries) {
    const ssize_t n = recv(fd.get(), buf.data(), buf.size(), 0);
    if (n <= 0) return std::nullopt;
    const auto* h = reinterpret_cast<const nlmsghdr*>(buf.data());
    if (!NLMSG_OK(h, static_cast<std::size_t>(n))) return std::nullopt;
    if (h->nlmsg_type == NLMSG_ERROR) return std::nullopt;
    if (h->nlmsg_type != AUDIT_GET) continue;
    audit_status s{};
    std::memcpy(&s, NLMSG_DATA(h), std::min(sizeof s, static_cast<std::size_t>(h->nlmsg_len - NLMSG_HDRLEN)));
    return KernelAuditStatus{s.enabled != 0, s.lost};
  }
  return std::nullopt;
}

}  // namespace ringfence::runtime
