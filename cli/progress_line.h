// One line of progress on stderr, redrawn in place, for long work (image
// import, image harden, harden): nothing at all when stderr is not a
// terminal (scripts, CI logs) or when asked to be quiet, since a line
// redrawn with \r is noise in a file. At most ten redraws a second.
#pragma once

#include <chrono>
#include <string>

namespace ringfence::cli {

class ProgressLine {
 public:
  explicit ProgressLine(bool quiet);
  ~ProgressLine() { done(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  bool on() const { return on_; }
  // Redraws with `text` unless the last redraw was under 100 ms ago; `force`
  // redraws anyway (a new stage).
  void draw(const std::string& text, bool force = false);
  // Clears the line, if one was drawn.
  void done();

 private:
  bool on_ = false;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace ringfence::cli
