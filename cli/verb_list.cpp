// ringfence list [--format text|json]
#include <cerrno>
#include <memory>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "ringfence/base/exit_codes.h"
#include "ringfence/runtime/state.h"
#include "sandbox_ref.h"
#include "verbs.h"

namespace ringfence::cli {

Verb add_list(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::string format = "text";
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("list", "List sandboxes: name, pid, status, profile, started");
  cmd->alias("ps");
  cmd->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  return {cmd, [o, &global] {
            const auto root = state_root(global);
            if (!root) return kExitRuntimeError;
            std::vector<runtime::Observed> all;
            for (const auto& id : runtime::list_ids(*root)) {
              if (auto s = runtime::read_state(*root, id)) {
                all.push_back(runtime::observe(*s));
              } else {
                runtime::SandboxState broken;
                broken.id = id;
                // Without a state nothing of it was started (read_state).
                all.push_back({broken, s.status().err == ENODATA ? "stopped" : "unknown", s.status().message});
              }
            }
            if (o->format == "json") {
              nlohmann::json out = nlohmann::json::array();
              for (const auto& s : all) {
                nlohmann::json j{{"id", s.state.id},           {"pid", s.state.pid},
                                 {"status", s.status},         {"profile", s.state.profile},
                                 {"created", s.state.started}, {"command", s.state.command}};
                if (s.state.exit_status) j["exit_status"] = *s.state.exit_status;
                if (!s.note.empty()) j["note"] = s.note;
                out.push_back(j);
              }
              fmt::print("{}\n", out.dump(2));
              return kExitOk;
            }
            fmt::print("{:<20} {:>8} {:<9} {:<20} {:<25} {}\n", "NAME", "PID", "STATUS", "PROFILE", "STARTED", "NOTE");
            for (const auto& s : all) {
              std::string note = s.note;
              if (s.state.exit_status) note = fmt::format("exit {}{}{}", *s.state.exit_status, note.empty() ? "" : "; ", note);
              fmt::print("{:<20} {:>8} {:<9} {:<20} {:<25} {}\n", s.state.id, s.state.pid, s.status, s.state.profile,
                         s.state.started, note);
            }
            return kExitOk;
          }};
}

}  // namespace ringfence::cli
