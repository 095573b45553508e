// What an image's config blob says (OCI image-spec config.md; Docker's
// image JSON is the same shape): how `run --image` starts its program, and
// the diff_ids that tie the config — whose digest is the image's ID — to
// the exact content of every layer.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ringfence/base/result.h"
#include "ringfence/image/digest.h"

namespace ringfence::image {

struct ImageConfig {
  std::string os, architecture;
  std::vector<std::string> entrypoint, cmd, env;
  std::string working_dir, user;
  bool healthcheck = false;  // a HEALTHCHECK other than NONE
  std::map<std::string, std::string> labels;
  std::vector<Digest> diff_ids;  // rootfs.diff_ids, lowest layer first
};

// `what` names the blob in errors. Unknown fields are ignored, as the spec says.
Result<ImageConfig> parse_image_config(const std::string& json, const std::string& what);

}  // namespace ringfence::image
