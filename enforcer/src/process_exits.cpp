#include "ringfence/enforcer/process_exits.h"

#include <arpa/inet.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>

namespace ringfence::enforcer {
namespace {

// Where the fields the filter tests sit in a connector message: a netlink
// header, the connector's header, then the event.
constexpr std::uint32_t kCnMsg = NLMSG_LENGTH(0);
constexpr std::uint32_t kEvent = kCnMsg + offsetof(cn_msg, data);

// Classic BPF loads words in network byte order; the message is in host
// order, so each constant is compared as htonl gives it.
std::array<sock_filter, 13> exit_filter(pid_t tgid) {
  auto word = [](std::uint32_t at) { return sock_filter BPF_STMT(BPF_LD | BPF_W | BPF_ABS, at); };
  auto half = [](std::uint32_t at) { return sock_filter BPF_STMT(BPF_LD | BPF_H | BPF_ABS, at); };
  auto next_if = [](std::uint32_t value) { return sock_filter BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 1, 0); };
  const sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
  return {{
      half(offsetof(nlmsghdr, nlmsg_type)), next_if(htons(NLMSG_DONE)), drop,
      word(kCnMsg + offsetof(cn_msg, id) + offsetof(cb_id, idx)), next_if(htonl(CN_IDX_PROC)), drop,
      word(kEvent + offsetof(proc_event, what)), next_if(htonl(proc_event::PROC_EVENT_EXIT)), drop,
      word(kEvent + offsetof(proc_event, event_data.exit.process_tgid)),
      next_if(htonl(static_cast<std::uint32_t>(tgid))), drop,
      BPF_STMT(BPF_RET | BPF_K, 0xffffffffU),
  }};
}

// PROC_CN_MCAST_LISTEN, as the connector expects it.
Status send_op(int sock, proc_cn_mcast_op op) {
  alignas(nlmsghdr) std::array<char, NLMSG_SPACE(sizeof(cn_msg) + sizeof(op))> buf{};
  auto* nl = reinterpret_cast<nlmsghdr*>(buf.data());
  nl->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(op));
  nl->nlmsg_type = NLMSG_DONE;
  nl->nlmsg_pid = 0;
  cn_msg cn{};
  cn.id.idx = CN_IDX_PROC;
  cn.id.val = CN_VAL_PROC;
  cn.len = sizeof(op);
  std::memcpy(buf.data() + kCnMsg, &cn, sizeof cn);
  std::memcpy(buf.data() + kEvent, &op, sizeof op);
  if (send(sock, buf.data(), nl->nlmsg_len, 0) < 0) return Status::from_errno("subscribe to process events");
  return {};
}

}  // namespace

Status ProcessExitWatch::open(pid_t tgid) {
  Fd sock(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR));
  if (!sock.valid()) return Status::from_errno("open the process events connector");
  // The filter first: nothing unfiltered is queued once the socket is bound.
  auto code = exit_filter(tgid);
  sock_fprog prog{static_cast<unsigned short>(code.size()), code.data()};
  if (setsockopt(sock.get(), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0)
    return Status::from_errno("filter process events");
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = CN_IDX_PROC;
  if (bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return Status::from_errno("listen to process events (needs CAP_NET_ADMIN)");
  if (Status st = send_op(sock.get(), PROC_CN_MCAST_LISTEN); !st) return st;
  sock_ = std::move(sock);
  tgid_ = tgid;
  return {};
}

std::optional<int> ProcessExitWatch::take_status() {
  alignas(nlmsghdr) std::array<char, 4096> buf{};
  while (sock_.valid()) {
    const ssize_t n = recv(sock_.get(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {  // the kernel dropped events: the last may be among them
        lost_ = true;
        continue;
      }
      break;  // EAGAIN: nothing more queued
    }
    auto len = static_cast<std::size_t>(n);
    for (auto* nl = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(nl, len); nl = NLMSG_NEXT(nl, len)) {
      if (nl->nlmsg_len < NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_event))) continue;
      proc_event ev{};
      std::memcpy(&ev, reinterpret_cast<const char*>(nl) + kEvent, sizeof ev);
      if (ev.what == proc_event::PROC_EVENT_EXIT && ev.event_data.exit.process_tgid == tgid_)
        last_ = static_cast<int>(ev.event_data.exit.exit_code);
    }
  }
  if (lost_) return std::nullopt;
  return last_;
}

}  // namespace ringfence::enforcer
