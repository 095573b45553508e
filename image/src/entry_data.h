// An entry's content and attributes, written to a file the applier has just
// created: owner, times, xattrs, and the data itself with its holes. Errors
// are the reason alone; the applier names the layer and the entry.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <string_view>

#include "layer_stream.h"
#include "ringfence/base/result.h"

namespace ringfence::image::detail {

inline constexpr std::string_view kCapabilityXattr = "security.capability";

struct Owner {
  uid_t uid;
  gid_t gid;
};
// The numeric ids from the tar (names are not looked up: the host's passwd
// is not the image's). Ids chown cannot set are refused.
Result<Owner> entry_owner(archive_entry* e);

// For futimens/utimensat: atime, which tars seldom carry, follows mtime.
struct Times {
  timespec ts[2];
};
Times entry_times(archive_entry* e);

bool entry_has_xattr(archive_entry* e, std::string_view name);
// user.* xattrs, and security.capability when `capability` (a regular file
// whose caps the [suid] policy did not strip).
Status set_entry_xattrs(int fd, archive_entry* e, bool capability);

// The current entry's data from the layer into `fd`, at the offsets
// libarchive gives so that a sparse entry's holes stay holes, then the
// file's size set to `size` (a trailing hole has no block).
Status write_entry_data(LayerStream& stream, int fd, std::int64_t size);

}  // namespace ringfence::image::detail
