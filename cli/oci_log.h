// What `ringfence-oci` says, where engines look for it: stderr, and the
// --log file (runc's convention: with --log-format json, one JSON object per
// line with "level", "msg" and "time"; containerd's shim and conmon show the
// last error's msg to their user).
#pragma once

#include <string>

namespace ringfence::cli {

struct OciLog {
  std::string path;   // --log; "" = stderr only
  bool json = false;  // --log-format json
  bool debug = false;

  void error(const std::string& msg) const { write("error", msg); }
  void warn(const std::string& msg) const { write("warning", msg); }
  void info(const std::string& msg) const {
    if (debug) write("info", msg);
  }

 private:
  void write(const char* level, const std::string& msg) const;
};

}  // namespace ringfence::cli
