#include "progress_line.h"

#include <unistd.h>

#include <fmt/core.h>

namespace ringfence::cli {

ProgressLine::ProgressLine(bool quiet) : on_(!quiet && isatty(STDERR_FILENO) == 1) {}

void ProgressLine::draw(const std::string& text, bool force) {
  if (!on_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  fmt::print(stderr, "\r\033[K{}", text);
}

void ProgressLine::done() {
  if (drawn_) fmt::print(stderr, "\r\033[K");
  drawn_ = false;
}

}  // namespace ringfence::cli
