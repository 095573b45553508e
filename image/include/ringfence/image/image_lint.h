// `ringfence image lint`: the image-side checks of CIS Docker Benchmark
// section 4 on a stored image — its config and its flattened tree. The
// controls (RF-IMG-003 ... RF-IMG-009) are in audit/controls.toml; this
// module only finds the problems, and the CLI turns them into the report
// `ringfence lint` prints, so every output format is shared.
//
// The tree is hostile input read as root: it is walked by descriptor
// (openat/fstatat with O_NOFOLLOW, AT_SYMLINK_NOFOLLOW), so no symlink in it
// leads the walk, or a file read, out of the tree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ringfence/base/result.h"
#include "ringfence/image/image_config.h"
#include "ringfence/image/store.h"

namespace ringfence::image {

inline constexpr const char* kLintRunsAsRoot = "RF-IMG-003";
inline constexpr const char* kLintPrivileged = "RF-IMG-004";
inline constexpr const char* kLintWorldWritable = "RF-IMG-005";
inline constexpr const char* kLintSecretFile = "RF-IMG-006";
inline constexpr const char* kLintSecretEnv = "RF-IMG-007";
inline constexpr const char* kLintShellOrPackageManager = "RF-IMG-008";
inline constexpr const char* kLintNoHealthcheck = "RF-IMG-009";

// One problem found: the control it breaks, the path in the image it is at
// ("" for the config) and a sentence for people. Never the secret itself.
struct LintIssue {
  std::string control;
  std::string path;
  std::string message;
};

struct ImageLintOptions {
  // Files larger than this are not read for secrets.
  std::uint64_t max_scan_bytes = 1 << 20;
};

// What kind of secret `content` holds: "a private key", "an AWS access key
// ID", or "" for none. A PEM or OpenSSH private key is a BEGIN line whose
// label ends in "PRIVATE KEY" ("RSA PRIVATE KEY", "OPENSSH PRIVATE KEY",
// "ENCRYPTED PRIVATE KEY"...); an AWS access key ID is "AKIA" and 16 digits
// or capitals, not inside a longer run of them.
std::string find_secret(std::string_view content);

// Whether an environment variable's name says it holds a secret: it
// contains PASSWORD, PASSWD, SECRET, TOKEN, API_KEY or APIKEY, in any case.
bool secret_env_name(std::string_view name);

// Whether a config's User runs as root: "", "root", "0", "0:GID", "root:GID".
bool user_is_root(std::string_view user);

// Every problem of the image whose tree is open at `tree_fd`, sorted by
// control and path.
Result<std::vector<LintIssue>> lint_image(int tree_fd, const ImageRecord& record, const ImageConfig& config,
                                          const ImageLintOptions& options = {});

}  // namespace ringfence::image
