// `image import`'s progress: which layer, bytes verified and unpacked, rate
// (on a terminal only: progress_line.h).
#pragma once

#include <chrono>
#include <functional>

#include "progress_line.h"
#include "ringfence/image/import.h"

namespace ringfence::cli {

class ImportProgressView {
 public:
  explicit ImportProgressView(bool quiet) : line_(quiet) {}
  std::function<void(const image::ImportProgress&)> callback();
  void done() { line_.done(); }

 private:
  void draw(const image::ImportProgress& p);

  ProgressLine line_;
  int layer_ = -1;
  std::chrono::steady_clock::time_point layer_began_;
};

}  // namespace ringfence::cli
