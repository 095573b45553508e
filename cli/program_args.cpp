#include "program_args.h"

namespace ringfence::cli {
namespace {

// How many words the option `word` (with its dashes) takes from after it:
// 0 for a flag or a value given with '=' or attached ("-wDIR"), 1 for an
// option that takes its value from the next word; -1 when `app` has no
// such option.
int words_after(const CLI::App& app, const std::string& word) {
  if (word.rfind("--", 0) == 0) {
    const auto eq = word.find('=');
    const CLI::Option* opt = app.get_option_no_throw(word.substr(0, eq));
    if (opt == nullptr) return -1;
    return eq == std::string::npos && opt->get_items_expected_min() > 0 ? 1 : 0;
  }
  // -v, or flags run together (-it), the last of which may take a value.
  for (std::size_t i = 1; i < word.size(); ++i) {
    const CLI::Option* opt = app.get_option_no_throw(std::string{'-', word[i]});
    if (opt == nullptr) return -1;
    if (opt->get_items_expected_min() > 0) return i + 1 == word.size() ? 1 : 0;
  }
  return 0;
}

}  // namespace

std::optional<std::size_t> verb_position(const CLI::App& app, const std::vector<std::string>& args) {
  std::size_t i = 1;
  while (i < args.size() && args[i].size() > 1 && args[i][0] == '-') {
    const int skip = words_after(app, args[i]);
    if (skip < 0) return std::nullopt;
    i += 1 + static_cast<std::size_t>(skip);
  }
  if (i >= args.size()) return std::nullopt;
  return i;
}

std::vector<std::string> with_program_separator(const CLI::App& app, std::vector<std::string> args) {
  const auto at = verb_position(app, args);
  if (!at) return args;
  std::size_t i = *at;
  const std::string& verb = args[i];
  // exec's first positional is the sandbox; the program is the next.
  int names_before_program = verb == "exec" ? 1 : (verb == "run" ? 0 : -1);
  if (names_before_program < 0) return args;
  const CLI::App* cmd = nullptr;
  try {
    cmd = app.get_subcommand(verb);
  } catch (const CLI::OptionNotFound&) {
    return args;
  }
  for (++i; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--") return args;
    if (word.size() > 1 && word[0] == '-') {
      const int skip = words_after(*cmd, word);
      if (skip < 0) return args;  // unknown: CLI11 names it
      i += static_cast<std::size_t>(skip);
      continue;
    }
    if (names_before_program-- > 0) continue;
    args.insert(args.begin() + static_cast<long>(i), "--");
    return args;
  }
  return args;
}

}  // namespace ringfence::cli
