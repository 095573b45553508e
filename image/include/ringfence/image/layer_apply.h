// Applies one image layer (a tar stream, plain, gzip or zstd) onto a tree
// that already holds the layers below it, as OCI image-spec layer.md says:
// entries in order, `.wh.NAME` removes NAME, `.wh..wh..opq` hides what the
// lower layers had in that directory. Layers are hostile input unpacked as
// root, so every entry is resolved under the tree's descriptor with openat2
// RESOLVE_IN_ROOT: no absolute name, `..` or planted symlink (from this layer
// or an earlier one) can reach outside the tree (runc CVE-2021-30465 and the
// tar-slip family). The layer's bytes come through a reader that hashes them,
// so unpacking and verifying are one pass.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ringfence/base/result.h"
#include "ringfence/image/byte_source.h"
#include "ringfence/image/digest.h"

namespace ringfence::image {

struct UnpackPolicy {
  // Against tar bombs: the sum of regular-file sizes (sparse files count
  // their apparent size) and the number of entries in one layer.
  std::uint64_t max_bytes = 64ull << 30;
  std::uint64_t max_entries = 1'000'000;
  // Device nodes, FIFOs and sockets: refused (the import fails, naming the
  // entry) unless `record_special`, in which case they are skipped and
  // listed in the report. An image never needs a device node: the runtime
  // makes /dev.
  bool record_special = false;
  // setuid/setgid bits and security.capability xattrs (the profile's [suid]
  // policy, applied once at import instead of at every start): "report"
  // keeps them and lists them; "strip" clears them — except on the paths in
  // `keep` — and lists what it cleared.
  std::string suid = "report";
  std::vector<std::string> keep;
};

struct PrivilegedFile {
  std::string path;  // absolute, inside the tree
  unsigned mode = 0; // the mode as the layer gave it
  bool file_caps = false;
  bool stripped = false;
};

struct UnpackReport {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;  // the regular files' sizes (a sparse file's apparent size)
  Digest diff_id;           // sha256 of the uncompressed tar: the layer's diff_id
  std::vector<PrivilegedFile> privileged;
  std::vector<std::string> special_skipped;  // "path (char 1:3)"
  // Paths removed by whiteouts ("/usr/share/doc"): each thing removed
  // whole, so a removed directory is one line, not one per file in it.
  std::vector<std::string> whiteouts;
};

// Applies the layer read from `source` onto the tree at `tree_fd` (a
// directory descriptor). `what` names the layer in errors ("layer 2 of
// busybox:latest: usr/bin/su: ..."). On failure the tree is left partly
// written: the caller unpacks into a staging directory and deletes it.
//
// Every entry is made fresh: what was at its name is unlinked first (a
// directory entry keeps an existing directory and sets its attributes), so
// a file shared as a hard link with another tree is replaced, never written
// through. Refused, naming the entry: names that climb above the root,
// hard links to anything but a regular file inside the tree, reserved
// ".wh." names, a parent that does not resolve to a directory inside the
// tree (a symlink dangling there: nothing to make the directory in), and
// special files unless recorded. Whiteouts hide only what the lower layers
// made: an entry of this layer survives a whiteout or opaque marker that
// comes after it. Owners are the tar's numeric ids; of the xattrs only
// user.* and security.capability are kept.
Result<UnpackReport> apply_layer(int tree_fd, const ByteSource& source, const UnpackPolicy& policy,
                                 const std::string& what);

}  // namespace ringfence::image
