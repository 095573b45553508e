// The checks of `ringfence image lint` (image_lint.h): the config's user,
// environment and health check, the record's privileged files, and one walk
// of the tree by descriptor for world-writable entries, secrets and shells.
#include "ringfence/image/image_lint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <set>

#include <fmt/core.h>

#include "ringfence/base/fd.h"
#include "tree_ops.h"

namespace ringfence::image {
// Named, not anonymous: the image module is built as a unity build.
namespace image_lint_impl {

bool key_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// A BEGIN line's label: capitals, digits and spaces, ending "PRIVATE KEY".
bool private_key_at(std::string_view content, std::size_t begin) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  const std::size_t label = begin + kBegin.size();
  const std::size_t end = content.find("-----", label);
  if (end == std::string_view::npos || end - label > 64) return false;
  const std::string_view text = content.substr(label, end - label);
  if (!text.ends_with("PRIVATE KEY")) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return key_char(c) || c == ' '; });
}

bool aws_key_at(std::string_view content, std::size_t at) {
  if (at > 0 && key_char(content[at - 1])) return false;
  if (at + 20 > content.size()) return false;
  for (std::size_t i = at + 4; i < at + 20; ++i)
    if (!key_char(content[i])) return false;
  return at + 20 == content.size() || !key_char(content[at + 20]);
}

// The directories whose shells and package managers count (RF-IMG-008).
const std::set<std::string, std::less<>> kToolDirs = {"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin",
                                                      "/usr/local/sbin"};
const std::set<std::string, std::less<>> kTools = {"sh",  "bash", "apk", "apt", "apt-get", "dpkg",
                                                   "yum", "dnf",  "rpm", "pip", "pip3"};
// Top-level directories whose files are not read for secrets: kernel
// interfaces in a running container, nothing an image should ship.
const std::set<std::string, std::less<>> kNoScan = {"/proc", "/sys", "/dev"};

bool key_file_name(std::string_view name) {
  return name.starts_with("id_rsa") || name.starts_with("id_dsa") || name.starts_with("id_ecdsa") ||
         name.starts_with("id_ed25519") || name.ends_with(".pem") || name.ends_with(".key");
}

std::string mode_text(unsigned mode) { return fmt::format("{:04o}", mode & 07777); }

class Walker {
 public:
  Walker(const ImageLintOptions& o, std::vector<LintIssue>& out) : o_(o), out_(out) {}

