#include "libarchive.h"

#include "ringfence/base/shared_library.h"

// The soname is libarchive's ABI major, 13 for every 3.x release (Debian's
// libarchive13); a 4.x header would need another.
static_assert(ARCHIVE_VERSION_NUMBER >= 3000000 && ARCHIVE_VERSION_NUMBER < 4000000,
              "libarchive 3.x (libarchive.so.13) expected");

namespace ringfence::image::la {

#define RINGFENCE_LIBARCHIVE_DEFINE(name) decltype(&::name) name = nullptr;
RINGFENCE_LIBARCHIVE_FUNCTIONS(RINGFENCE_LIBARCHIVE_DEFINE)
#undef RINGFENCE_LIBARCHIVE_DEFINE

namespace {

Status load_once() {
  auto lib = SharedLibrary::open("libarchive.so.13", "libarchive13");
  if (!lib) return Status::failure("reading and writing image layers needs libarchive: " + lib.status().message,
                                   lib.status().err);
#define RINGFENCE_LIBARCHIVE_BIND(name) \
  if (Status st = lib->bind(#name, name); !st) return st;
  RINGFENCE_LIBARCHIVE_FUNCTIONS(RINGFENCE_LIBARCHIVE_BIND)
#undef RINGFENCE_LIBARCHIVE_BIND
  return {};
}

}  // namespace

Status load() {
  static const Status loaded = load_once();
  return loaded;
}

}  // namespace ringfence::image::la
