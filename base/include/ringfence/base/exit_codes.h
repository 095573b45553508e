// Exit codes of the ringfence command: Docker's where Docker has one. The
// one definition (the launcher, exec, the CLI verbs and the OCI runtime all
// use it).
#pragma once

namespace ringfence {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;         // validate/plan/export: the profile is invalid
inline constexpr int kExitUsage = 2;           // bad command line
inline constexpr int kExitRuntimeError = 125;  // ringfence itself failed
inline constexpr int kExitCannotExecute = 126;
inline constexpr int kExitNotFound = 127;

}  // namespace ringfence
