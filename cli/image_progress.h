// Progress of long image work on a terminal: which layer, bytes done, rate.
// Nothing at all when stderr is not a terminal (scripts, CI logs) or when
// asked to be quiet: a line redrawn with \r is noise in a file.
#pragma once

#include <chrono>
#include <functional>

#include "ringfence/image/import.h"

namespace ringfence::cli {

class ImportProgressView {
 public:
  explicit ImportProgressView(bool silent);
  std::function<void(const image::ImportProgress&)> callback();
  // Ends the progress line, if one was drawn.
  void done();

 private:
  void draw(const image::ImportProgress& p, bool force);

  bool on_ = false;
  bool drawn_ = false;
  int layer_ = -1;
  std::chrono::steady_clock::time_point layer_began_, last_draw_;
};

}  // namespace ringfence::cli