  Status walk(int dir, const std::string& prefix, bool scan, int depth) {
    if (depth > 4096) return Status::failure("a tree deeper than 4096 directories", ELOOP);
    auto names = detail::list_dir(dir);
    if (!names) return Status::failure("read " + (prefix.empty() ? "/" : prefix) + ": " + names.status().message,
                                       names.status().err);
    std::vector<std::string> subdirs;
    const bool tool_dir = kToolDirs.count(prefix) > 0;
    for (const auto& n : *names) {
      const std::string path = prefix + "/" + n;
      struct stat st {};
      // What cannot be read is an error, not a pass: a lint that skipped a
      // file would say the image is clean without having looked.
      if (fstatat(dir, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Status::from_errno("stat " + path);
      if (tool_dir && kTools.count(n) && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
        out_.push_back({kLintShellOrPackageManager, path,
                        fmt::format("{} {} is in the image", n == "sh" || n == "bash" ? "the shell" : "the tool",
                                    path)});
      if (S_ISDIR(st.st_mode)) {
        if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
          out_.push_back({kLintWorldWritable, path,
                          fmt::format("directory {} is world-writable without the sticky bit (mode {})", path,
                                      mode_text(st.st_mode))});
        subdirs.push_back(n);
        continue;
      }
      if (!S_ISREG(st.st_mode)) continue;
      if (st.st_mode & S_IWOTH)
        out_.push_back({kLintWorldWritable, path,
                        fmt::format("file {} is world-writable (mode {})", path, mode_text(st.st_mode))});
      if (scan && st.st_size > 0 && static_cast<std::uint64_t>(st.st_size) <= o_.max_scan_bytes) {
        if (Status s = scan_file(dir, n, path); !s) return s;
      }
    }
    for (const auto& n : subdirs) {
      Fd sub(openat(dir, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) return Status::from_errno("open " + prefix + "/" + n);
      const std::string path = prefix + "/" + n;
      if (Status s = walk(sub.get(), path, scan && !(depth == 0 && kNoScan.count(path)), depth + 1); !s) return s;
    }
    return {};
  }

 private:
  Status scan_file(int dir, const std::string& name, const std::string& path) {
    Fd f(openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (!f.valid()) return Status::from_errno("open " + path);
    struct stat st {};
    if (fstat(f.get(), &st) != 0) return Status::from_errno("stat " + path);
    if (!S_ISREG(st.st_mode)) return {};
    buf_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(static_cast<std::uint64_t>(st.st_size), o_.max_scan_bytes)));
    std::size_t got = 0;
    while (got < buf_.size()) {
      const ssize_t n = read(f.get(), buf_.data() + got, buf_.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::from_errno("read " + path);
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    const std::string what = find_secret(std::string_view(buf_.data(), got));
    if (what.empty()) return {};
    const std::string base = path.substr(path.rfind('/') + 1);
    out_.push_back({kLintSecretFile, path,
                    fmt::format("{} holds {}{}", path, what,
                                key_file_name(base) ? " (and is named like a key file)" : "")});
    return {};
  }

  const ImageLintOptions& o_;
  std::vector<LintIssue>& out_;
  std::string buf_;
};

}  // namespace image_lint_impl

std::string find_secret(std::string_view content) {
  for (std::size_t at = content.find("-----BEGIN "); at != std::string_view::npos;
       at = content.find("-----BEGIN ", at + 1))
    if (image_lint_impl::private_key_at(content, at)) return "a private key";
  for (std::size_t at = content.find("AKIA"); at != std::string_view::npos; at = content.find("AKIA", at + 1))
    if (image_lint_impl::aws_key_at(content, at)) return "an AWS access key ID";
  return "";
}

bool secret_env_name(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const char* word : {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY"})
    if (upper.find(word) != std::string::npos) return true;
  return false;
}

bool user_is_root(std::string_view user) {
  const std::string_view name = user.substr(0, user.find(':'));
  if (name.empty() || name == "root") return true;
  // A uid as digits: "0", "00".
  return std::all_of(name.begin(), name.end(), [](char c) { return c == '0'; });
}

Result<std::vector<LintIssue>> lint_image(int tree_fd, const ImageRecord& record, const ImageConfig& config,
                                          const ImageLintOptions& options) {
  std::vector<LintIssue> out;
  if (user_is_root(config.user))
    out.push_back({kLintRunsAsRoot, "",
                   config.user.empty() ? std::string("the config names no User: the program runs as root")
                                       : fmt::format("the config's User \"{}\" is root", config.user)});
  for (const auto& p : record.privileged) {
    if (p.stripped) continue;
    std::vector<std::string> what;
    if (p.mode & S_ISUID) what.emplace_back("setuid");
    if (p.mode & S_ISGID) what.emplace_back("setgid");
    if (p.file_caps) what.emplace_back("file capabilities");
    std::string list;
    for (const auto& w : what) list += (list.empty() ? "" : ", ") + w;
    out.push_back({kLintPrivileged, p.path, fmt::format("{} is {} (mode {})", p.path, list, image_lint_impl::mode_text(p.mode))});
  }
  for (const auto& e : config.env) {
    const auto eq = e.find('=');
    if (eq == std::string::npos || eq + 1 == e.size()) continue;
    const std::string name = e.substr(0, eq);
    if (secret_env_name(name))
      out.push_back({kLintSecretEnv, "",
                     fmt::format("Env {} holds a value ({} characters) its name says is a secret", name,
                                 e.size() - eq - 1)});
  }
  if (!config.healthcheck) out.push_back({kLintNoHealthcheck, "", "the config has no HEALTHCHECK"});
  image_lint_impl::Walker walker(options, out);
  if (Status s = walker.walk(tree_fd, "", true, 0); !s) return s;
  std::sort(out.begin(), out.end(), [](const LintIssue& a, const LintIssue& b) {
    return a.control != b.control ? a.control < b.control : a.path < b.path;
  });
  return out;
}

}  // namespace ringfence::image
