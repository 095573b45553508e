#include "oci_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ringfence/base/fd.h"
#include "ringfence/runtime/state.h"

namespace ringfence::cli {

void OciLog::write(const char* level, const std::string& msg) const {
  // Errors also go to stderr, where a person running the runtime by hand
  // looks; the rest only to the engine's log when it named one (runc's way).
  if (path.empty() || std::string_view(level) == "error") std::fprintf(stderr, "ringfence-oci: %s\n", msg.c_str());
  if (path.empty()) return;
  std::string line;
  if (json) {
    line = nlohmann::json{{"level", level}, {"msg", msg}, {"time", runtime::now_rfc3339()}}.dump() + "\n";
  } else {
    line = runtime::now_rfc3339() + " " + level + ": " + msg + "\n";
  }
  // The engine chose the file (it is theirs, under their state directory);
  // a symlink there is not followed all the same.
  Fd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.valid()) (void)!::write(fd.get(), line.data(), line.size());
}

}  // namespace ringfence::cli
