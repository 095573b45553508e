// Reaching a sandbox named on the command line: its name checked, its
// state root, its state and a pidfd on its init that cannot point at a
// recycled pid.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "ringfence/base/fd.h"
#include "ringfence/runtime/state.h"
#include "verbs.h"

namespace ringfence::cli {

// False, after saying why on stderr, for what is not a sandbox name
// (runtime::is_valid_name). Checked before the name becomes any path.
bool usable_name(const std::string& name);

// The state root: --root as the user gave it (a choice that is trusted,
// made absolute with its symlinks resolved once, so that the files in it
// are then opened without following any), else the default, made and
// checked (runtime::default_state_root). nullopt after saying why.
std::optional<std::string> state_root(const GlobalOptions& global, const std::string& given = "");

// The sandbox a verb names, found: its state root and state.
struct NamedSandbox {
  std::string root;
  runtime::SandboxState state;
};

// The sandbox named `name`, or, after saying why on stderr, the exit code
// to return: 2 for what is not a name, 125 when the state root cannot be
// used, 1 when there is no such sandbox or its state cannot be read.
std::variant<NamedSandbox, int> find_sandbox(const GlobalOptions& global, const std::string& name);

// A pidfd for the sandbox's init, or an invalid Fd when it is not running.
Fd open_init(const runtime::SandboxState& state);

// "TERM", "SIGTERM", "15" -> 15; nullopt for anything else.
std::optional<int> parse_signal(const std::string& text);

// Waits up to `seconds` for the process behind `pidfd` to exit.
bool wait_exit(int pidfd, int seconds);

}  // namespace ringfence::cli
