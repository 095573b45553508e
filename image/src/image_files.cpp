#include "image_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <vector>

#include "beneath.h"
#include "libarchive.h"

namespace ringfence::image {
namespace {

// "./blobs//sha256/x" -> "blobs/sha256/x"; "" for a name that climbs out.
std::string normal_name(std::string_view name) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view part = name.substr(start, end - start);
    if (part == "..") return "";
    if (!part.empty() && part != ".") parts.push_back(part);
    start = end + 1;
  }
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

struct ArchiveCloser {
  void operator()(archive* a) const { la::archive_read_free(a); }
};

// Where every regular member's data starts. libarchive tells where each
// header starts (pax and GNU long-name records included); a member's data
// is the last whole 512-byte blocks before the next header.
Status index_tar(int fd, const std::string& path, std::map<std::string, std::pair<off_t, std::int64_t>>& members) {
  if (Status st = la::load(); !st) return st;
  std::unique_ptr<archive, ArchiveCloser> a(la::archive_read_new());
  la::archive_read_support_format_tar(a.get());
  la::archive_read_support_format_gnutar(a.get());
  unsigned char magic[4] = {};
  if (pread(fd, magic, sizeof magic, 0) == sizeof magic) {
    if (magic[0] == 0x1f && magic[1] == 0x8b)
      return Status::failure(fmt::format("{}: a gzip file: unpack it first (gunzip)", path), EINVAL);
    if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
      return Status::failure(fmt::format("{}: a zstd file: unpack it first (zstd -d)", path), EINVAL);
  }
  if (la::archive_read_open_fd(a.get(), fd, 1 << 16) != ARCHIVE_OK)
    return Status::failure(fmt::format("{}: not an image archive (an OCI layout or docker-archive tar): {}", path,
                                       la::archive_error_string(a.get())),
                           EINVAL);
  std::string pending;  // the regular member whose end the next header marks
  std::int64_t pending_size = 0;
  auto close_pending = [&](la_int64_t next_header) -> Status {
    if (pending.empty()) return {};
    const std::int64_t padded = (pending_size + 511) / 512 * 512;
    members[pending] = {static_cast<off_t>(next_header - padded), pending_size};
    pending.clear();
    return {};
  };
  archive_entry* e = nullptr;
  for (;;) {
    const int r = la::archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK)
      return Status::failure(fmt::format("{}: not an image archive (an OCI layout or docker-archive tar): {}", path,
                                         la::archive_error_string(a.get())),
                             EBADMSG);
    if (Status st = close_pending(la::archive_read_header_position(a.get())); !st) return st;
    if (la::archive_entry_filetype(e) != AE_IFREG) continue;  // directories; links and the like are not blobs
    if (la::archive_entry_sparse_count(e) > 0)
      return Status::failure(fmt::format("{}: {}: a sparse member: not an image archive", path,
                                         la::archive_entry_pathname(e)),
                             EINVAL);
    const std::string name = normal_name(la::archive_entry_pathname(e) ? la::archive_entry_pathname(e) : "");
    if (name.empty()) continue;
    pending = name;
    pending_size = la::archive_entry_size(e);
  }
  // After the last header, the position is that of the end-of-archive blocks.
  return close_pending(la::archive_read_header_position(a.get()));
}

}  // namespace

ByteSource Member::source() const {
  auto pos = std::make_shared<std::int64_t>(0);
  return [fd = fd, offset = offset, size = size, pos](void* buf, std::size_t want) -> ssize_t {
    const std::int64_t left = size - *pos;
    if (left <= 0) return 0;
    if (static_cast<std::int64_t>(want) > left) want = static_cast<std::size_t>(left);
    for (;;) {
      const ssize_t n = pread(fd->get(), buf, want, offset + *pos);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) {  // the archive is shorter than its index said: it changed under us
        errno = EIO;
        return -1;
      }
      if (n > 0) *pos += n;
      return n;
    }
  };
}

Result<ImageFiles> ImageFiles::open(const std::string& path) {
  ImageFiles f;
  f.path_ = path;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::from_errno(fmt::format("open {}", path));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Status::from_errno(fmt::format("stat {}", path));
  f.is_dir_ = S_ISDIR(st.st_mode);
  if (!f.is_dir_) {
    if (!S_ISREG(st.st_mode))
      return Status::failure(fmt::format("{}: neither a directory nor a file", path), EINVAL);
    if (Status s = index_tar(fd.get(), path, f.members_); !s) return s;
  }
  f.fd_ = std::make_shared<Fd>(std::move(fd));
  return f;
}

bool ImageFiles::exists(const std::string& name) const {
  if (!is_dir_) return members_.count(normal_name(name)) > 0;
  return open_beneath(fd_->get(), name, O_PATH).ok();
}

Result<Member> ImageFiles::find(const std::string& name) const {
  const std::string n = normal_name(name);
  if (n.empty()) return Status::failure(fmt::format("{}: {}: not a name inside the image", path_, name), EINVAL);
  if (!is_dir_) {
    auto it = members_.find(n);
    if (it == members_.end())
      return Status::failure(fmt::format("{}: {} is missing", path_, n), ENOENT);
    return Member{fd_, it->second.first, it->second.second};
  }
  auto file = open_beneath(fd_->get(), n, O_RDONLY | O_NOFOLLOW);
  if (!file) return Status::failure(fmt::format("{}: {}: {}", path_, n, file.status().message), file.status().err);
  struct stat st {};
  if (fstat(file->get(), &st) != 0) return Status::from_errno(fmt::format("stat {}", n));
  if (!S_ISREG(st.st_mode)) return Status::failure(fmt::format("{}: {} is not a file", path_, n), EINVAL);
  return Member{std::make_shared<Fd>(std::move(*file)), 0, st.st_size};
}

Result<std::string> ImageFiles::read_small(const std::string& name, std::int64_t limit) const {
  auto m = find(name);
  if (!m) return m.status();
  if (m->size > limit)
    return Status::failure(fmt::format("{}: {} is {} bytes, more than the {} such a file may be", path_, name,
                                       m->size, limit),
                           EFBIG);
  std::string text(static_cast<std::size_t>(m->size), '\0');
  auto src = m->source();
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = src(text.data() + got, text.size() - got);
    if (n <= 0) return Status::from_errno(fmt::format("read {}", name));
    got += static_cast<std::size_t>(n);
  }
  return text;
}

}  // namespace ringfence::image
