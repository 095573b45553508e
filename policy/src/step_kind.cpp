#include "ringfence/policy/step_kind.h"

namespace ringfence::policy {
namespace {

struct KindRow {
  std::string_view name;
  bool exec;
};

constexpr KindRow kRows[] = {
#define RINGFENCE_STEP_ROW(id, name, params, exec) {name, exec},
    RINGFENCE_STEP_KINDS(RINGFENCE_STEP_ROW)
#undef RINGFENCE_STEP_ROW
};
static_assert(std::size(kRows) == kStepKindCount);

constexpr bool names_are_unique() {
  for (std::size_t i = 0; i < kStepKindCount; ++i)
    for (std::size_t j = i + 1; j < kStepKindCount; ++j)
      if (kRows[i].name == kRows[j].name) return false;
  return true;
}
static_assert(names_are_unique(), "two step kinds share a name");

}  // namespace

std::string_view step_name(StepKind kind) { return kRows[static_cast<std::size_t>(kind)].name; }

std::optional<StepKind> step_kind(std::string_view name) {
  for (std::size_t i = 0; i < kStepKindCount; ++i)
    if (kRows[i].name == name) return static_cast<StepKind>(i);
  return std::nullopt;
}

bool step_applies_to_exec(StepKind kind) { return kRows[static_cast<std::size_t>(kind)].exec; }

}  // namespace ringfence::policy
