#include "verb_audit_seal.h"

#include <memory>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "ringfence/audit/log.h"
#include "ringfence/audit/log_writer.h"
#include "ringfence/audit/seal.h"
#include "ringfence/audit/verify.h"
#include "ringfence/base/exit_codes.h"
#include "ringfence/policy/units.h"

namespace ringfence::cli {
namespace {

// "90s", "30m", "12h", "7d" -> seconds; a bare number is seconds.
std::optional<std::int64_t> parse_duration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::int64_t unit = 1;
  std::string digits = text;
  switch (text.back()) {
    case 's': unit = 1; digits.pop_back(); break;
    case 'm': unit = 60; digits.pop_back(); break;
    case 'h': unit = 3600; digits.pop_back(); break;
    case 'd': unit = 86400; digits.pop_back(); break;
    default: break;
  }
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoll(digits) * unit;
}

int fail(const std::string& message, int code = kExitInvalid) {
  fmt::print(stderr, "ringfence: {}\n", message);
  return code;
}

}  // namespace

void add_audit_seal(CLI::App& audit_cmd, std::function<int()>& run) {
  struct Options {
    std::string log = audit::kDefaultLogPath;
    bool force = false;
    std::string format = "text", max_size, max_age;
  };
  auto o = std::make_shared<Options>();
  CLI::App* setup = audit_cmd.add_subcommand(
      "setup-keys", "Start sealing the log: make a sealing key and print its verification key (keep it elsewhere)");
  setup->add_option("log", o->log, "The log")->capture_default_str();
  setup->add_flag("--force", o->force, "Replace an existing sealing key");
  CLI::App* seal = audit_cmd.add_subcommand("seal", "Seal the log now (as a timer would)");
  seal->add_option("log", o->log, "The log")->capture_default_str();
  CLI::App* head = audit_cmd.add_subcommand("head", "Print the log's last record as SEQ:HASH, to ship elsewhere");
  head->add_option("log", o->log, "The log")->capture_default_str();
  head->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  CLI::App* rotate = audit_cmd.add_subcommand("rotate", "Start a new file, chained to the old one");
  rotate->add_option("log", o->log, "The log")->capture_default_str();
  rotate->add_option("--max-size", o->max_size, "Only if the file is at least this big (64M, 1G)");
  rotate->add_option("--max-age", o->max_age, "Only if its first record is at least this old (90s, 30m, 12h, 7d)");

  run = [o, setup, seal, head, rotate]() -> int {
    if (setup->parsed()) {
      auto key = audit::create_sealing_key(o->log, o->force);
      if (!key) return fail(key.status().message, kExitRuntimeError);
      // Seal 0 at once: it seals whatever the log already holds, and a
      // log's first seal is always epoch 0 (verify relies on it).
      audit::LogWriter writer(o->log, audit::FsyncPolicy::Record);
      writer.request_seal();
      if (Status st = writer.flush(); !st) return fail(st.message, kExitRuntimeError);
      fmt::print("{}\n", audit::format_verification_key(*key));
      fmt::print(stderr,
                 "The line above is the verification key of {}. Keep it away from this machine (a password manager, "
                 "the auditor's ticket): whoever holds it can check the seals, and nobody who takes this machine "
                 "later can re-seal what was sealed before. Check with: ringfence audit verify --key KEY {}\n",
                 o->log, o->log);
      return kExitOk;
    }
    if (seal->parsed()) {
      auto state = audit::load_sealing_state(o->log);
      if (!state) return fail(state.status().message, kExitRuntimeError);
      if (!*state)
        return fail(fmt::format("{} is not sealed: start with `ringfence audit setup-keys {}`", o->log, o->log));
      audit::LogWriter writer(o->log, audit::FsyncPolicy::Record);
      writer.request_seal();
      if (Status st = writer.flush(); !st) return fail(st.message, kExitRuntimeError);
      if (auto h = audit::log_head(o->log)) fmt::print("sealed through record {}\n", h->seq);
      return kExitOk;
    }
    if (head->parsed()) {
      auto h = audit::log_head(o->log);
      if (!h) return fail(h.status().message, kExitUsage);
      if (o->format == "json")
        fmt::print("{}\n", nlohmann::json{{"log", o->log}, {"seq", h->seq}, {"hash", h->hash}}.dump());
      else
        fmt::print("{}:{}\n", h->seq, h->hash);
      return kExitOk;
    }
    if (rotate->parsed()) {
      audit::LogWriter writer(o->log);
      const bool conditional = !o->max_size.empty() || !o->max_age.empty();
      audit::RotationPolicy policy;
      // A limit not given never triggers.
      policy.max_bytes = ~std::uint64_t{0};
      policy.max_age_seconds = INT64_MAX;
      if (!o->max_size.empty()) {
        const auto bytes = policy::parse_byte_size(o->max_size);
        if (!bytes || *bytes <= 0) return fail("--max-size: '" + o->max_size + "' is not a size (64M, 1G)", kExitUsage);
        policy.max_bytes = static_cast<std::uint64_t>(*bytes);
      }
      if (!o->max_age.empty()) {
        const auto age = parse_duration(o->max_age);
        if (!age) return fail("--max-age: '" + o->max_age + "' is not a duration (90s, 30m, 12h, 7d)", kExitUsage);
        policy.max_age_seconds = *age;
      }
      writer.set_rotation(policy);
      if (Status st = writer.rotate(conditional); !st) return fail(st.message, kExitRuntimeError);
      return kExitOk;
    }
    return -1;
  };
}

}  // namespace ringfence::cli
