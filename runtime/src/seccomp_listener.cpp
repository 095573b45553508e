#include "seccomp_listener.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "ringfence/base/fd.h"

namespace ringfence::runtime {

Status send_seccomp_listener(const std::string& path, int listener, pid_t pid, const std::string& metadata,
                             const std::string& state_json) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return Status::failure("linux.seccomp.listenerPath '" + path + "' is not a usable socket path", EINVAL);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  Fd sock(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return Status::from_errno("socket for the seccomp listener");
  if (connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return Status::from_errno("connect to linux.seccomp.listenerPath " + path);

  nlohmann::json message = {{"ociVersion", "1.2.0"},
                            {"fds", {"seccompFd"}},
                            {"pid", pid},
                            {"state", nlohmann::json::parse(state_json)}};
  if (!metadata.empty()) message["metadata"] = metadata;
  std::string text = message.dump();

  iovec iov{text.data(), text.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cm), &listener, sizeof listener);
  const ssize_t n = sendmsg(sock.get(), &msg, MSG_NOSIGNAL);
  if (n < 0) return Status::from_errno("send the seccomp notify descriptor to " + path);
  if (static_cast<std::size_t>(n) != text.size())
    return Status::failure("the seccomp listener at " + path + " took only part of the container's state", EIO);
  return {};
}

}  // namespace ringfence::runtime
