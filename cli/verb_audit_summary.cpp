// ringfence audit summary [LOG] [--sandbox NAME] [--since T] [--until T] [--format text|json]
// Exit 0 with the summary; 1 when the log's chain does not verify (nothing
// is summarised: the numbers of an edited log are the editor's); 2 for a
// bad command line or a log that cannot be read, as `audit verify`.
#include <memory>

#include <fmt/core.h>

#include "ringfence/audit/log.h"
#include "ringfence/audit/log_summary.h"
#include "ringfence/base/exit_codes.h"
#include "verb_audit_summary.h"

namespace ringfence::cli {

void add_audit_summary(CLI::App& audit_cmd, std::function<int()>& run) {
  struct Options {
    std::string log = audit::kDefaultLogPath;
    audit::FilterFlags filter;
    std::string format = "text";
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = audit_cmd.add_subcommand(
      "summary", "Per sandbox, what was refused how often, by which rule, and how its runs ended (the log must verify)");
  cmd->add_option("log", o->log, "The log")->capture_default_str();
  cmd->add_option("--sandbox", o->filter.sandbox, "Only this sandbox");
  cmd->add_option("--since", o->filter.since, "Only records at or after this time (RFC 3339, e.g. 2026-11-27T22:00:00Z)");
  cmd->add_option("--until", o->filter.until, "Only records at or before this time (RFC 3339)");
  cmd->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  run = [o, cmd]() -> int {
    if (!cmd->parsed()) return -1;
    auto filter = audit::RecordFilter::parse(o->filter);
    if (!filter) {
      fmt::print(stderr, "ringfence: audit summary {}\n", filter.status().message);
      return kExitUsage;
    }
    bool broken = false;
    auto summary = audit::summarise_log(o->log, *filter, &broken);
    if (!summary) {
      fmt::print(stderr, "ringfence: {}\n", summary.status().message);
      return broken ? kExitInvalid : kExitUsage;
    }
    if (o->format == "json")
      fmt::print("{}\n", audit::summary_json(*summary).dump(2));
    else
      fmt::print("{}", audit::summary_text(*summary));
    return kExitOk;
  };
}

}  // namespace ringfence::cli
