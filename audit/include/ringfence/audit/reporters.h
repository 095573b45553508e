// Reporters shared by `ringfence lint` and `ringfence audit check`: text for
// people, JSON, SARIF 2.1.0 and JUnit XML for CI systems. Each takes every
// report of one invocation (several profiles, or one process) and returns
// the whole document.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ringfence/audit/findings.h"

namespace ringfence::audit {

enum class ReportFormat { Text, Json, Sarif, Junit };
bool parse_report_format(std::string_view text, ReportFormat* out);

std::string render_report(const std::vector<Report>& reports, ReportFormat format);

}  // namespace ringfence::audit
