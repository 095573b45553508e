#include "seccomp_listener.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "fd_passing.h"
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

  auto sent = send_with_fd(sock.get(), text, listener);
  if (!sent)
    return Status::failure("send the seccomp notify descriptor to " + path + ": " + sent.status().message,
                           sent.status().err);
  if (*sent != text.size())
    return Status::failure("the seccomp listener at " + path + " took only part of the container's state", EIO);
  return {};
}

}  // namespace ringfence::runtime
