// Where the bytes of a blob come from: a file, a span of an archive, a
// decompressor. Like read(2): the bytes read, 0 at the end, -1 on an error
// that the source keeps and reports itself.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>

namespace ringfence::image {

using ByteSource = std::function<ssize_t(void* buf, std::size_t size)>;

}  // namespace ringfence::image
