// Builds layer tars in memory for the layer applier's tests, through
// libarchive's writer: hostile names, whiteouts, device nodes, sparse files
// and xattrs, without a Python or tar binary at test time.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

namespace ringfence::image::testing {

class TarBuilder {
 public:
  using Customize = std::function<void(archive_entry*)>;

  enum class Format { pax, gnu };
  explicit TarBuilder(Format format = Format::pax) : a_(archive_write_new()) {
    if (format == Format::gnu) archive_write_set_format_gnutar(a_);
    else archive_write_set_format_pax_restricted(a_);
    check(archive_write_open(a_, this, nullptr, &TarBuilder::append, nullptr));
  }
  ~TarBuilder() { archive_write_free(a_); }
  TarBuilder(const TarBuilder&) = delete;
  TarBuilder& operator=(const TarBuilder&) = delete;

  TarBuilder& file(const std::string& path, const std::string& content, unsigned mode = 0644,
                   const Customize& customize = nullptr) {
    return add(path, AE_IFREG, mode, content, customize);
  }
  TarBuilder& dir(const std::string& path, unsigned mode = 0755, const Customize& customize = nullptr) {
    return add(path, AE_IFDIR, mode, "", customize);
  }
  TarBuilder& symlink(const std::string& path, const std::string& target) {
    return add(path, AE_IFLNK, 0777, "", [&](archive_entry* e) { archive_entry_set_symlink(e, target.c_str()); });
  }
  TarBuilder& hardlink(const std::string& path, const std::string& target) {
    return add(path, AE_IFREG, 0644, "", [&](archive_entry* e) {
      archive_entry_set_hardlink(e, target.c_str());
      archive_entry_set_size(e, 0);
    });
  }
  TarBuilder& special(const std::string& path, unsigned type, unsigned major_number = 0, unsigned minor_number = 0) {
    return add(path, type, 0666, "", [&](archive_entry* e) {
      archive_entry_set_rdevmajor(e, major_number);
      archive_entry_set_rdevminor(e, minor_number);
    });
  }
  // A sparse regular file of `size` bytes whose only data is `content` at
  // `offset`: the tar holds the data, not the holes.
  TarBuilder& sparse(const std::string& path, std::int64_t size, std::int64_t offset, const std::string& content) {
    archive_entry* e = new_entry(path, AE_IFREG, 0644);
    archive_entry_set_size(e, size);
    archive_entry_sparse_add_entry(e, offset, static_cast<la_int64_t>(content.size()));
    check(archive_write_header(a_, e));
    // The writer takes the file's bytes from the start and drops those in
    // holes: the leading hole must be given as zeros.
    const std::string zeros(1 << 20, '\0');
    for (std::int64_t left = offset; left > 0; left -= static_cast<std::int64_t>(zeros.size())) {
      write(zeros.substr(0, static_cast<std::size_t>(std::min<std::int64_t>(left, zeros.size()))));
    }
    write(content);
    archive_entry_free(e);
    return *this;
  }

  // The tar's bytes, padded to libarchive's 10240-byte blocks.
  std::string finish() {
    check(archive_write_close(a_));
    return out_;
  }

 private:
  TarBuilder& add(const std::string& path, unsigned type, unsigned mode, const std::string& content,
                  const Customize& customize) {
    archive_entry* e = new_entry(path, type, mode);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    if (customize) customize(e);
    check(archive_write_header(a_, e));
    write(content);
    archive_entry_free(e);
    return *this;
  }

  archive_entry* new_entry(const std::string& path, unsigned type, unsigned mode) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, mode);
    // The test's own ids, so that the applier's chown works unprivileged.
    archive_entry_set_uid(e, geteuid());
    archive_entry_set_gid(e, getegid());
    archive_entry_set_mtime(e, 1'600'000'000, 0);
    return e;
  }

  void write(const std::string& content) {
    if (!content.empty() && archive_write_data(a_, content.data(), content.size()) < 0) check(ARCHIVE_FATAL);
  }

  void check(int r) {
    if (r < ARCHIVE_WARN) {
      const char* m = archive_error_string(a_);
      throw std::runtime_error(m != nullptr ? m : "archive_write failed");
    }
  }

  static la_ssize_t append(archive*, void* self, const void* buffer, size_t length) {
    static_cast<TarBuilder*>(self)->out_.append(static_cast<const char*>(buffer), length);
    return static_cast<la_ssize_t>(length);
  }

  archive* a_;
  std::string out_;
};

// `data` compressed as a whole stream ("gzip" or "zstd"), as a registry
// serves a layer.
inline std::string compress(const std::string& data, const std::string& filter) {
  archive* a = archive_write_new();
  std::string out;
  archive_write_set_format_raw(a);
  if (filter == "gzip") archive_write_add_filter_gzip(a);
  else if (filter == "zstd") archive_write_add_filter_zstd(a);
  else throw std::runtime_error("unknown filter " + filter);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(
      a, &out, nullptr,
      [](archive*, void* self, const void* buffer, size_t length) -> la_ssize_t {
        static_cast<std::string*>(self)->append(static_cast<const char*>(buffer), length);
        return static_cast<la_ssize_t>(length);
      },
      nullptr);
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "layer.tar");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
  const bool ok = archive_write_header(a, e) == ARCHIVE_OK &&
                  archive_write_data(a, data.data(), data.size()) == static_cast<la_ssize_t>(data.size()) &&
                  archive_write_close(a) == ARCHIVE_OK;
  archive_entry_free(e);
  archive_write_free(a);
  if (!ok) throw std::runtime_error("compressing with " + filter + " failed");
  return out;
}

}  // namespace ringfence::image::testing
