// Who the program runs as: names resolved in the sandbox's own /etc/passwd
// and /etc/group (after pivot_root, so the host's files are never read),
// then the supplementary groups and the ids set in the order that leaves no
// root group or uid behind.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "ringfence/base/result.h"
#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

struct Identity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;         // asked for (user.groups, --group-add)
  std::vector<gid_t> listed_groups;  // the user's memberships in /etc/group
  std::string home = "/";
};

// Resolves names and numbers; a missing /etc/passwd is fine for numeric ids.
Result<Identity> resolve_identity(const policy::IdentityParams& params, const std::string& passwd = "/etc/passwd",
                                  const std::string& group = "/etc/group");

// user.groups: setgroups, unless the user namespace forbids it and there is
// nothing to set.
Status apply_groups(const Identity& id, bool setgroups_denied);

// user.ids: setresgid then setresuid, with keep-caps set around the change
// so that permitted capabilities survive it (caps.sets clears it again).
Status apply_ids(const Identity& id);

}  // namespace ringfence::enforcer
