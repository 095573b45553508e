// Subordinate id ranges (/etc/subuid, /etc/subgid: "owner:start:count"),
// and the blocks of ringfence's own range that root's sandboxes get.
//
// Every sandbox root starts with an automatic user namespace gets a block of
// 65536 uids and gids of its own, taken from the range /etc/subuid and
// /etc/subgid give the user "ringfence" (scripts/configure-host.sh adds
// one), skipping any block that overlaps another owner's range — never the
// 100000.. range Debian's useradd gives the first local user. A block is
// reserved by a file in a root-only directory that names the sandbox's state
// directory, and released when that sandbox is deleted.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ringfence/base/result.h"

namespace ringfence::runtime {

inline constexpr const char* kSubidOwner = "ringfence";
inline constexpr std::uint32_t kIdBlockSize = 65536;
inline constexpr const char* kIdReservations = "/run/ringfence-ids";

struct SubidRange {
  std::string owner;  // a name or a number, as written
  std::uint64_t start = 0, count = 0;
};

// Every well-formed entry of a subuid/subgid file's text, in order.
std::vector<SubidRange> parse_subids(const std::string& text);

// Does `owner` (as written in the file) stand for the user `name` / `uid`?
bool subid_owner_is(const std::string& owner, const std::string& name, std::optional<uid_t> uid);

struct IdBlock {
  std::uint32_t uid_start = 0, gid_start = 0, count = kIdBlockSize;
};

// The first block of `ours` (uids) and `ours_gid` (gids) that overlaps none
// of `others` and is not in `taken`, as a block index; nullopt when none is
// left. Pure, for the tests.
std::optional<std::uint32_t> choose_id_block(const SubidRange& ours_uid, const SubidRange& ours_gid,
                                             const std::vector<SubidRange>& other_uids,
                                             const std::vector<SubidRange>& other_gids,
                                             const std::vector<std::uint32_t>& taken);

// Reserves a block for the sandbox whose state directory is `owner`.
Result<IdBlock> reserve_id_block(const std::string& owner);

// Releases every block reserved for `owner` (none: nothing happens).
void release_id_blocks(const std::string& owner);

}  // namespace ringfence::runtime
