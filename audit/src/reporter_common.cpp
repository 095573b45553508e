#include <deque>

#include <fmt/core.h>

#include "reporter_formats.h"

namespace ringfence::audit {

const Control& control_of(const Finding& finding) {
  if (const Control* c = find_control(finding.control)) return *c;
  // One stable entry per unknown ID; a deque keeps earlier references valid.
  static thread_local std::deque<Control> unknown;
  for (const auto& c : unknown)
    if (c.id == finding.control) return c;
  Control c;
  c.id = finding.control;
  c.title = finding.control;
  unknown.push_back(c);
  return unknown.back();
}

std::string location_text(const policy::SourceLocation& where) {
  if (!where.known()) return "";
  if (where.line == 0) return where.file;
  if (where.column == 0) return fmt::format("{}:{}", where.file, where.line);
  return fmt::format("{}:{}:{}", where.file, where.line, where.column);
}

}  // namespace ringfence::audit
