// ringfence plan PROFILE [--format text|json] — the ordered enforcement steps;
// ringfence plan --oci BUNDLE [--site-policy FILE] — those ringfence-oci runs
// for a bundle, under the same site policy floor as its create.
#include <cstdio>
#include <memory>

#include <fmt/core.h>

#include "docker_flags.h"
#include "ringfence/base/exit_codes.h"
#include "ringfence/policy/oci_config.h"
#include "ringfence/policy/plan_json.h"
#include "site_floor.h"
#include "verbs.h"

namespace ringfence::cli {

Verb add_plan(CLI::App& app) {
  struct Options {
    std::vector<std::string> profiles;
    std::string format = "text";
    std::string rootfs;
    std::string oci, site_policy;
    policy::DockerFlags flags;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("plan", "Print the ordered enforcement plan a profile compiles to");
  auto* profiles =
      cmd->add_option("profiles", o->profiles, "Profile file(s) or shipped name(s); later ones stack on earlier ones");
  cmd->add_option("--oci", o->oci, "An OCI bundle (its directory, or its config.json): the plan ringfence-oci runs for it")
      ->excludes(profiles);
  cmd->add_option("--site-policy", o->site_policy,
                  "With --oci: the site policy floor (default /etc/ringfence/policy.toml when it exists, as for "
                  "ringfence-oci create)");
  cmd->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--rootfs", o->rootfs, "Plan for this rootfs directory instead of the host's root");
  add_docker_flags(*cmd, o->flags);
  return {cmd, [o] {
            policy::CompileOptions options;
            options.rootfs = o->rootfs;
            policy::Compiled c;
            if (!o->oci.empty()) {
              c = compile_bundle(o->oci, o->site_policy, options);
            } else if (o->profiles.empty()) {
              std::fputs("ringfence plan: name a profile, or a bundle with --oci\n", stderr);
              return kExitInvalid;
            } else {
              c = compile_with_flags(o->profiles, o->flags, options);
            }
            if (!c.ok()) return kExitInvalid;
            if (o->format == "json") {
              fmt::print("{}\n", policy::plan_to_json(*c.plan).dump(2));
            } else {
              fmt::print("{}", policy::plan_to_text(*c.plan));
            }
            return kExitOk;
          }};
}

}  // namespace ringfence::cli
