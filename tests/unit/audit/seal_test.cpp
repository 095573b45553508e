// Seals and heads: what a hash chain alone cannot see (a cut end, a chain
// rebuilt after an edit, another machine's log) is found with the
// verification key or a shipped head; everything after the last seal is
// reported as unsealed.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ringfence/audit/log.h"
#include "ringfence/audit/log_writer.h"
#include "ringfence/audit/seal.h"
#include "ringfence/audit/verify.h"

namespace ringfence::audit {
namespace {

// Produced independently of ringfence, with python3's hashlib and hmac:
//   k0 = bytes(range(32)); k1 = sha256(b"ringfence-seal-evolve" + k0); k2 = sha256(... + k1)
//   hmac(k2, "ringfence-seal-v1\n<id>\n2\n7\n2026-12-04T10:00:00.000000000Z\n" + "ab"*32, sha256)
TEST(SealKeys, KeysEvolveAndSealAsSpecified) {
  SealKey k0{};
  for (int i = 0; i < 32; ++i) k0[i] = static_cast<unsigned char>(i);
  const SealKey k2 = key_for_epoch(k0, 2);
  EXPECT_EQ(evolve(evolve(k0)), k2);
  std::string hex;
  for (unsigned char c : k2) hex += fmt::format("{:02x}", c);
  EXPECT_EQ(hex, "6e69f431021de0c65e9a040bf56d4ed92d4a6d452a6b168cb7838f28696af3f4");
  std::string prev;
  for (int i = 0; i < 32; ++i) prev += "ab";
  EXPECT_EQ(seal_mac(k2, "00112233445566778899aabbccddeeff", 2, 7, "2026-12-04T10:00:00.000000000Z", prev),
            "72543636b87e694112fc6d20865f5627fdce94804de1f9739efe829f7b1223f2");
}

TEST(SealKeys, AVerificationKeyReadsBackAndNothingElseDoes) {
  VerificationKey k;
  k.log_id = "00112233445566778899aabbccddeeff";
  for (int i = 0; i < 32; ++i) k.key[i] = static_cast<unsigned char>(255 - i);
  const std::string text = format_verification_key(k);
  auto back = parse_verification_key(text + "\n");
  ASSERT_TRUE(back.ok()) << back.status().message;
  EXPECT_EQ(back->log_id, k.log_id);
  EXPECT_EQ(back->key, k.key);
  for (const std::string& bad : {std::string(""), text.substr(1), text.substr(0, text.size() - 1), text + "0",
                                std::string("rfseal1:zz112233445566778899aabbccddeeff") + text.substr(40)})
    EXPECT_FALSE(parse_verification_key(bad).ok()) << bad;
}

class SealedLog : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rf-seal-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/log/audit.jsonl";
    key_ = start_sealing(path_);
    // Three sandboxes, each sealed at its stop: 1 + 3 * (create, start,
    // 2 violations, stop, seal) records.
    for (int s = 0; s < 3; ++s) sandbox(path_, fmt::format("s{}", s));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static VerificationKey start_sealing(const std::string& path) {
    auto key = create_sealing_key(path, false);
    EXPECT_TRUE(key.ok()) << key.status().message;
    LogWriter w(path);
    w.request_seal();
    EXPECT_TRUE(w.flush().ok());
    return *key;
  }
  static void sandbox(const std::string& path, const std::string& name) {
    LogWriter w(path);
    w.add({{"event", "sandbox.create"}, {"sandbox", name}});
    w.add({{"event", "sandbox.start"}, {"sandbox", name}, {"pid", 42}});
    w.add_fields(fmt::format(R"("event":"seccomp.notify","sandbox":"{}","syscall":"mount")", name));
    w.add_fields(fmt::format(R"("event":"seccomp.notify","sandbox":"{}","syscall":"ptrace")", name));
    w.add({{"event", "sandbox.stop"}, {"sandbox", name}, {"exit_status", 0}});
    ASSERT_TRUE(w.flush().ok());
  }

