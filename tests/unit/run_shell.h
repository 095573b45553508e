// The unit tests of the verbs run ringfence as a user's shell does: a command line,
// its exit status and what it printed on stdout.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace ringfence::clitest {

struct ShellResult {
  int status = -1;  // -1: it did not exit (killed by a signal)
  std::string out;
};

// `command`, run by /bin/sh in the source tree (where relative profile
// paths such as profiles/strict.toml lead).
inline ShellResult run_in_source_tree(const std::string& command) {
  ShellResult r;
  FILE* p = popen((std::string("cd ") + RINGFENCE_SOURCE_DIR + " && " + command).c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace ringfence::clitest
