# ringfence_precompile(<target> [HEADERS...]): compile the standard library
# and third-party headers most of the target's files include once, into a
# precompiled header, instead of once per file.
#
# Why: CLI11, nlohmann-json, fmt and GoogleTest are header-only (or mostly)
# and every file that includes them parses tens of thousands of lines again.
# A clean build of both test configurations is most of CI's 40-minute
# budget (docs/contributing.md, "CI's time"), and these headers are most of
# the build.
#
# Only headers that do not change while ringfence is developed go here: a
# header of our own would rebuild every file of the target on each edit.
# A file must still include what it uses; the precompiled header is a
# speed-up, never a way to make a file compile.
set(RINGFENCE_PCH_COMMON
  <algorithm> <cstdint> <functional> <map> <memory> <optional> <set>
  <string> <string_view> <utility> <variant> <vector>
  <fmt/format.h>)

function(ringfence_precompile target)
  if(NOT RINGFENCE_PRECOMPILED_HEADERS)
    return()
  endif()
  # Every target given here is C++ only, so the headers need no
  # language guard.
  target_precompile_headers(${target} PRIVATE ${RINGFENCE_PCH_COMMON} ${ARGN})
endfunction()
