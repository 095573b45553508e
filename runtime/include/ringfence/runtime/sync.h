// The parent/child synchronisation channel: a SOCK_SEQPACKET socketpair, so
// each message is one datagram and a closed end reads as end-of-file. The
// child's end is close-on-exec: EOF after "exec" means the program started.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"
#include "ringfence/base/status.h"

namespace ringfence::runtime {

enum class MessageKind : std::uint32_t {
  Go = 1,           // parent -> child: the parent's after-clone steps are done
  StepFailed = 2,   // child -> parent: a step failed (name, errno, text)
  Warning = 3,      // child -> parent: an optional step was skipped
  Listener = 4,     // child -> parent: the seccomp listener fd (SCM_RIGHTS)
  Exec = 5,         // child -> parent: about to exec the program (through ringfence-exec)
  Pid = 6,          // intermediate -> parent: the sandbox's process is `number`; err = 1 when it was
                    // born in its cgroup (CLONE_INTO_CGROUP)
};

struct Message {
  MessageKind kind = MessageKind::Go;
  int err = 0;
  std::string step;
  std::string text;
  int fd = -1;  // received descriptor (Listener), owned by the receiver
  int number = 0;
};

struct SyncPair {
  Fd parent, child;
};

Result<SyncPair> make_sync_pair();

// Sends one message, with `fd` attached when >= 0.
Status send_message(int sock, const Message& msg, int fd = -1);

// Receives one message; nullopt on EOF. Errors other than EOF are the
// failure.
Result<std::optional<Message>> receive_message(int sock);

}  // namespace ringfence::runtime
