#include "image_progress.h"

#include <unistd.h>

#include <fmt/core.h>

namespace ringfence::cli {
namespace {

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

}  // namespace

ImportProgressView::ImportProgressView(bool silent) : on_(!silent && isatty(STDERR_FILENO) == 1) {}

std::function<void(const image::ImportProgress&)> ImportProgressView::callback() {
  if (!on_) return {};
  return [this](const image::ImportProgress& p) { draw(p, false); };
}

void ImportProgressView::draw(const image::ImportProgress& p, bool force) {
  const auto now = std::chrono::steady_clock::now();
  const bool new_layer = p.layer != layer_;
  if (new_layer) {
    layer_ = p.layer;
    layer_began_ = now;
  }
  // Ten redraws a second at most: the callback comes every 64 KiB.
  if (!force && !new_layer && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  if (p.reused) {
    fmt::print(stderr, "\r\033[Klayer {}/{}: already in the store", p.layer, p.layers);
    return;
  }
  const double seconds = std::chrono::duration<double>(now - layer_began_).count();
  const double rate = seconds > 0 ? mib(p.bytes) / seconds : 0;
  fmt::print(stderr, "\r\033[Klayer {}/{}: verifying and unpacking {:.1f}", p.layer, p.layers, mib(p.bytes));
  if (p.total >= 0) fmt::print(stderr, " of {:.1f}", mib(static_cast<std::uint64_t>(p.total)));
  fmt::print(stderr, " MiB, {:.0f} MiB/s", rate);
}

void ImportProgressView::done() {
  if (drawn_) fmt::print(stderr, "\r\033[K");
  drawn_ = false;
}

}  // namespace ringfence::cli
