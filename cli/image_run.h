// `run --image`: what the image's config contributes to the sandbox, as
// `docker run` takes it — the program (Entrypoint, then the command given or
// else Cmd), the environment and the working directory (a profile layer above
// the profiles, below -e and -w), and the user, which only fills in what the
// profiles left unset: an image can choose to run as somebody other than root,
// never overrule a profile that chose a user.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ringfence/base/result.h"
#include "ringfence/policy/profile.h"

namespace ringfence::cli {

struct ImageRun {
  std::string id;     // "sha256:..."
  std::string store;  // the store's root
  std::string rootfs; // the image's tree
  std::vector<std::string> argv;
  policy::Layer layer;  // env and cwd
  std::string user;     // the config's User, "" for none
};

// `ref` in the store at `store_root` ("" for the default); `command` as given
// after --, possibly empty.
Result<ImageRun> prepare_image_run(const std::string& ref, const std::string& store_root,
                                   const std::vector<std::string>& command);

// `--keep-changes DIR`, made absolute; refused inside the store (the
// store's trees are never written) or with characters overlayfs cannot
// take in a path.
Result<std::string> keep_changes_dir(const std::string& dir, const std::string& store_root);

// The layer with the image's user added, for when the profiles set none.
policy::Layer with_image_user(policy::Layer layer, const std::string& user);

}  // namespace ringfence::cli
