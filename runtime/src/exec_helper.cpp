#include "exec_helper.h"
#include "ringfence/base/fault.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ringfence/runtime/exec_abi.h"

extern "C" const unsigned char ringfence_exec_start[];
extern "C" const unsigned char ringfence_exec_end[];

namespace ringfence::runtime {
namespace {

// MFD_EXEC (Linux 6.3): asks for an executable memfd where the
// vm.memfd_noexec sysctl would otherwise make it MFD_NOEXEC_SEAL.
constexpr unsigned kMfdExec = 0x0010U;

}  // namespace

Result<Fd> make_exec_helper() {
  const unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  Fd fd(fault::call("memfd_create", [&] { return memfd_create("ringfence-exec", flags | kMfdExec); }));
  if (!fd.valid() && errno == EINVAL) fd.reset(memfd_create("ringfence-exec", flags));  // before 6.3
  if (!fd.valid()) return Status::from_errno("memfd_create for ringfence-exec");
  const unsigned char* p = ringfence_exec_start;
  std::size_t left = static_cast<std::size_t>(ringfence_exec_end - ringfence_exec_start);
  while (left > 0) {
    const ssize_t n = write(fd.get(), p, left);
    if (n <= 0) return Status::from_errno("write ringfence-exec into its memfd");
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
    return Status::from_errno("seal ringfence-exec's memfd");
  return fd;
}

std::vector<std::string> exec_helper_args(bool as_init, int sync_fd, int program_fd, const std::string& path,
                                          const std::vector<std::string>& argv) {
  std::vector<std::string> out = {"ringfence-exec", as_init ? RF_EXEC_MODE_INIT : RF_EXEC_MODE_EXEC,
                                  std::to_string(sync_fd), program_fd >= 0 ? std::to_string(program_fd) : "-", path};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::vector<std::string> exec_helper_start_args(int start_fd, int program_fd, const std::string& path,
                                                const std::vector<std::string>& argv) {
  std::vector<std::string> out = {"ringfence-exec", RF_EXEC_MODE_START, std::to_string(start_fd),
                                  program_fd >= 0 ? std::to_string(program_fd) : "-", path};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace ringfence::runtime
