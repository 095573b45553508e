// Problems found in profiles are values, never exceptions that escape the
// policy layer: every reader and checker appends to a Diagnostics list and the
// caller decides what to print and how to exit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ringfence::policy {

// Where a value was written. An empty file means "not written by anyone":
// the value is ringfence's built-in default.
struct SourceLocation {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  bool known() const { return !file.empty(); }
  // Values given as command-line flags are "located" at the flag as written
  // ("--cap-add NET_ADMIN"), with no line.
  bool on_command_line() const { return line == 0 && file.rfind("--", 0) == 0; }
  // "FILE:LINE:COLUMN", the file alone without a line, "" when unknown: how
  // the plan and the audit log name where a rule was written.
  std::string text() const;
  bool operator==(const SourceLocation&) const = default;
};

enum class Severity { Warning, Error };

struct Diagnostic {
  Severity severity = Severity::Error;
  SourceLocation where;
  std::string message;

  // "file:line:column: error: message" (the location part is left out when
  // the problem has no place in a file, e.g. a missing file).
  std::string format() const;
};

class Diagnostics {
 public:
  void error(SourceLocation where, std::string message);
  void warning(SourceLocation where, std::string message);
  void add(Diagnostic d);
  void append(const Diagnostics& other);

  bool has_errors() const { return errors_ > 0; }
  std::size_t error_count() const { return errors_; }
  const std::vector<Diagnostic>& all() const { return items_; }
  bool empty() const { return items_.empty(); }

  // Diagnostics sorted by file, line and column, each on its own line.
  std::string format() const;

 private:
  std::vector<Diagnostic> items_;
  std::size_t errors_ = 0;
};

}  // namespace ringfence::policy
