// ringfence audit verify LOG | audit show LOG [--sandbox NAME] [--since TIME] [--format text|json]
// (audit check is in verb_audit_check.cpp)
#include <fstream>
#include <memory>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "ringfence/base/exit_codes.h"
#include "ringfence/audit/log.h"
#include "ringfence/audit/verify.h"
#include "verb_audit_check.h"
#include "verbs.h"

namespace ringfence::cli {
namespace {

// One line of `audit show`: time, sandbox, event, then the other fields.
std::string text_line(const nlohmann::json& r) {
  std::string rest;
  for (const auto& [k, v] : r.items()) {
    if (k == "v" || k == "seq" || k == "prev" || k == "time" || k == "sandbox" || k == "event") continue;
    rest += fmt::format(" {}={}", k, v.is_string() ? v.get<std::string>() : v.dump());
  }
  return fmt::format("{} {:<20} {:<18}{}", r.value("time", ""), r.value("sandbox", "-"), r.value("event", "?"), rest);
}

}  // namespace

Verb add_audit(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::string log = audit::kDefaultLogPath;
    std::string sandbox, since, format = "text";
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("audit", "Read and check the tamper-evident audit log; check a live process against a profile");
  cmd->require_subcommand(1);
  auto check_run = std::make_shared<std::function<int()>>();
  add_audit_check(*cmd, global, *check_run);
  CLI::App* verify = cmd->add_subcommand("verify", "Check the log's hash chain; report the first broken record");
  verify->add_option("log", o->log, "The log")->capture_default_str();
  CLI::App* show = cmd->add_subcommand("show", "Print the log's events");
  show->add_option("log", o->log, "The log")->capture_default_str();
  show->add_option("--sandbox", o->sandbox, "Only this sandbox's events");
  show->add_option("--since", o->since, "Only events at or after this time (RFC 3339, e.g. 2026-11-27T22:00:00Z)");
  show->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  return {cmd, [o, verify, show, check_run, cmd] {
            if (cmd->get_subcommand("check")->parsed()) return (*check_run)();
            if (verify->parsed()) {
              const auto r = audit::verify_log(o->log);
              if (!r.readable) {
                fmt::print(stderr, "ringfence: {}\n", r.problem);
                return kExitUsage;
              }
              if (!r.intact) {
                fmt::print("{}: BROKEN at line {}: {}\n", o->log, r.line, r.problem);
                fmt::print("{} records before it are intact\n", r.records);
                return kExitInvalid;
              }
              fmt::print("{}: intact, {} records, last {}\n", o->log, r.records, r.last_hash);
              if (r.torn_tail) fmt::print("warning: {}\n", r.problem);
              for (const auto line : r.torn_lines)
                fmt::print("warning: line {} is a record a writer was killed in the middle of; the chain goes on "
                           "from the record before it\n",
                           line);
              return kExitOk;
            }
            (void)show;
            std::ifstream in(o->log);
            if (!in) {
              fmt::print(stderr, "ringfence: cannot read {}\n", o->log);
              return kExitUsage;
            }
            std::string line;
            while (std::getline(in, line)) {
              auto r = nlohmann::json::parse(line, nullptr, false);
              if (r.is_discarded() || !r.is_object()) continue;
              if (!o->sandbox.empty() && r.value("sandbox", "") != o->sandbox) continue;
              // RFC 3339 UTC times compare as strings.
              if (!o->since.empty() && r.value("time", "") < o->since) continue;
              fmt::print("{}\n", o->format == "json" ? r.dump() : text_line(r));
            }
            return kExitOk;
          }};
}

}  // namespace ringfence::cli
