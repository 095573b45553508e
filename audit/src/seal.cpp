#include "ringfence/audit/seal.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "log_file.h"
#include "ringfence/base/fd.h"
#include "ringfence/base/sha256.h"
#include "ringfence/base/text_file.h"

namespace ringfence::audit {

namespace {

constexpr const char* kEvolveLabel = "ringfence-seal-evolve";
constexpr const char* kKeyPrefix = "rfseal1:";

// `text` as exactly `size` bytes of lowercase or uppercase hex.
bool unhex(const std::string& text, unsigned char* out, std::size_t size) {
  if (text.size() != size * 2) return false;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < size; ++i) {
    const int hi = digit(text[2 * i]), lo = digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

// The kernel's CSPRNG (getrandom(2) blocks only until it is first seeded).
bool random_bytes(unsigned char* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = getrandom(out + done, size - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status write_whole(int fd, const std::string& text, const std::string& what) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::from_errno("write " + what);
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

std::string sealing_key_path(const std::string& log_path) { return log_path + ".sealkey"; }

SealKey evolve(const SealKey& key) {
  Sha256 h;
  h.update(kEvolveLabel, std::strlen(kEvolveLabel));
  h.update(key.data(), key.size());
  return h.finish();  // SealKey and Sha256Digest are the same 32 bytes
}

SealKey key_for_epoch(const SealKey& first, std::uint64_t epoch) {
  SealKey key = first;
  for (std::uint64_t i = 0; i < epoch; ++i) key = evolve(key);
  return key;
}

std::string seal_mac(const SealKey& key, const std::string& log_id, std::uint64_t epoch, std::uint64_t seq,
                     const std::string& time, const std::string& prev) {
  const std::string message = fmt::format("ringfence-seal-v1\n{}\n{}\n{}\n{}\n{}", log_id, epoch, seq, time, prev);
  return hex(hmac_sha256(key.data(), key.size(), message));
}

std::string format_verification_key(const VerificationKey& key) {
  return fmt::format("{}{}:{}", kKeyPrefix, key.log_id, hex(key.key.data(), key.key.size()));
}

Result<VerificationKey> parse_verification_key(const std::string& raw) {
  std::string text = raw;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const auto bad = Status::failure(
      "a verification key is rfseal1:<32 hex digits>:<64 hex digits>, as `ringfence audit setup-keys` printed it");
  if (text.rfind(kKeyPrefix, 0) != 0) return bad;
  const auto colon = text.find(':', std::strlen(kKeyPrefix));
  if (colon == std::string::npos) return bad;
  VerificationKey key;
  key.log_id = text.substr(std::strlen(kKeyPrefix), colon - std::strlen(kKeyPrefix));
  unsigned char id[16];
  if (!unhex(key.log_id, id, sizeof id) || !unhex(text.substr(colon + 1), key.key.data(), key.key.size())) return bad;
  return key;
}

Result<std::optional<SealingState>> load_sealing_state(const std::string& log_path) {
  const std::string path = sealing_key_path(log_path);
  // Never through a symlink: the key must be the one setup-keys wrote.
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::optional<SealingState>{};
    return Status::from_errno("open the sealing key " + path);
  }
  std::string text;
  char buf[512];
  for (;;) {
    const ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::from_errno("read the sealing key " + path);
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  const auto j = nlohmann::json::parse(text, nullptr, false);
  SealingState s;
  const auto broken = Status::failure(fmt::format(
      "the sealing key {} is damaged; start a new one with `ringfence audit setup-keys --force` (seals made with the "
      "old key still verify with the old verification key)",
      path));
  if (j.is_discarded() || !j.is_object() || !j.contains("log_id") || !j["log_id"].is_string() ||
      !j.contains("epoch") || !j["epoch"].is_number_unsigned() || !j.contains("key") || !j["key"].is_string())
    return broken;
  s.log_id = j["log_id"].get<std::string>();
  s.epoch = j["epoch"].get<std::uint64_t>();
  // Not value(): it throws when the field is there with another type.
  if (const auto at = j.find("sealed_at"); at != j.end()) {
    if (!at->is_number_integer()) return broken;
    s.sealed_at = at->get<std::int64_t>();
  }
  unsigned char id[16];
  if (!unhex(s.log_id, id, sizeof id) || !unhex(j["key"].get<std::string>(), s.key.data(), s.key.size())) return broken;
  return std::optional<SealingState>(s);
}

Status store_sealing_state(const std::string& log_path, const SealingState& state) {
  const std::string path = sealing_key_path(log_path);
  const std::string tmp = path + ".new";
  const nlohmann::json j{{"v", 1},
                         {"log_id", state.log_id},
                         {"epoch", state.epoch},
                         {"key", hex(state.key.data(), state.key.size())},
                         {"sealed_at", state.sealed_at}};
  unlink(tmp.c_str());  // a leftover of a crash: never written through
  Fd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return Status::from_errno("create " + tmp);
  if (Status st = write_whole(fd.get(), j.dump() + "\n", tmp); !st) return st;
  if (fsync(fd.get()) != 0) return Status::from_errno("fsync " + tmp);
  fd.reset();
  if (rename(tmp.c_str(), path.c_str()) != 0) return Status::from_errno("replace " + path);
  // The old key is gone only once the rename is on disk.
  Fd dir(open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.valid()) fsync(dir.get());
  return {};
}

Result<VerificationKey> create_sealing_key(const std::string& log_path, bool replace) {
  if (Status st = ensure_log_dir(log_path); !st) return st;
  struct stat st {};
  if (!replace && lstat(sealing_key_path(log_path).c_str(), &st) == 0)
    return Status::failure(fmt::format("{} already exists: the log is sealed already. `--force` starts a new key "
                                       "(the old verification key then checks only the seals made before)",
                                       sealing_key_path(log_path)));
  unsigned char id[16];
  VerificationKey vk;
  if (!random_bytes(id, sizeof id) || !random_bytes(vk.key.data(), vk.key.size()))
    return Status::failure(fmt::format("the kernel's random number generator failed to make a sealing key: {}",
                                       std::strerror(errno)));
  vk.log_id = hex(id, sizeof id);
  SealingState state;
  state.log_id = vk.log_id;
  state.epoch = 0;
  state.key = vk.key;
  if (Status s = store_sealing_state(log_path, state); !s) return s;
  return vk;
}

}  // namespace ringfence::audit
