// README.md's "A short tour" runs as written: every line of its code block,
// read from README.md when the test runs (so an edit of the README is what
// is tested), in order, from a directory that looks like a clone after
// `./scripts/setup.sh`, each line's exit status checked.
//
// That directory holds a symlink to each top-level entry of the source tree
// (profiles/, docs/…) and a build/ of its own:
//  - build/ringfence, a wrapper around this build's binary that gives it the
//    test's state root (--root) and audit log (run's and learn's
//    --audit-log, audit show's, verify's and head's LOG), instead of /run/ringfence
//    and /var/log/ringfence/audit.jsonl, limits `audit scan` to that state
//    root (no runtime's default state directory, no /proc: what else runs
//    on the test's host is not the tour's), and renames each sandbox the tour
//    names (--name web) to a name of this test's, so that neither the
//    sandbox nor its cgroup can meet one of the host's: every argument that
//    is exactly such a name is replaced (a program's argument too);
//  - build/ringfence-oci, the same for the OCI runtime;
//  - build/rootfs, a copy of the test rootfs, which setup.sh builds with
//    the same script (the tour changes copies of it).
// A line's status is 0 unless its comment says "(exit N", as the harden
// line's does. The fixture deletes the sandboxes the tour starts, if a line
// failed before `delete` did, and checks that nothing of them is left.
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <gmock/gmock.h>

#include "harness.h"

namespace ringfence::itest {
namespace {

// The lines of the first ```sh block after "## A short tour", blank lines
// left out.
std::vector<std::string> tour_lines() {
  std::istringstream readme(read_text(std::string(RINGFENCE_SOURCE_DIR) + "/README.md"));
  std::vector<std::string> lines;
  std::string line;
  enum { before, heading, inside } at = before;
  while (std::getline(readme, line)) {
    if (at == before && line == "## A short tour") at = heading;
    else if (at == heading && line == "```sh") at = inside;
    else if (at == inside && line == "```") break;
    else if (at == inside && !line.empty()) lines.push_back(line);
  }
  return lines;
}

// "(exit N" in the line's comment, else 0.
int documented_status(const std::string& line) {
  static const std::regex exit_note(R"(#.*\(exit (\d+))");
  std::smatch m;
  return std::regex_search(line, m, exit_note) ? std::stoi(m[1]) : 0;
}

// The sandbox names the tour gives with --name.
std::vector<std::string> named_sandboxes(const std::vector<std::string>& lines) {
  static const std::regex named(R"(--name ([A-Za-z0-9_.-]+))");
  std::vector<std::string> names;
  for (const auto& line : lines)
    for (std::sregex_iterator it(line.begin(), line.end(), named), end; it != end; ++it)
      if (std::find(names.begin(), names.end(), (*it)[1]) == names.end()) names.push_back((*it)[1]);
  return names;
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class ReadmeTour : public SandboxTest {
 protected:
  // The clone-like directory: the source tree's entries, and build/.
  void make_clone(const std::map<std::string, std::string>& renames) {
    namespace fs = std::filesystem;
    for (const auto& entry : fs::directory_iterator(RINGFENCE_SOURCE_DIR)) {
      const std::string n = entry.path().filename().string();
      if (n.starts_with("build") || n.starts_with(".")) continue;
      fs::create_directory_symlink(entry.path(), clone_ / n);
    }
    const std::string build = clone_ / "build";
    fs::create_directory(build);
    ASSERT_EQ(std::system(("cp -a " + quoted(test_rootfs()) + " " + quoted(build + "/rootfs")).c_str()), 0);
    // ringfence-oci is the same binary, told apart by its name.
    fs::create_directory(clone_ / ".oci");
    fs::create_symlink(RINGFENCE_BINARY, clone_ / ".oci/ringfence-oci");
    std::string rename;
    for (const auto& [from, to] : renames) rename += "    " + quoted(from) + ") a=" + quoted(to) + " ;;\n";
    const std::string prologue =
        "#!/bin/sh\n"
        "# tests/integration/readme_tour_test.cpp: this test's state root, audit log and sandbox names.\n"
        "root=" + quoted(state_root()) + "\nlog=" + quoted(audit_log()) + "\n"
        "n=$#\nwhile [ \"$n\" -gt 0 ]; do\n  a=$1; shift; n=$((n - 1))\n  case $a in\n" + rename +
        "  esac\n  set -- \"$@\" \"$a\"\ndone\n";
    write(build + "/ringfence",
          prologue + "real=" + quoted(RINGFENCE_BINARY) + "\n" +
              "case $1 in\n"
              "  run|learn) v=$1; shift; exec \"$real\" --root \"$root\" \"$v\" --audit-log \"$log\" \"$@\" ;;\n"
              "  audit) case $2 in show|verify|head) v=$2; shift 2; exec \"$real\" --root \"$root\" audit \"$v\" \"$@\" "
              "\"$log\" ;;\n"
              "    scan) shift 2; exec \"$real\" --root \"$root\" audit scan --no-default-state-dirs --no-proc \"$@\" ;; esac ;;\n"
              "esac\n"
              "exec \"$real\" --root \"$root\" \"$@\"\n");
    write(build + "/ringfence-oci", prologue + "exec " + quoted(clone_ / ".oci/ringfence-oci") +
                                        " --root \"$root\" --audit-log \"$log\" \"$@\"\n");
  }

  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
    ASSERT_EQ(chmod(path.c_str(), 0755), 0) << path;
  }

  // Runs one line with sh, in the clone.
  Result run_line(const std::string& line) {
    RunOptions o;
    o.binary = "/bin/sh";
    return ringfence({"-c", "cd \"$0\" && eval \"$1\"", clone_.path(), line}, o);
  }

  TempDir clone_{"ringfence-readme"};
};

TEST_F(ReadmeTour, EveryLineRunsAsWritten) {
  const auto lines = tour_lines();
  ASSERT_GE(lines.size(), 10u) << "README.md has no '## A short tour' with a ```sh block";
  std::map<std::string, std::string> renames;
  for (const auto& n : named_sandboxes(lines)) renames[n] = name(n);
  make_clone(renames);
  if (HasFatalFailure()) return;
  for (const auto& line : lines) {
    const Result r = run_line(line);
    EXPECT_EQ(r.status, documented_status(line)) << line << "\nstdout:\n" << r.out << "stderr:\n" << r.err;
  }
}

// The test's own parts, on a README of its own: a line that fails is
// caught, a documented status is honoured, the block ends where it ends.
TEST(ReadmeTourParts, StatusesAndNamesComeFromTheLines) {
  EXPECT_EQ(documented_status("build/ringfence harden demo   # list them (exit 1: there are some)"), 1);
  EXPECT_EQ(documented_status("build/ringfence list"), 0);
  EXPECT_EQ(documented_status("echo '(exit 3'"), 0) << "only a comment documents a status";
  EXPECT_EQ(named_sandboxes({"run --name web --detach -- sh", "exec web -- ps", "run --name db -- x"}),
            (std::vector<std::string>{"web", "db"}));
}

}  // namespace
}  // namespace ringfence::itest
