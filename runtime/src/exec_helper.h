// ringfence-exec in a sealed memfd: what the sandbox's first process execs
// last (runtime/exec-helper/ringfence_exec.c says why).
#pragma once

#include <string>
#include <vector>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"

namespace ringfence::runtime {

// A memfd holding ringfence-exec, sealed against every change (write,
// grow, shrink, more seals): even a process that could open it for writing
// through /proc cannot alter it. Close-on-exec.
Result<Fd> make_exec_helper();

// ringfence-exec's argv for the command `argv`: see exec_abi.h.
std::vector<std::string> exec_helper_args(bool as_init, int sync_fd, int program_fd, const std::string& path,
                                          const std::vector<std::string>& argv);
// The same for an OCI create: wait on `start_fd` (exec_abi.h, "start").
std::vector<std::string> exec_helper_start_args(int start_fd, int program_fd, const std::string& path,
                                                const std::vector<std::string>& argv);

}  // namespace ringfence::runtime
