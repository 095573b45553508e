// What a layer entry's name means: the path inside the tree it names, and
// whether it is a whiteout. Pure string work, no file system: the tree is
// touched only through tree_ops.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ringfence/base/result.h"

namespace ringfence::image::detail {

// A name from the tar, made relative to the tree's root: components without
// "", "." or "..". Empty (no components) means the root itself.
struct EntryPath {
  std::vector<std::string> parts;

  bool is_root() const { return parts.empty(); }
  // "usr/bin/su" (no leading slash; "" for the root): the key the applier
  // tracks this layer's entries by.
  std::string relative() const;
  // "/usr/bin/su": how reports and the [suid] keep list name it.
  std::string absolute() const { return "/" + relative(); }
  // "usr/bin" and "su"; only for a path that is not the root.
  std::string parent_relative() const;
  const std::string& name() const { return parts.back(); }
};

// Strips leading "/" and "./" (layers are made with both), folds "." and
// "..". Refuses an empty name, a NUL, and a ".." that would climb above the
// root: RESOLVE_IN_ROOT would clamp it there anyway, but a layer that names
// a path outside itself is broken or hostile and should say so. The error
// is the reason alone; the caller adds the layer and the entry.
Result<EntryPath> parse_entry_path(std::string_view name);

// OCI image-spec layer.md whiteouts, by the entry's last component.
enum class Whiteout {
  none,     // an ordinary entry
  file,     // ".wh.NAME": removes NAME
  opaque,   // ".wh..wh..opq": hides what lower layers had in the directory
  invalid,  // any other ".wh." name: reserved, refused
};
Whiteout classify_whiteout(const std::string& name);

// The name a ".wh.NAME" whiteout removes.
inline std::string whited_out_name(const std::string& name) { return name.substr(4); }

}  // namespace ringfence::image::detail
