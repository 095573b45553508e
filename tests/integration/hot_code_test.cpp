// In the optimised build the code a run executes is gathered ahead of the
// rest of the text (cli/hot-text.ld and cli/supervisor-hot-text.ld, made by
// scripts/hot-code.py): the kernel maps 64 KiB around each page a process
// faults in, so only gathered does a run leave most of the binary unmapped
// (issue 14; what it saves is measured by bench/startup.sh and
// bench/resident.sh, not here). What is checked is that the linker applied
// the lists: the section exists and the functions every run enters are in
// it.
#include <gmock/gmock.h>

#include <cstdint>
#include <sstream>

#include "harness.h"

namespace ringfence::itest {
namespace {

struct Range {
  std::uint64_t start = 0, size = 0;
};

// The address range of a binary's .text.hot, from readelf.
Range hot_section(const std::string& binary) {
  int status = -1;
  std::istringstream in(shell("readelf -SW '" + binary + "'", &status));
  EXPECT_EQ(status, 0);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line.substr(line.find(']') + 1));
    std::string name, type;
    Range r;
    fields >> name >> type >> std::hex >> r.start;
    std::string offset;
    fields >> offset >> r.size;
    if (name == ".text.hot") return r;
  }
  return {};
}

// The address of a function, by its name as `nm -C` prints it.
std::uint64_t address_of(const std::string& binary, const std::string& function) {
  int status = -1;
  std::istringstream in(shell("nm -C '" + binary + "'", &status));
  EXPECT_EQ(status, 0);
  std::string line;
  while (std::getline(in, line)) {
    const auto name = line.find(' ', line.find(' ') + 1);
    if (name != std::string::npos && line.compare(name + 1, std::string::npos, function) == 0)
      return std::stoull(line.substr(0, line.find(' ')), nullptr, 16);
  }
  ADD_FAILURE() << function << " is not in " << binary;
  return 0;
}

void expect_gathered(const std::string& binary, const std::vector<std::string>& functions) {
  const Range hot = hot_section(binary);
  ASSERT_GT(hot.size, 0u) << binary << " has no .text.hot: the linker did not get its list";
  for (const auto& f : functions) {
    const auto at = address_of(binary, f);
    EXPECT_TRUE(at >= hot.start && at < hot.start + hot.size) << f << " lies outside " << binary << "'s .text.hot";
  }
}

TEST(HotCode, RingfenceRunsFromItsGatheredSection) {
#ifndef RINGFENCE_HOT_TEXT
  GTEST_SKIP() << "the sanitizer and fuzz builds keep the linker's default layout";
#endif
  expect_gathered(RINGFENCE_BINARY, {"main", "ringfence::runtime::LauncherCore::clone_child()"});
}

TEST(HotCode, TheSmallSupervisorRunsFromItsGatheredSection) {
#ifndef RINGFENCE_HOT_TEXT
  GTEST_SKIP() << "the sanitizer and fuzz builds keep the linker's default layout";
#endif
  const std::string binary = std::string(RINGFENCE_BINARY) + "-supervisor";
  expect_gathered(binary, {"main", "ringfence::runtime::run_handed_over(int, char**)"});
}

}  // namespace
}  // namespace ringfence::itest
