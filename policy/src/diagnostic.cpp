#include "ringfence/policy/diagnostic.h"

#include <algorithm>
#include <map>

#include <fmt/core.h>

namespace ringfence::policy {

std::string SourceLocation::text() const {
  if (!known()) return "";
  return line ? fmt::format("{}:{}:{}", file, line, column) : file;
}

std::string Diagnostic::format() const {
  const char* level = severity == Severity::Error ? "error" : "warning";
  if (!where.known()) return fmt::format("{}: {}", level, message);
  if (where.line == 0) return fmt::format("{}: {}: {}", where.file, level, message);
  return fmt::format("{}:{}:{}: {}: {}", where.file, where.line, where.column, level, message);
}

void Diagnostics::error(SourceLocation where, std::string message) {
  add(Diagnostic{Severity::Error, std::move(where), std::move(message)});
}

void Diagnostics::warning(SourceLocation where, std::string message) {
  add(Diagnostic{Severity::Warning, std::move(where), std::move(message)});
}

void Diagnostics::add(Diagnostic d) {
  if (d.severity == Severity::Error) ++errors_;
  items_.push_back(std::move(d));
}

void Diagnostics::append(const Diagnostics& other) {
  for (const auto& d : other.items_) add(d);
}

std::string Diagnostics::format() const {
  // Files in the order they first appear, then by position within a file.
  std::map<std::string, std::size_t> file_rank;
  for (const auto& d : items_) file_rank.emplace(d.where.file, file_rank.size());
  std::vector<const Diagnostic*> sorted;
  for (const auto& d : items_) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(), [&](const Diagnostic* a, const Diagnostic* b) {
    const auto ra = file_rank[a->where.file], rb = file_rank[b->where.file];
    if (ra != rb) return ra < rb;
    if (a->where.line != b->where.line) return a->where.line < b->where.line;
    return a->where.column < b->where.column;
  });
  std::string out;
  for (const auto* d : sorted) out += d->format() + "\n";
  return out;
}

}  // namespace ringfence::policy
