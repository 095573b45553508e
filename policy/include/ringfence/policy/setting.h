// Value wrappers that remember where each value was written, so that the
// compiler, the linter and the auditor can point at the line that caused a
// finding — through `extends`, to the file that set it.
//
// The wrapper type of a field also chooses how layered profiles merge it
// (see merge.h and docs/profiles.md, "How extends merges"):
//   Setting<T>            the last layer that writes it wins
//   Setting<StringList>   the last layer wins; an element "..." splices in
//                         the inherited list at that place
//   Setting<StringMap>    merged key by key, the last layer wins per key
//   Accumulated<T>        every layer's entries are kept, in layer order,
//                         each tagged with its layer (capability deltas,
//                         seccomp rules, mounts, devices)
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ringfence/policy/diagnostic.h"

namespace ringfence::policy {

template <class T>
struct Setting {
  T value{};
  SourceLocation origin;  // empty: the built-in default

  bool is_set() const { return origin.known(); }
  const T& operator*() const { return value; }
  const T* operator->() const { return &value; }
};

// A setting given at `at`: a profile's line, a flag, a config.json member.
template <class T>
Setting<T> setting_at(T value, const SourceLocation& at) {
  return Setting<T>{std::move(value), at};
}

template <class T>
struct Located {
  T value{};
  SourceLocation loc;
  int layer = 0;  // index in the extends chain, 0 = the root-most profile

  bool operator==(const Located& o) const { return value == o.value; }
};

using StringList = std::vector<Located<std::string>>;
using StringMap = std::map<std::string, Located<std::string>>;

// The element marker that, inside a replaced list, stands for the inherited
// entries: masked_paths = ["...", "/proc/scsi"].
inline constexpr const char* kInheritMarker = "...";

// Entries that every layer contributes to. T is either std::string or a
// struct with a `visit` member, a `loc` and a `layer`.
template <class T>
struct Accumulated {
  std::vector<T> items;
  bool empty() const { return items.empty(); }
};

// Byte sizes are written as integers (bytes) or with Docker's units
// ("64M", "1.5g", "512k"); -1 or "unlimited" where a field allows it.
struct ByteSize {
  std::int64_t bytes = 0;
  bool unlimited = false;
  bool operator==(const ByteSize&) const = default;
};

}  // namespace ringfence::policy
