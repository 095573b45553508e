// What the fuzz targets share: a property check that stops the run, and a
// private scratch directory for the parsers whose public API takes a path.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace ringfence::fuzz {

// A property that does not hold is a bug as much as a crash: say which and
// stop, so that libFuzzer keeps the input (crash-<sha1>).
#define FUZZ_CHECK(cond, what)                                                              \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "fuzz property violated: %s (%s:%d: %s)\n", what, __FILE__, __LINE__, \
                   #cond);                                                                  \
      __builtin_trap();                                                                     \
    }                                                                                       \
  } while (0)

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A directory of this process's own, made once and reused by every run
// (a file per run would cost more than most of the parsers). It is removed
// at exit; a run killed by a crash leaves it in $TMPDIR.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/ringfence-fuzz-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    static std::string keep = pattern;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(keep, ec);
    });
    return pattern;
  }();
  return dir;
}

// Writes `text` to `name` in the scratch directory (replacing it) and
// returns its path.
inline std::string write_scratch(const std::string& name, std::string_view text) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

}  // namespace ringfence::fuzz
