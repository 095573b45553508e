#include "ringfence/runtime/sync.h"
#include "ringfence/base/fault.h"

#include "fd_passing.h"
#include "ringfence/runtime/exec_abi.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace ringfence::runtime {
namespace {

// The wire form (exec_abi.h, shared with ringfence-exec, which reports a
// failed exec in it): fixed size, so one recvmsg always reads one whole
// message.
using Wire = rf_sync_wire;
static_assert(RF_MSG_STEP_FAILED == static_cast<std::uint32_t>(MessageKind::StepFailed));

void copy(char* dst, std::size_t size, const std::string& src) {
  const std::size_t n = std::min(size - 1, src.size());
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

}  // namespace

Result<SyncPair> make_sync_pair() {
  int fds[2];
  if (fault::call("socketpair", [&] { return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds); }) != 0)
    return Status::from_errno("socketpair for the sync channel");
  return SyncPair{Fd(fds[0]), Fd(fds[1])};
}

Status send_message(int sock, const Message& msg, int fd) {
  Wire w{};
  w.kind = static_cast<std::uint32_t>(msg.kind);
  w.err = msg.err;
  w.number = msg.number;
  copy(w.step, sizeof w.step, msg.step);
  copy(w.text, sizeof w.text, msg.text);
  // One datagram (SOCK_SEQPACKET): sent whole or not at all.
  auto sent = send_with_fd(sock, std::string_view(reinterpret_cast<const char*>(&w), sizeof w), fd);
  if (!sent) return Status::failure("sync: " + sent.status().message, sent.status().err);
  return {};
}

Result<std::optional<Message>> receive_message(int sock) {
  Wire w{};
  iovec iov{&w, sizeof w};
  msghdr hdr{};
  hdr.msg_iov = &iov;
  hdr.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  hdr.msg_control = control;
  hdr.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = recvmsg(sock, &hdr, MSG_CMSG_CLOEXEC)) < 0) {
    // ECONNRESET: the peer exited with a message of ours unread (a go it
    // no longer waited for). The error is reported once; what the peer sent
    // before it went is still queued, so read on.
    if (errno != EINTR && errno != ECONNRESET) return Status::from_errno("sync: recvmsg");
  }
  if (n == 0) return std::optional<Message>();
  if (static_cast<std::size_t>(n) != sizeof w) return Status::failure("sync: truncated message", EPROTO);
  Message m;
  m.kind = static_cast<MessageKind>(w.kind);
  m.err = w.err;
  m.number = w.number;
  w.step[sizeof w.step - 1] = '\0';
  w.text[sizeof w.text - 1] = '\0';
  m.step = w.step;
  m.text = w.text;
  for (cmsghdr* c = CMSG_FIRSTHDR(&hdr); c != nullptr; c = CMSG_NXTHDR(&hdr, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(&m.fd, CMSG_DATA(c), sizeof(int));
  return std::optional<Message>(std::move(m));
}

}  // namespace ringfence::runtime
