#include "init.h"

#include <signal.h>
#include <sys/wait.h>

#include "ringfence/runtime/exec_abi.h"

namespace ringfence::runtime {
namespace {

// One list for the supervisor (C++) and the init (C): exec_abi.h.
constexpr int kForwarded[] = {RF_FORWARDED_SIGNALS};

}  // namespace

const int* forwarded_signals(int* count) {
  *count = static_cast<int>(sizeof kForwarded / sizeof kForwarded[0]);
  return kForwarded;
}

int exit_code_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 125;
}

}  // namespace ringfence::runtime
