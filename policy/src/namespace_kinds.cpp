#include "ringfence/policy/namespace_kinds.h"

namespace ringfence::policy {

const NamespaceKind* namespace_kind(std::string_view proc_name) {
  for (const auto& k : kNamespaceKinds)
    if (k.proc == proc_name) return &k;
  return nullptr;
}

std::uint64_t clone_flags_of(const NamespacesParams& params) {
  std::uint64_t flags = 0;
  for (const auto& k : kNamespaceKinds)
    if (k.by_clone && params.*k.created) flags |= k.clone_flag;
  return flags;
}

}  // namespace ringfence::policy
