// ringfence validate PROFILE... — compile each profile, report every problem.
#include <cstdio>
#include <memory>

#include <fmt/core.h>

#include "docker_flags.h"
#include "ringfence/base/exit_codes.h"
#include "verbs.h"

namespace ringfence::cli {

policy::Compiled compile_with_flags(const std::vector<std::string>& refs, const policy::DockerFlags& flags,
                                    const policy::CompileOptions& options, std::vector<policy::Layer> below_flags) {
  policy::Diagnostics flag_diags;
  std::vector<policy::Layer> extra = std::move(below_flags);
  if (auto layer = policy::layer_from_flags(flags, flag_diags)) extra.push_back(std::move(*layer));
  policy::Compiled c = policy::compile(refs, std::move(extra), options);
  flag_diags.append(c.diags);
  c.diags = std::move(flag_diags);
  if (!c.diags.empty()) std::fputs(c.diags.format().c_str(), stderr);
  return c;
}

Verb add_validate(CLI::App& app) {
  struct Options {
    std::vector<std::string> profiles;
    policy::DockerFlags flags;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("validate", "Check profiles; print every problem with file:line:column");
  cmd->add_option("profiles", o->profiles, "Profile files or shipped profile names")->required();
  add_docker_flags(*cmd, o->flags);
  return {cmd, [o] {
            int status = kExitOk;
            for (const auto& profile : o->profiles) {
              auto c = compile_with_flags({profile}, o->flags);
              if (c.ok()) {
                fmt::print("{}: ok\n", profile);
              } else {
                status = kExitInvalid;
              }
            }
            return status;
          }};
}

}  // namespace ringfence::cli
