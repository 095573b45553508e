// The content-addressed image store (default /var/lib/ringfence/images,
// `--store DIR`), owned by root, mode 0700:
//
//   blobs/sha256/<hex>    each image's config (its digest is the image ID)
//                         and, for an OCI layout, its manifest
//   trees/<key>/rootfs    one unpacked tree per layer chain, shared by every
//                         image that has that chain; <key> is the chain ID
//                         (image-spec config.md) — or, when setuid bits were
//                         stripped at import, a digest of the chain ID and
//                         that policy
//   trees/<key>/layer.json  what unpacking that layer found
//   images/<hex>.json     one record per image, by ID
//   tmp/                  imports under way; what a failed one left is
//                         removed by the next `image gc`
//   lock                  flock: imports, rm and gc exclusive, readers shared
//
// A tree's regular files are hard links into its parent chain's tree: a
// layer only adds what it changes, and nothing ever writes into a stored
// file (the applier replaces, never rewrites; sandboxes get the tree as the
// read-only lower layer of an overlay).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"
#include "ringfence/image/digest.h"
#include "ringfence/image/layer_apply.h"

namespace ringfence::image {

struct LayerRecord {
  Digest diff_id;
  Digest chain;
  std::string tree;  // key under trees/
};

struct ImageRecord {
  Digest id;                 // sha256 of the config blob: what `[image] digest` pins
  std::string manifest;      // "sha256:..." of an OCI manifest; "" for a docker-archive
  std::vector<std::string> names;
  std::string format;        // "oci-layout" | "docker-archive"
  std::string source;        // the file or directory imported
  std::string imported;      // RFC 3339, UTC
  std::string suid;          // the [suid] policy applied at import: "report" | "strip"
  std::vector<std::string> suid_keep;  // with "strip": the paths that kept their bits
  std::vector<LayerRecord> layers;  // lowest first; the last one's tree is the image's root
  std::vector<PrivilegedFile> privileged;    // setuid/setgid/file-capability files of the root
  std::vector<std::string> special_skipped;  // device nodes, FIFOs, sockets not unpacked
  std::uint64_t size = 0;    // bytes of file content across the layers

  const std::string& tree() const { return layers.back().tree; }
};

std::string record_to_json(const ImageRecord& r);
Result<ImageRecord> record_from_json(const std::string& text, const std::string& what);

struct GcReport {
  std::vector<std::string> trees, blobs, staging;  // what was removed
};

class Store {
 public:
  // Opens (creating, 0700) the store at `root`.
  static Result<Store> open(const std::string& root);
  // /var/lib/ringfence/images for root; $XDG_DATA_HOME (or ~/.local/share)
  // /ringfence/images for anyone else.
  static std::string default_root();

  const std::string& root() const { return root_; }
  int fd() const { return fd_.get(); }

  // Held for as long as the returned descriptor is open.
  Result<Fd> lock(bool exclusive) const;

  Status put_blob(const Digest& digest, const std::string& content) const;
  // The blob, re-hashed: what the store holds is used only if it still is
  // what its name says.
  Result<std::string> read_blob(const Digest& digest, std::int64_t limit) const;

  bool has_tree(const std::string& key) const;
  // The host path of a tree's root directory.
  std::string tree_root(const std::string& key) const;
  // A new empty directory under tmp/ for a tree being made; returns its name.
  Result<std::string> make_staging() const;
  // tmp/<staging> becomes trees/<key>.
  Status commit_tree(const std::string& staging, const std::string& key) const;
  Status remove_staging(const std::string& staging) const;
  Status remove_tree(const std::string& key) const;

  // Saves the record; a name it takes is taken from any other image.
  Status save(const ImageRecord& record) const;
  Result<std::vector<ImageRecord>> list() const;
  // By name ("busybox", "busybox:latest"), by ID ("sha256:<hex>", "<hex>")
  // or by a unique prefix of the ID's hex of at least 4 digits.
  Result<ImageRecord> find(const std::string& ref) const;
  Status remove(const Digest& id) const;
  // Removes every tree and blob no image needs, except the trees in
  // `in_use` (sandboxes running on them), and what failed imports left.
  Result<GcReport> gc(const std::set<std::string>& in_use) const;

 private:
  std::string root_;
  Fd fd_;
};

// The chain ID of a layer over its parent's (image-spec config.md):
// the first layer's is its diff_id.
Digest chain_id(const Digest* parent, const Digest& diff_id);

}  // namespace ringfence::image