  std::vector<std::string> lines() const {
    std::ifstream in(path_);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  void write(const std::vector<std::string>& ls) const {
    std::ofstream out(path_, std::ios::trunc);
    for (const auto& l : ls) out << l << "\n";
  }
  VerifyResult verify() const {
    VerifyOptions o;
    o.key = key_;
    return verify_log(path_, o);
  }

  std::string dir_, path_;
  VerificationKey key_;
};

TEST_F(SealedLog, EveryStopIsSealedAndTheWholeLogVerifies) {
  const auto ls = lines();
  ASSERT_EQ(ls.size(), 19u);
  std::vector<std::uint64_t> epochs;
  for (const auto& l : ls) {
    const auto j = nlohmann::json::parse(l);
    if (j["event"] == "log.seal") epochs.push_back(j["epoch"]);
  }
  EXPECT_EQ(epochs, (std::vector<std::uint64_t>{0, 1, 2, 3}));
  const auto v = verify();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_TRUE(v.seals_checked);
  EXPECT_EQ(v.seals, 4u);
  EXPECT_EQ(v.sealed_through, 19u);
  EXPECT_EQ(v.unsealed, 0u);
  // What the host keeps is the key of the next epoch, not of any seal made.
  auto state = load_sealing_state(path_);
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ((*state)->epoch, 4u);
  EXPECT_EQ((*state)->key, key_for_epoch(key_.key, 4));
  struct stat st {};
  ASSERT_EQ(stat(sealing_key_path(path_).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SealedLog, ASealRightAfterASealIsNotWritten) {
  const auto before = lines().size();
  for (int i = 0; i < 2; ++i) {
    LogWriter w(path_);
    w.request_seal();  // every running supervisor's timer asks
    ASSERT_TRUE(w.flush().ok());
  }
  EXPECT_EQ(lines().size(), before);
  LogWriter w(path_);
  w.add({{"event", "sandbox.create"}, {"sandbox", "late"}});
  w.request_seal();
  ASSERT_TRUE(w.flush().ok());
  EXPECT_EQ(lines().size(), before + 2);
  EXPECT_EQ(verify().unsealed, 0u);
}

TEST_F(SealedLog, RecordsAfterTheLastSealAreReportedAsUnsealed) {
  LogWriter w(path_);
  w.add({{"event", "sandbox.create"}, {"sandbox", "late"}});
  ASSERT_TRUE(w.flush().ok());
  const auto v = verify();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.sealed_through, 19u);
  EXPECT_EQ(v.unsealed, 1u);
}

TEST_F(SealedLog, EveryEditOfAnyRecordIsFound) {
  const auto original = lines();
  for (std::size_t i = 0; i < original.size(); ++i) {
    auto ls = original;
    auto j = nlohmann::json::parse(ls[i]);
    j["time"] = "2026-01-01T00:00:00.000000000Z";
    ls[i] = j.dump();
    write(ls);
    EXPECT_FALSE(verify().intact) << "edited line " << i + 1;
  }
}

TEST_F(SealedLog, EveryRemovedRecordIsFoundOrLeftUnsealed) {
  const auto original = lines();
  for (std::size_t i = 0; i < original.size(); ++i) {
    auto ls = original;
    ls.erase(ls.begin() + static_cast<long>(i));
    write(ls);
    const auto v = verify();
    if (i + 1 < original.size()) {
      EXPECT_FALSE(v.intact) << "removed line " << i + 1;
    } else {
      // The last seal itself gone: the stop before it is reported unsealed.
      EXPECT_TRUE(v.intact) << v.problem;
      EXPECT_EQ(v.sealed_through, 13u);
      EXPECT_EQ(v.unsealed, 5u);
    }
  }
}

TEST_F(SealedLog, EverySwapOfTwoRecordsIsFound) {
  const auto original = lines();
  for (std::size_t i = 0; i + 1 < original.size(); ++i) {
    auto ls = original;
    std::swap(ls[i], ls[i + 1]);
    write(ls);
    EXPECT_FALSE(verify().intact) << "swapped lines " << i + 1 << " and " << i + 2;
  }
}

// Whoever takes the host later holds the current sealing key: they can cut
// the log, but the next seal (theirs, or the next sandbox's stop) is made
// with a later key than the last one left, and the epochs skipped show.
TEST_F(SealedLog, ACutIsFoundAtTheNextSeal) {
  const auto original = lines();
  const auto stolen = load_sealing_state(path_);
  ASSERT_TRUE(stolen.ok() && stolen->has_value());
  for (std::size_t keep = 1; keep < original.size(); ++keep) {
    write({original.begin(), original.begin() + static_cast<long>(keep)});
    ASSERT_TRUE(store_sealing_state(path_, **stolen).ok());
    sandbox(path_, "after-the-cut");
    EXPECT_FALSE(verify().intact) << "cut after line " << keep;
  }
}

TEST_F(SealedLog, ACutAtAnyByteIsFoundWithTheShippedHead) {
  const auto head = log_head(path_);
  ASSERT_TRUE(head.ok()) << head.status().message;
  EXPECT_EQ(head->seq, 19u);
  std::ifstream in(path_, std::ios::binary);
  const std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  VerifyOptions o;
  o.key = key_;
  o.expect.push_back(*head);
  ASSERT_TRUE(verify_log(path_, o).intact);
  for (std::size_t size = 0; size < whole.size(); ++size) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << whole.substr(0, size);
    const auto v = verify_log(path_, o);
    EXPECT_FALSE(v.intact) << "cut at byte " << size;
    // Without the head, the key alone never claims a record it lost.
    const auto keyed = verify();
    if (keyed.intact) {
      EXPECT_LE(keyed.sealed_through, keyed.last.seq) << "cut at byte " << size;
    }
  }
}

TEST_F(SealedLog, AChainRebuiltAfterAnEditVerifiesWithoutTheKeyButNotWithIt) {
  auto ls = lines();
  auto j = nlohmann::json::parse(ls[4]);  // sandbox s0's stop
  j["exit_status"] = 1;
  ls[4] = j.dump();
  // Rebuild every later prev, as anyone without the key can.
  for (std::size_t i = 5; i < ls.size(); ++i) {
    auto r = nlohmann::json::parse(ls[i]);
    r["prev"] = record_hash(ls[i - 1]);
    ls[i] = r.dump();
  }
  write(ls);
  EXPECT_TRUE(verify_log(path_).intact) << "the chain alone cannot tell";
  const auto v = verify();
  EXPECT_FALSE(v.intact);
  EXPECT_NE(v.problem.find("does not verify"), std::string::npos) << v.problem;
}

TEST_F(SealedLog, AnotherMachinesLogIsNotThisKeys) {
  const std::string other = dir_ + "/other/audit.jsonl";
  start_sealing(other);
  sandbox(other, "s0");
  VerifyOptions o;
  o.key = key_;
  EXPECT_TRUE(verify_log(other).intact);
  const auto v = verify_log(other, o);
  EXPECT_FALSE(v.intact);
  EXPECT_NE(v.problem.find("not the log this key seals"), std::string::npos) << v.problem;
}

TEST_F(SealedLog, ASealWrittenTwiceByACrashedWriterStillVerifies) {
  // A writer that died between writing a seal and moving its key on leaves
  // the old key; the next seal has the same epoch.
  const auto before = load_sealing_state(path_);
  ASSERT_TRUE(before.ok() && before->has_value());
  sandbox(path_, "s3");
  ASSERT_TRUE(store_sealing_state(path_, **before).ok());
  sandbox(path_, "s4");
  const auto v = verify();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.unsealed, 0u);
}

TEST_F(SealedLog, ADamagedSealingKeyStopsTheWriterWithWhatToDo) {
  std::ofstream(sealing_key_path(path_), std::ios::trunc) << "{}";
  LogWriter w(path_);
  w.add({{"event", "sandbox.stop"}, {"sandbox", "x"}});
  const Status st = w.flush();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message.find("setup-keys --force"), std::string::npos) << st.message;
}

TEST_F(SealedLog, TheSealingKeyIsNeverReadThroughASymlink) {
  const std::string key = sealing_key_path(path_);
  std::filesystem::rename(key, dir_ + "/elsewhere");
  std::filesystem::create_symlink(dir_ + "/elsewhere", key);
  EXPECT_FALSE(load_sealing_state(path_).ok());
}

TEST_F(SealedLog, SetupRefusesToReplaceAKeyUnlessAsked) {
  EXPECT_FALSE(create_sealing_key(path_, false).ok());
  auto again = create_sealing_key(path_, true);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->log_id, key_.log_id);
}

TEST(Heads, OnlySeqColonHashIsAHead) {
  const std::string hash(64, 'a');
  auto h = parse_head("12:" + hash);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->seq, 12u);
  for (const std::string& bad : {std::string("12"), ":" + hash, "0:" + hash, "x:" + hash, "12:" + hash.substr(1),
                                "12:" + std::string(64, 'G')})
    EXPECT_FALSE(parse_head(bad).ok()) << bad;
}

}  // namespace
}  // namespace ringfence::audit
