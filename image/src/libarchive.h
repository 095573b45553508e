// libarchive, loaded by the first command that reads or writes a layer
// (shared_library.h says why it is not linked). Every libarchive function
// the image module calls is a pointer here, typed by libarchive's header;
// call them as la::archive_read_new() and so on.
//
// load() is called wherever an archive object is made (archive_read_new,
// archive_write_new, archive_entry_new): every other call takes an object
// one of those made, so it cannot run before the pointers are set.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "ringfence/base/status.h"

// Every function the image module calls, for the table below.
#define RINGFENCE_LIBARCHIVE_FUNCTIONS(X) \
  X(archive_entry_atime) \
  X(archive_entry_atime_is_set) \
  X(archive_entry_atime_nsec) \
  X(archive_entry_filetype) \
  X(archive_entry_free) \
  X(archive_entry_gid) \
  X(archive_entry_hardlink) \
  X(archive_entry_mtime) \
  X(archive_entry_mtime_is_set) \
  X(archive_entry_mtime_nsec) \
  X(archive_entry_new) \
  X(archive_entry_pathname) \
  X(archive_entry_pathname_utf8) \
  X(archive_entry_perm) \
  X(archive_entry_rdevmajor) \
  X(archive_entry_rdevminor) \
  X(archive_entry_set_filetype) \
  X(archive_entry_set_gid) \
  X(archive_entry_set_hardlink) \
  X(archive_entry_set_mtime) \
  X(archive_entry_set_pathname) \
  X(archive_entry_set_perm) \
  X(archive_entry_set_size) \
  X(archive_entry_set_uid) \
  X(archive_entry_size) \
  X(archive_entry_size_is_set) \
  X(archive_entry_sparse_count) \
  X(archive_entry_symlink) \
  X(archive_entry_uid) \
  X(archive_entry_xattr_next) \
  X(archive_entry_xattr_reset) \
  X(archive_errno) \
  X(archive_error_string) \
  X(archive_read_data_block) \
  X(archive_read_free) \
  X(archive_read_header_position) \
  X(archive_read_new) \
  X(archive_read_next_header) \
  X(archive_read_open) \
  X(archive_read_open_fd) \
  X(archive_read_support_filter_gzip) \
  X(archive_read_support_filter_zstd) \
  X(archive_read_support_format_empty) \
  X(archive_read_support_format_gnutar) \
  X(archive_read_support_format_raw) \
  X(archive_read_support_format_tar) \
  X(archive_set_error) \
  X(archive_write_add_filter_none) \
  X(archive_write_close) \
  X(archive_write_data) \
  X(archive_write_free) \
  X(archive_write_header) \
  X(archive_write_new) \
  X(archive_write_open) \
  X(archive_write_set_format_pax_restricted)

namespace ringfence::image::la {

#define RINGFENCE_LIBARCHIVE_DECLARE(name) extern decltype(&::name) name;
RINGFENCE_LIBARCHIVE_FUNCTIONS(RINGFENCE_LIBARCHIVE_DECLARE)
#undef RINGFENCE_LIBARCHIVE_DECLARE

// Loads libarchive.so.13 the first time (once per process, thread-safe);
// the same answer every time after. On success every pointer above is set.
Status load();

}  // namespace ringfence::image::la
