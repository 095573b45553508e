#include "ringfence/enforcer/seccomp_cache.h"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <fmt/core.h>

#include "ringfence/base/fd.h"
#include "ringfence/base/sha256.h"

namespace ringfence::enforcer {
namespace {

// 002: `audit` no longer sends the default action to the supervisor (it
// asks the kernel to log refusals instead): programs cached under 001 with
// audit on would still notify.
constexpr char kMagic[8] = {'R', 'F', 'B', 'P', 'F', '0', '0', '2'};

struct Header {
  char magic[8];
  std::uint32_t instructions;
  std::uint32_t uses_notify;
  char program_sha256[64];  // hex
};

std::string program_sha256(const BpfProgram& p) {
  return sha256_hex(
      std::string_view(reinterpret_cast<const char*>(p.insns.data()), p.insns.size() * sizeof(sock_filter)));
}

// Owned by root and writable by nobody else: only root could have put it there.
bool trusted(int fd, bool directory) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return false;
  if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) return false;
  return directory ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

bool read_all(int fd, void* buf, std::size_t size) {
  auto* p = static_cast<char*>(buf);
  while (size > 0) {
    const ssize_t n = read(fd, p, size);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool write_all(int fd, const void* buf, std::size_t size) {
  const auto* p = static_cast<const char*>(buf);
  while (size > 0) {
    const ssize_t n = write(fd, p, size);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::string seccomp_cache_key(const policy::SeccompFilter& filter) {
  // Everything the program is made from, in a compact canonical form.
  std::string text = fmt::format("format {} libseccomp {}.{}.{}\n", std::string_view(kMagic, 8),
                                 seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro);
  text += fmt::format("default {} {} audit {}\n", static_cast<int>(filter.default_action.kind),
                      filter.default_action.errno_value, filter.audit);
  // Learn mode compiles to another program; said only when on, so that the
  // keys of every other filter stay what they were.
  if (filter.learn) text += "learn\n";
  for (const auto& a : filter.arches) text += "arch " + a + "\n";
  for (const auto& [arch, nr] : filter.enosys_above) text += fmt::format("enosys {} {}\n", arch, nr);
  for (const auto& r : filter.rules) {
    text += fmt::format("rule {} {}", static_cast<int>(r.action.kind), r.action.errno_value);
    for (const auto& c : r.conditions)
      text += fmt::format(" [{} {} {} {}]", c.index, static_cast<int>(c.op), c.value, c.mask);
    for (const auto& s : r.syscalls) text += " " + s;
    text += "\n";
  }
  return sha256_hex(text);
}

std::optional<CompiledFilter> load_cached_filter(const std::string& dir, const std::string& key) {
  Fd d(open(dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!d.valid() || !trusted(d.get(), true)) return std::nullopt;
  Fd f(openat(d.get(), (key + ".bpf").c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!f.valid() || !trusted(f.get(), false)) return std::nullopt;
  Header h{};
  if (!read_all(f.get(), &h, sizeof h) || std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) return std::nullopt;
  if (h.instructions == 0 || h.instructions > kMaxBpfInstructions) return std::nullopt;
  CompiledFilter out;
  out.uses_notify = h.uses_notify != 0;
  out.program.insns.resize(h.instructions);
  if (!read_all(f.get(), out.program.insns.data(), h.instructions * sizeof(sock_filter))) return std::nullopt;
  char extra;
  if (read(f.get(), &extra, 1) != 0) return std::nullopt;  // nothing after the program
  if (program_sha256(out.program) != std::string_view(h.program_sha256, 64)) return std::nullopt;
  std::string error;
  if (!bpf_check(out.program, &error)) return std::nullopt;
  return out;
}

void store_cached_filter(const std::string& dir, const std::string& key, const CompiledFilter& filter) {
  // Create the directory chain root-only (0700), then write and rename.
  std::string path;
  for (std::size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      path = dir.substr(0, i);
      if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return;
    }
  }
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.instructions = static_cast<std::uint32_t>(filter.program.insns.size());
  h.uses_notify = filter.uses_notify ? 1 : 0;
  const std::string sha = program_sha256(filter.program);
  std::memcpy(h.program_sha256, sha.data(), 64);
  const std::string tmp = fmt::format("{}/{}.{}.tmp", dir, key, getpid());
  Fd f(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!f.valid()) return;
  const bool ok = write_all(f.get(), &h, sizeof h) &&
                  write_all(f.get(), filter.program.insns.data(), filter.program.insns.size() * sizeof(sock_filter));
  f.reset();
  if (!ok || rename(tmp.c_str(), fmt::format("{}/{}.bpf", dir, key).c_str()) != 0) unlink(tmp.c_str());
}

std::optional<CompiledFilter> compile_filter_cached(const policy::SeccompFilter& filter, std::string& error,
                                                    const std::string& dir) {
  if (geteuid() != 0) return compile_filter(filter, error);
  const std::string key = seccomp_cache_key(filter);
  if (auto cached = load_cached_filter(dir, key)) return cached;
  auto compiled = compile_filter(filter, error);
  if (compiled) store_cached_filter(dir, key, *compiled);
  return compiled;
}

}  // namespace ringfence::enforcer
