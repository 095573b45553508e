// The audit chain's hash checked against an independent SHA-256, not against
// itself: log_test.cpp compares what append_event writes with what
// record_hash computes, which stays consistent if both are wrong the same way
// (another digest, the newline hashed, a truncated hex). The constants below
// were computed outside ringfence, with python3's hashlib:
//   python3 -c 'import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())' 'LINE'
// and checked with `printf '%s' 'LINE' | sha256sum`.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ringfence/audit/log.h"
#include "ringfence/audit/log_rotation.h"
#include "ringfence/audit/verify.h"

namespace ringfence::audit {
namespace {

// FIPS 180-2 appendix B vectors (one block, two blocks) and the empty string.
TEST(AuditHashKnownAnswer, RecordHashIsSha256Hex) {
  EXPECT_EQ(record_hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(record_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(record_hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

// A three-record chain written by hand (python3, the hashes of each line
// without its newline): verify_log must accept it and end on the hash
// hashlib gave for the last line.
const char* const kLine1 =
    R"({"v":1,"seq":1,"prev":"0000000000000000000000000000000000000000000000000000000000000000",)"
    R"("time":"2024-05-01T12:00:01Z","event":"sandbox.start","sandbox":"web"})";
const char* const kLine2 =
    R"({"v":1,"seq":2,"prev":"10c828507a249117b09313d2490fed81e929fcf6cfb1e85e5a3cbef89aafee96",)"
    R"("time":"2024-05-01T12:00:02Z","event":"step.ok","sandbox":"web","step":"seccomp.load"})";
const char* const kLine3 =
    R"({"v":1,"seq":3,"prev":"2dd4ce6a5d4dc7d97f8620f0723941c5a61a7a2ec53e4d47264041c8976fcfc3",)"
    R"("time":"2024-05-01T12:00:03Z","event":"sandbox.stop","exit_status":0,"sandbox":"web"})";
const char* const kHash3 = "f980818c03661dc82aff9649019448ef1c33956c821fb4d427c2c3177bbf1785";

class AuditChainKnownAnswer : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rf-audit-kat-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& text) {
    const std::string path = dir_ + "/audit.jsonl";
    std::ofstream(path, std::ios::trunc | std::ios::binary) << text;
    return path;
  }
  std::string dir_;
};

TEST_F(AuditChainKnownAnswer, AChainHashedElsewhereVerifies) {
  EXPECT_EQ(record_hash(kLine1), "10c828507a249117b09313d2490fed81e929fcf6cfb1e85e5a3cbef89aafee96");
  const auto v = verify_log(write(std::string(kLine1) + "\n" + kLine2 + "\n" + kLine3 + "\n"));
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.records, 3u);
  EXPECT_EQ(v.last_hash, kHash3);
}

// The same chain with one byte of record 1 changed ("web" to "wab"): its
// hash is no longer the prev that record 2 holds.
TEST_F(AuditChainKnownAnswer, OneChangedByteBreaksIt) {
  std::string edited = kLine1;
  edited.replace(edited.rfind("web"), 3, "wab");
  const auto v = verify_log(write(edited + "\n" + kLine2 + "\n" + kLine3 + "\n"));
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.line, 1u) << v.problem;
}

// What append_event writes next chains to the hand-made head: its prev is
// the hash hashlib gave, not whatever the writer computes.
TEST_F(AuditChainKnownAnswer, TheWriterChainsToTheKnownHead) {
  const std::string path = write(std::string(kLine1) + "\n" + kLine2 + "\n" + kLine3 + "\n");
  ASSERT_TRUE(append_event(path, {{"event", "after"}}).ok());
  // The hand-made records are from 2024: older than the rotation age, so
  // the writer rotated first and its log.rotated record is the one after
  // record 3, in the new file.
  std::vector<nlohmann::json> records;
  for (const auto& file : log_files(path)) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) records.push_back(nlohmann::json::parse(line));
  }
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[3]["event"], "log.rotated");
  EXPECT_EQ(records[3]["seq"], 4);
  EXPECT_EQ(records[3]["prev"], kHash3);
  EXPECT_EQ(records[4]["event"], "after");
}

}  // namespace
}  // namespace ringfence::audit
