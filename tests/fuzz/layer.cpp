// A layer (tar, gzip or zstd) applied onto a tree, as `image import` applies
// every layer it is handed, as root. Property: nothing lands outside the
// tree — the directory beside it stays empty whatever names, links and
// whiteouts the layer holds.
#include <fcntl.h>
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "fuzz_support.h"
#include "ringfence/base/fd.h"
#include "ringfence/image/layer_apply.h"

using namespace ringfence;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string tree = fuzz::scratch_dir() + "/tree";
  static const std::string beside = fuzz::scratch_dir() + "/beside";
  std::error_code ec;
  std::filesystem::remove_all(tree, ec);
  std::filesystem::create_directories(tree);
  std::filesystem::create_directories(beside);
  Fd fd(open(tree.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  std::size_t at = 0;
  image::ByteSource source = [&](void* buf, std::size_t want) -> ssize_t {
    const std::size_t n = std::min(want, size - at);
    std::memcpy(buf, data + at, n);
    at += n;
    return static_cast<ssize_t>(n);
  };
  image::UnpackPolicy policy;
  policy.max_bytes = 64 << 20;  // a fuzzer's sparse giant is refused, not written
  policy.max_entries = 10'000;
  policy.record_special = size % 2 == 0;
  policy.suid = size % 3 == 0 ? "strip" : "report";
  (void)image::apply_layer(fd.get(), source, policy, "layer");
  FUZZ_CHECK(std::filesystem::is_empty(beside, ec), "a layer wrote outside its tree");
  return 0;
}
