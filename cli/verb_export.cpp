// ringfence export --format oci|docker-seccomp PROFILE
#include <memory>

#include <fmt/core.h>

#include "docker_flags.h"
#include "ringfence/base/exit_codes.h"
#include "ringfence/policy/apparmor_profile.h"
#include "ringfence/policy/oci_export.h"
#include "ringfence/policy/seccomp_base.h"
#include "verbs.h"

namespace ringfence::cli {

Verb add_export(CLI::App& app) {
  struct Options {
    std::vector<std::string> profiles;
    std::string format;
    policy::DockerFlags flags;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("export", "Write a profile in another runtime's format");
  cmd->add_option("--format", o->format,
                  "oci (runtime-spec process/linux fragment), docker-seccomp, or apparmor (the profile ringfence "
                  "generates)")
      ->required()
      ->check(CLI::IsMember({"oci", "docker-seccomp", "apparmor"}));
  cmd->add_option("profiles", o->profiles, "Profile file(s) or shipped name(s)")->required();
  add_docker_flags(*cmd, o->flags);
  return {cmd, [o] {
            auto c = compile_with_flags(o->profiles, o->flags);
            if (!c.ok()) return kExitInvalid;
            if (o->format == "docker-seccomp") {
              const auto* filter = c.plan->params<policy::StepKind::SeccompCompile>();
              if (!filter) {
                fmt::print(stderr, "ringfence: profile '{}' has no seccomp filter (privileged or enabled = false); "
                                   "Docker's equivalent is --security-opt seccomp=unconfined\n",
                           c.plan->profile_name);
                return kExitInvalid;
              }
              fmt::print("{}", policy::export_seccomp_json(*filter));
            } else if (o->format == "apparmor") {
              // The profile the plan applies when it generates one; otherwise
              // the one ringfence would generate for this profile.
              policy::AppArmorParams params;
              if (const auto* p = c.plan->params<policy::StepKind::ApparmorCheck>()) params = *p;
              if (!params.generate) {
                params.profile = "ringfence-" + c.plan->profile_name;
                params.generate = true;
              }
              fmt::print("{}", policy::apparmor_profile_text(params));
            } else {
              fmt::print("{}\n", policy::export_oci(*c.plan).dump(2));
            }
            return kExitOk;
          }};
}

}  // namespace ringfence::cli
