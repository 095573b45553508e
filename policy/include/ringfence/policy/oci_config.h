// An OCI bundle's config.json (runtime-spec 1.0.0 to 1.2.x) as one more
// source of the same Profile and Plan as TOML profiles: its settings become
// a Layer whose locations are JSON paths ("config.json:/process/capabilities
// /bounding/3"), compiled like any profile, so that `ringfence plan --oci`,
// `lint` and `audit check` judge a bundle as the OCI runtime will run it.
// What the runtime spec has and a profile does not (the command, hooks,
// annotations, the cgroups path, the console) is kept beside the Layer.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ringfence/policy/compiler.h"
#include "ringfence/policy/plan.h"
#include "ringfence/policy/site_policy.h"
#include "ringfence/policy/diagnostic.h"
#include "ringfence/policy/oci_hooks.h"
#include "ringfence/policy/profile.h"

namespace ringfence::policy {

struct OciBundle {
  std::string bundle;        // the bundle directory, absolute
  std::string oci_version;   // config.json's ociVersion
  std::string root;          // root.path, absolute (resolved against the bundle)
  std::vector<std::string> args;  // process.args
  bool terminal = false;          // process.terminal
  std::optional<std::pair<std::uint32_t, std::uint32_t>> console_size;  // height, width
  std::map<std::string, std::string> annotations;
  std::string cgroups_path;  // linux.cgroupsPath, as written
  OciHooks hooks;
  // linux.sysctl (and domainname as kernel.domainname): only keys of a
  // namespace the container has of its own; written by create into the
  // container's namespaces before its program starts.
  std::map<std::string, std::string> sysctl;
  // linux.seccomp.listenerPath: where an engine wants the notify listener,
  // and listenerMetadata, passed to it as is.
  std::string seccomp_listener, seccomp_listener_metadata;
  // Where the bundle asks for a privileged container in the only way
  // config.json can say it (a device rule allowing every device), for the
  // site policy floor's privileged.allowed; the compiler does not take it.
  std::vector<SourceLocation> privileged_asks;
  // The settings that have a profile key, as one layer (file "config.json").
  Layer layer;
};

// Reads BUNDLE/config.json (`bundle_dir` may also name that file: the
// bundle is then its directory). Every problem — not JSON, a field of the wrong
// type, an impossible value, an unsupported version — is a diagnostic naming
// the JSON path; nullopt when there is any error.
std::optional<OciBundle> read_oci_bundle(const std::string& bundle_dir, Diagnostics& diags);

// The Plan the OCI runtime runs for the bundle: its layer compiled on the
// built-in defaults (not on default.toml: a config.json says everything).
Compiled compile_oci(const OciBundle& bundle, const CompileOptions& options = {});

// A runtime-spec LinuxResources' `blockIO` and `hugepageLimits`
// (`ringfence-oci update`'s, read from `file`) read and checked as `create`
// reads a config.json's: the weight and each device's limits (0 is unset),
// and each page size's limit, added to `out`. False, with the problem at
// its JSON path, for what create refuses too (a leafWeight, a device
// without its numbers, a page size the kernel would not name so).
bool read_oci_update_limits(const nlohmann::json& resources, const std::string& file, CgroupParams& out,
                            Diagnostics& diags);
// The same under a site policy floor (site_policy.h): `decisions` gets what
// the floor clamped or refused; a refusal leaves no plan.
Compiled compile_oci(const OciBundle& bundle, const CompileOptions& options, const SitePolicy* floor,
                     std::vector<FloorDecision>& decisions);

}  // namespace ringfence::policy
