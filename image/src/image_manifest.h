// Finds, in an OCI image layout or a docker-archive, the one image to
// import and what it is made of: the config, the layers in order, and the
// digests each must have. Every blob read here is verified as it is read;
// only the entry points (index.json, manifest.json) are not
// content-addressed, and they only point at digests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "image_files.h"
#include "ringfence/base/result.h"
#include "ringfence/image/digest.h"

namespace ringfence::image {

struct LayerSource {
  Member member;
  std::optional<Digest> blob_digest;  // the (compressed) blob's digest, when the format names one
  std::int64_t blob_size = -1;        // the descriptor's size; -1 when the format gives none
  std::string media_type;             // "" for a docker-archive's plain tar
};

struct ManifestChoice {
  std::string format;    // "oci-layout" | "docker-archive"
  std::string manifest;  // "sha256:..." of an OCI manifest; "" for a docker-archive
  std::string manifest_text;
  Digest config_digest;
  std::string config;    // the config blob, verified
  std::vector<LayerSource> layers;
  std::vector<std::string> names;  // what the archive calls the image
};

// `name`: which image of several to take (a ref name or RepoTag); with only
// one, that one is taken whatever it is called.
Result<ManifestChoice> choose_manifest(const ImageFiles& files, const std::string& name);

// Reads a small blob whole through the digest check.
Result<std::string> read_verified(const Member& m, const Digest& digest, std::int64_t size, const std::string& what);

}  // namespace ringfence::image
