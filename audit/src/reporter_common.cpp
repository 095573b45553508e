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

std::string container_text(const ContainerRef& c) {
  std::string extra = fmt::format("pid {}", c.pid);
  if (!c.image.empty()) extra += ", image " + c.image;
  if (!c.name.empty() && c.name != c.id) extra += ", name " + c.name;
  if (!c.runtime.empty() && c.runtime != c.engine) extra += ", runtime " + c.runtime;
  return fmt::format("{} {} ({})", c.engine, c.id, extra);
}

nlohmann::json container_json(const ContainerRef& c) {
  nlohmann::json j{{"id", c.id}, {"engine", c.engine}, {"pid", c.pid}, {"source", c.source}};
  if (!c.runtime.empty()) j["runtime"] = c.runtime;
  if (!c.name.empty()) j["name"] = c.name;
  if (!c.image.empty()) j["image"] = c.image;
  return j;
}

std::string location_text(const policy::SourceLocation& where) {
  if (!where.known()) return "";
  if (where.line == 0) return where.file;
  if (where.column == 0) return fmt::format("{}:{}", where.file, where.line);
  return fmt::format("{}:{}:{}", where.file, where.line, where.column);
}

}  // namespace ringfence::audit
