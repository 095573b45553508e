// The two file operations the setuid walk, the strip and the undo share:
// opening a name below a directory without ever leaving its mount or
// following a symlink, and changing the mode of what such an open returned.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>

namespace ringfence::enforcer::suid_fs {

// openat2(dir_fd, path, flags | O_CLOEXEC) with RESOLVE_BENEATH,
// RESOLVE_NO_SYMLINKS, RESOLVE_NO_MAGICLINKS and RESOLVE_NO_XDEV: a symlink
// anywhere on the way fails with ELOOP, a mount point with EXDEV. Returns the
// fd or -1 with errno set.
int open_beneath(int dir_fd, const char* path, int flags);

// Sets the permission bits of the file `fd` (an O_PATH descriptor) refers
// to; -1 with errno set on failure.
int chmod_fd(int fd, mode_t mode);

// The SHA-256 (lowercase hex) of the content of the regular file `fd` (an
// O_PATH descriptor) refers to, read through its /proc/self/fd link; "" with
// errno set on failure.
std::string content_sha256(int fd);

// "SECONDS.NANOSECONDS", as the record keeps times.
std::string time_text(std::int64_t sec, std::uint32_t nsec);

// The fields of a statx the walk compares, as a struct stat.
struct stat to_stat(const struct statx& stx);

// "04755": permission bits as the record and the report print them.
std::string octal(mode_t mode);

}  // namespace ringfence::enforcer::suid_fs
