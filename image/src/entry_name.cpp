#include "entry_name.h"

#include <cerrno>

namespace ringfence::image::detail {

namespace {
constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
}  // namespace

std::string EntryPath::relative() const {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

std::string EntryPath::parent_relative() const {
  std::string out;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!out.empty()) out += '/';
    out += parts[i];
  }
  return out;
}

Result<EntryPath> parse_entry_path(std::string_view name) {
  if (name.empty()) return Status::failure("empty name", EBADMSG);
  if (name.find('\0') != std::string_view::npos) return Status::failure("NUL in the name", EBADMSG);
  EntryPath path;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view part = name.substr(start, end - start);
    if (part == "..") {
      if (path.parts.empty()) return Status::failure("the name climbs above the root", EBADMSG);
      path.parts.pop_back();
    } else if (!part.empty() && part != ".") {
      path.parts.emplace_back(part);
    }
    start = end + 1;
  }
  return path;
}

Whiteout classify_whiteout(const std::string& name) {
  if (name.compare(0, kWhiteoutPrefix.size(), kWhiteoutPrefix) != 0) return Whiteout::none;
  if (name == kOpaqueMarker) return Whiteout::opaque;
  const std::string target = name.substr(kWhiteoutPrefix.size());
  // ".wh." alone, ".wh.." and ".wh..." name nothing a layer can remove, and
  // ".wh..wh.*" is reserved for markers (only the opaque one exists).
  if (target.empty() || target == "." || target == ".." ||
      target.compare(0, kWhiteoutPrefix.size(), kWhiteoutPrefix) == 0) {
    return Whiteout::invalid;
  }
  return Whiteout::file;
}

}  // namespace ringfence::image::detail
