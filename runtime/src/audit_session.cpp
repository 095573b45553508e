#include "audit_session.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <string>

#include "ringfence/base/fd.h"
#include "ringfence/base/text_file.h"

namespace ringfence::runtime {
namespace {

constexpr std::uint32_t kUnset = 4294967295u;  // AUDIT_UID_UNSET, AUDIT_SID_UNSET

Result<std::uint32_t> read_number(const char* path) {
  auto text = read_text_file(path);
  if (!text) return text.status();
  std::uint32_t n = 0;
  const std::string& s = *text;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n, 10);
  if (ec != std::errc() || end == s.data()) return Status::failure(std::string(path) + ": not a number", EINVAL);
  return n;
}

}  // namespace

Result<std::uint32_t> begin_audit_session() {
  auto loginuid = read_number("/proc/self/loginuid");
  if (!loginuid) return loginuid.status();
  // An unset login uid would end the session instead of starting one.
  const std::uint32_t uid = *loginuid == kUnset ? static_cast<std::uint32_t>(getuid()) : *loginuid;
  Fd fd(open("/proc/self/loginuid", O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::from_errno("open /proc/self/loginuid");
  const std::string text = std::to_string(uid);
  if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return Status::from_errno("write /proc/self/loginuid");
  auto session = read_number("/proc/self/sessionid");
  if (!session) return session.status();
  if (*session == kUnset) return Status::failure("the kernel gave no audit session", EPERM);
  return *session;
}

}  // namespace ringfence::runtime
