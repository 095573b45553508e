// `docker run IMAGE CMD ARGS...` needs no `--`: everything after the first
// positional argument is the command's. ringfence's run (and exec, after
// the sandbox's name) take the program as their positional, so the same
// holds: `ringfence run --rootfs R /bin/sh -c 'echo hi'`. CLI11 would read
// that `-c` as an option of run; so before parsing, a `--` is put in front
// of the program when the caller left it out.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace ringfence::cli {

// `args` is the whole command line (args[0] the binary). Returns it with
// "--" inserted before the program of `run` or `exec` when there is none
// already; unchanged for other verbs, or when an unknown option comes
// first (CLI11 then says which).
std::vector<std::string> with_program_separator(const CLI::App& app, std::vector<std::string> args);

// Where the verb is in `args` (the whole command line): the first word that
// is not one of `app`'s own options or an option's value. None when a word
// before it is no option of `app`, or there is no verb.
std::optional<std::size_t> verb_position(const CLI::App& app, const std::vector<std::string>& args);

}  // namespace ringfence::cli
