// The profile `ringfence learn` writes. The text is generated here rather
// than through toml11, whose writer would lose the header comment and the
// per-rule layout that a reviewer reads; every value in it goes through
// toml_quote or is a number, and tests read it back with the real parser.
#include <cctype>
#include <limits>

#include <fmt/format.h>

#include "ringfence/policy/learn.h"
#include "ringfence/policy/seccomp_query.h"
#include "ringfence/policy/seccomp_vocab.h"

namespace ringfence::policy {
namespace {

// Printable ASCII as it is, anything else as \xNN: a comment may not hold
// control characters, and the header must never break the file.
std::string comment_safe(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
    else out += fmt::format("\\x{:02x}", c);
  }
  return out;
}

// A command line as a reader would type it: words with anything but
// [A-Za-z0-9_./=:,+-] in single quotes.
std::string shell_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    bool plain = !w.empty();
    for (unsigned char c : w)
      plain = plain && (std::isalnum(c) || std::string_view("_./=:,+-@%").find(static_cast<char>(c)) != std::string_view::npos);
    if (plain) {
      out += w;
      continue;
    }
    out += '\'';
    for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

// TOML integers are signed 64-bit: larger patterns are written as the
// quoted hexadecimal that profiles accept for argument values.
std::string argument_value(std::uint64_t v) {
  if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return fmt::format("\"{:#x}\"", v);
  return fmt::format("{:#x}", v);
}

// A condition exactly as the resolved filter tests it. eq and masked_eq
// carry `width = 64`: the resolved value is already narrowed where it had
// to be, and must not be narrowed again by different rules of int-ness.
std::string condition_toml(const SeccompCondition& c) {
  std::string out = fmt::format("{{ index = {}, op = \"{}\", value = {}", c.index, seccomp_op_name(c.op),
                                argument_value(c.value));
  if (c.op == SeccompOp::MaskedEq) out += fmt::format(", mask = {}", argument_value(c.mask));
  if (c.op == SeccompOp::Eq || c.op == SeccompOp::MaskedEq) out += ", width = 64";
  return out + " }";
}

bool lets_run(const SeccompAction& a) { return a.kind == SeccompActionKind::Allow || a.kind == SeccompActionKind::Log; }

bool names(const SeccompRule& rule, std::string_view syscall) {
  for (const auto& s : rule.syscalls)
    if (s == syscall) return true;
  return false;
}

std::string where(const SourceLocation& at) {
  if (!at.known()) return "the base";
  return at.line ? fmt::format("{}:{}", at.file, at.line) : at.file;
}

std::string names_list(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const auto& n : names) quoted.push_back(toml_quote(n));
  return fmt::format("[{}]", fmt::join(quoted, ", "));
}

}  // namespace

std::string toml_quote(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string learned_profile_toml(const LearnedCalls& learned, const SeccompFilter& filter,
                                 const LearnedProfileInfo& info) {
  std::string out;
  auto line = [&](std::string_view text) { out += text.empty() ? "#\n" : fmt::format("# {}\n", comment_safe(text)); };
  line(fmt::format("Learned by `ringfence learn` on {} ({}).", info.when, info.arch));
  line(fmt::format("Learned with: {}", shell_words(info.invocation)));
  line(fmt::format("The program: {} (it exited with status {}).", shell_words(info.command), info.exit_status));
  line("");
  line("This profile extends the base and allows the system calls the base refused and the program made");
  line("in that one run. It is a starting point to review, never proof of what the program needs: a");
  line("path the run did not take is missing, and every call here ran while learning. Learning lets");
  line("refused calls continue (SECCOMP_USER_NOTIF_FLAG_CONTINUE), which is not a security boundary:");
  line("the program was not confined by these rules while it was learned.");
  line("Arguments: an int argument that selects an operation (socket family, ioctl or fcntl command,");
  line("prctl option...) is pinned when it kept one value on every call; pointers, sizes and");
  line("descriptors never are. A rule here replaces all the base says about its syscall, so the");
  line("base's rules that let such a syscall run for some arguments are written again below.");
  out += "\n[profile]\n";
  out += fmt::format("name = {}\n", toml_quote(info.name));
  out += fmt::format("extends = {}\n", toml_quote(info.extends));

  std::vector<std::string> free_calls;
  std::string pinned_rules, kept_rules;
  for (const auto& [name, seen] : learned.syscalls()) {
    // Refused calls only reach the learner, but a rule for a syscall the base
    // lets run whatever the arguments could only narrow the base.
    if (seccomp_allows(filter, name)) continue;
    std::vector<SeccompCondition> pins;
    for (unsigned i = 0; i < seen.args.size(); ++i) {
      const auto& a = seen.args[i];
      if (learn_pins_argument(name, i) && !a.any && a.values.size() == 1) {
        SeccompCondition c;
        c.index = i;
        c.op = SeccompOp::Eq;
        c.value = a.values.front();
        pins.push_back(c);
      }
    }
    if (pins.empty()) {
      free_calls.push_back(name);
    } else {
      std::vector<std::string> conds;
      for (const auto& c : pins) conds.push_back(fmt::format("{{ index = {}, op = \"eq\", value = {:#x} }}", c.index, c.value));
      pinned_rules += fmt::format(
          "\n# {}: {} call{}; an int argument, compared on its low 32 bits.\n[[seccomp.rules]]\nsyscalls = [{}]\n"
          "action = \"allow\"\nargs = [{}]\ncomment = \"learned\"\n",
          name, seen.calls, seen.calls == 1 ? "" : "s", toml_quote(name), fmt::join(conds, ", "));
    }
    // An unconditional learned rule already lets every call run (and a
    // conditional `log` rule beside it would be a conflict).
    for (const auto& rule : pins.empty() ? std::vector<SeccompRule>{} : filter.rules) {
      if (!names(rule, name) || !lets_run(rule.action) || rule.conditions.empty()) continue;
      std::vector<std::string> conds;
      for (const auto& c : rule.conditions) conds.push_back(condition_toml(c));
      kept_rules += fmt::format("\n[[seccomp.rules]]\nsyscalls = [{}]\naction = \"{}\"\nargs = [{}]\ncomment = {}\n",
                                toml_quote(name), seccomp_action_name(rule.action.kind), fmt::join(conds, ", "),
                                toml_quote("kept from " + where(rule.from)));
    }
  }
  if (learned.syscalls().empty())
    out += "\n# The base refused nothing the program did: this profile is the base.\n";
  if (!free_calls.empty()) {
    out += "\n# Allowed whatever their arguments.\n";
    out += fmt::format("[[seccomp.rules]]\nsyscalls = {}\naction = \"allow\"\ncomment = \"learned\"\n",
                       names_list(free_calls));
  }
  out += pinned_rules;
  if (!kept_rules.empty()) out += "\n# The base's own rules for the syscalls above, so that what it allowed stays allowed.\n" + kept_rules.substr(1);
  if (learned.unknown() > 0)
    out += fmt::format("\n# {} call(s) of syscall numbers libseccomp cannot name were let through and not learned.\n",
                       learned.unknown());
  return out;
}

}  // namespace ringfence::policy
