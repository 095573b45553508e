// The policy compiler: profile layers (+ command-line overrides) -> Plan.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ringfence/policy/diagnostic.h"
#include "ringfence/policy/plan.h"
#include "ringfence/policy/profile.h"

namespace ringfence::policy {

struct CompileOptions {
  // The rootfs directory (`run --rootfs`); empty: the host's root, read-only.
  std::string rootfs;
  // The kernel release that `min_kernel` conditions are judged against
  // ("6.1.0"); empty: the running kernel's.
  std::string kernel_release;
  // `run --image`: the image ID and its store; rootfs is then the image's
  // tree, which the sandbox gets under a writable overlay.
  std::string image{};
  std::string image_store{};
  std::string image_upper{};  // `--keep-changes DIR`: the overlay's upper layer kept in DIR
  // The caller is not root: the sandbox always gets a user namespace whose
  // root is the caller (or the caller's subordinate ids, through
  // newuidmap), and a cgroup only when the profile asks for limits.
  bool rootless = false;
  // `ringfence learn`: the filter sends what it would refuse to the
  // supervisor, which lets it run (SeccompFilter::learn).
  bool learn = false;
};

struct Compiled {
  std::vector<Layer> layers;  // root-most first; overrides last
  Profile profile;            // the effective (merged) profile
  std::optional<Plan> plan;   // empty when there were errors
  Diagnostics diags;

  bool ok() const { return plan.has_value() && !diags.has_errors(); }
};

// Compiles already-read layers (root-most first).
Compiled compile_layers(std::vector<Layer> layers, const CompileOptions& options = {});

// Reads each reference (a path or a shipped profile's name) with everything
// it extends, stacks them in order, adds `extra` layers (command-line
// overrides) on top, and compiles.
Compiled compile(const std::vector<std::string>& refs, std::vector<Layer> extra = {},
                 const CompileOptions& options = {});

}  // namespace ringfence::policy
