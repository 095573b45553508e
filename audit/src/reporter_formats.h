// One renderer per output format, each in its own file; reporters.cpp
// dispatches. Shared helpers for the renderers live here too.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringfence/audit/controls.h"
#include "ringfence/audit/findings.h"

namespace ringfence::audit {

std::string render_text(const std::vector<Report>& reports);
std::string render_json(const std::vector<Report>& reports);
std::string render_sarif(const std::vector<Report>& reports);
std::string render_junit(const std::vector<Report>& reports);

// The catalogue entry of a finding; a finding naming an ID the catalogue
// lacks (a bug in a rule) still renders, as a medium control titled by its ID.
const Control& control_of(const Finding& finding);

// A scanned container in one line for people: "docker 3f2a... (pid 4242,
// image busybox, name web)"; the JSON object the machine formats carry.
std::string container_text(const ContainerRef& c);
nlohmann::json container_json(const ContainerRef& c);

// "file:line:column", "file:line", "file" or "" — as compilers print them.
std::string location_text(const policy::SourceLocation& where);

}  // namespace ringfence::audit
