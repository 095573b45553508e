#include "image_progress.h"

#include <fmt/core.h>

namespace ringfence::cli {
namespace {

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

}  // namespace

std::function<void(const image::ImportProgress&)> ImportProgressView::callback() {
  if (!line_.on()) return {};
  return [this](const image::ImportProgress& p) { draw(p); };
}

void ImportProgressView::draw(const image::ImportProgress& p) {
  const auto now = std::chrono::steady_clock::now();
  const bool new_layer = p.layer != layer_;
  if (new_layer) {
    layer_ = p.layer;
    layer_began_ = now;
  }
  if (p.reused) {
    line_.draw(fmt::format("layer {}/{}: already in the store", p.layer, p.layers), true);
    return;
  }
  const double seconds = std::chrono::duration<double>(now - layer_began_).count();
  std::string text = fmt::format("layer {}/{}: verifying and unpacking {:.1f}", p.layer, p.layers, mib(p.bytes));
  if (p.total >= 0) text += fmt::format(" of {:.1f}", mib(static_cast<std::uint64_t>(p.total)));
  text += fmt::format(" MiB, {:.0f} MiB/s", seconds > 0 ? mib(p.bytes) / seconds : 0.0);
  line_.draw(text, new_layer);
}

}  // namespace ringfence::cli
