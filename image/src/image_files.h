// The files of an image as `image import` is handed it: an OCI image layout
// or a docker-archive, as a directory or as a tar of one (what `docker save`,
// `podman save` and `skopeo copy ... oci-archive:` write). A tar is indexed
// once and its members then read in place with pread, in whatever order the
// manifest asks for them, so a blob is neither copied out nor read twice.
// Nothing here is trusted: every member is verified by the caller against a
// digest; only index.json / manifest.json, the entry points, are not
// content-addressed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"
#include "ringfence/image/byte_source.h"

namespace ringfence::image {

// One member: its bytes are [offset, offset + size) of fd.
struct Member {
  std::shared_ptr<Fd> fd;
  off_t offset = 0;
  std::int64_t size = 0;

  // Reads the member from its start, once.
  ByteSource source() const;
};

class ImageFiles {
 public:
  // A directory, or an uncompressed tar (a compressed one is refused with
  // the command that unpacks it).
  static Result<ImageFiles> open(const std::string& path);

  bool exists(const std::string& name) const;
  // `name` relative to the layout's top ("blobs/sha256/<hex>").
  Result<Member> find(const std::string& name) const;
  // A small member read whole (index.json, manifest.json), at most `limit` bytes.
  Result<std::string> read_small(const std::string& name, std::int64_t limit) const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::shared_ptr<Fd> fd_;                         // the directory, or the tar
  bool is_dir_ = false;
  std::map<std::string, std::pair<off_t, std::int64_t>> members_;  // tar: name -> (offset, size)
};

}  // namespace ringfence::image
