// Which block of ringfence's subordinate range a sandbox may get: never one
// that overlaps another owner's range, never one already reserved.
#include "ringfence/runtime/subids.h"

#include <gtest/gtest.h>

namespace ringfence::runtime {
namespace {

TEST(Subids, ParsesNamesNumbersAndSkipsBrokenLines) {
  const auto r = parse_subids("alice:100000:65536\n1001:165536:65536\n\nbroken\nx:1:\ny::5\nz:10:0\nringfence:2147483648:1073741824\n");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].owner, "alice");
  EXPECT_EQ(r[0].start, 100000u);
  EXPECT_EQ(r[0].count, 65536u);
  EXPECT_EQ(r[1].owner, "1001");
  EXPECT_EQ(r[2].start, 2147483648u);
  EXPECT_EQ(r[2].count, 1073741824u);
}

TEST(Subids, AnOwnerIsItsNameOrItsUid) {
  EXPECT_TRUE(subid_owner_is("ringfence", "ringfence", 999));
  EXPECT_TRUE(subid_owner_is("999", "ringfence", 999));
  EXPECT_FALSE(subid_owner_is("998", "ringfence", 999));
  EXPECT_FALSE(subid_owner_is("alice", "ringfence", 999));
  EXPECT_FALSE(subid_owner_is("999", "ringfence", std::nullopt));
}

TEST(Subids, TheFirstFreeBlockIsChosen) {
  const SubidRange ours{"ringfence", 1000000, 4 * kIdBlockSize};
  EXPECT_EQ(choose_id_block(ours, ours, {}, {}, {}), 0u);
  EXPECT_EQ(choose_id_block(ours, ours, {}, {}, {0, 1}), 2u);
  EXPECT_EQ(choose_id_block(ours, ours, {}, {}, {0, 1, 2, 3}), std::nullopt) << "all four taken";
}

// The misconfiguration the review found: ringfence's range overlapping the
// first local user's 100000..165535.
TEST(Subids, ABlockOverlappingAnotherOwnersRangeIsNeverChosen) {
  const SubidRange ours{"ringfence", 100000, 4 * kIdBlockSize};
  const std::vector<SubidRange> alice = {{"alice", 100000, 65536}};
  EXPECT_EQ(choose_id_block(ours, ours, alice, {}, {}), 1u);
  EXPECT_EQ(choose_id_block(ours, ours, {}, alice, {}), 1u) << "gids count as much as uids";
  // One id of overlap is enough to refuse a block.
  const std::vector<SubidRange> bob = {{"bob", 100000 + 2 * kIdBlockSize - 1, 1}};
  EXPECT_EQ(choose_id_block(ours, ours, alice, {}, {}).value(), 1u);
  EXPECT_EQ(choose_id_block(ours, ours, {alice[0], bob[0]}, {}, {}), 2u);
}

TEST(Subids, UidsAndGidsComeFromTheirOwnRanges) {
  const SubidRange u{"ringfence", 1000000, 2 * kIdBlockSize}, g{"ringfence", 5000000, 8 * kIdBlockSize};
  // Blocks are limited by the smaller range.
  EXPECT_EQ(choose_id_block(u, g, {}, {}, {0, 1}), std::nullopt);
}

TEST(Subids, IdsThatCannotBeMappedAreNeverChosen) {
  // 4294967295 is (uid_t)-1, never an id: a block ending on it is refused,
  // the one just below is fine.
  const SubidRange last{"ringfence", 0xffffffffULL - kIdBlockSize + 1, 4 * kIdBlockSize};
  EXPECT_EQ(choose_id_block(last, last, {}, {}, {}), std::nullopt);
  const SubidRange below{"ringfence", 0xffffffffULL - kIdBlockSize, 4 * kIdBlockSize};
  EXPECT_EQ(choose_id_block(below, below, {}, {}, {}), 0u);
}

}  // namespace
}  // namespace ringfence::runtime
