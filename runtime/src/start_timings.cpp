#include "ringfence/runtime/start_timings.h"

#include <algorithm>
#include <charconv>

#include <fmt/core.h>

namespace ringfence::runtime {
namespace {

double ms(StartTimings::Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

long long us(StartTimings::Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

// The number at the front of `text`, and `text` moved past it and past the
// separator `sep` that must follow.
std::optional<long long> take(std::string_view& text, char sep) {
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data() + text.size() || *end != sep || value < 0) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()) + 1);
  return value;
}

}  // namespace

void StartTimings::add(std::string what, std::string where, Clock::time_point start) {
  add(std::move(what), std::move(where), start, Clock::now());
}

void StartTimings::add(std::string what, std::string where, Clock::time_point start, Clock::time_point end) {
  stretches_.push_back({std::move(what), std::move(where), start - origin_, end - start});
}

std::string StartTimings::encode_child(const std::vector<std::pair<std::size_t, Stretch>>& steps, std::size_t limit) {
  std::string text;
  for (const auto& [index, s] : steps) {
    const std::string one = fmt::format("{}:{}:{};", index, us(s.at), us(s.took));
    // One byte kept for the mark that says steps were left out.
    if (text.size() + one.size() + 1 > limit) {
      text += '+';
      break;
    }
    text += one;
  }
  return text;
}

bool StartTimings::add_child(const std::string& text, const policy::Plan& plan) {
  std::string_view rest(text);
  while (!rest.empty()) {
    if (rest == "+") {
      child_truncated_ = true;
      return true;
    }
    const auto index = take(rest, ':');
    const auto at = take(rest, ':');
    const auto took = take(rest, ';');
    if (!index || !at || !took || static_cast<std::size_t>(*index) >= plan.steps.size()) return false;
    stretches_.push_back({std::string(plan.steps[static_cast<std::size_t>(*index)].name()), "child",
                          std::chrono::microseconds(*at), std::chrono::microseconds(*took)});
  }
  return true;
}

std::string StartTimings::table() const {
  std::vector<Stretch> sorted = stretches_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Stretch& a, const Stretch& b) { return a.at < b.at; });
  std::size_t width = 5;
  for (const auto& s : sorted) width = std::max(width, s.what.size());
  std::string out = fmt::format("timings, in milliseconds from ringfence's start:\n  {:<{}}  {:<7}  {:>8}  {:>8}\n",
                                "what", width, "where", "at", "took");
  Clock::duration end{};
  for (const auto& s : sorted) {
    out += fmt::format("  {:<{}}  {:<7}  {:>8.3f}  {:>8.3f}\n", s.what, width, s.where, ms(s.at), ms(s.took));
    end = std::max(end, s.at + s.took);
  }
  if (child_truncated_) out += "  (the child's later steps did not fit in its report and are not shown)\n";
  out += fmt::format("  {:<{}}  {:<7}  {:>8}  {:>8.3f}\n", "total", width, "", "", ms(end));
  return out;
}

}  // namespace ringfence::runtime
