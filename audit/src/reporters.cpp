#include "ringfence/audit/reporters.h"

#include "reporter_formats.h"

namespace ringfence::audit {

bool parse_report_format(std::string_view text, ReportFormat* out) {
  static constexpr std::pair<std::string_view, ReportFormat> kNames[] = {
      {"text", ReportFormat::Text}, {"json", ReportFormat::Json}, {"sarif", ReportFormat::Sarif},
      {"junit", ReportFormat::Junit}};
  for (const auto& [name, format] : kNames) {
    if (text == name) {
      *out = format;
      return true;
    }
  }
  return false;
}

std::string render_report(const std::vector<Report>& reports, ReportFormat format) {
  switch (format) {
    case ReportFormat::Json: return render_json(reports);
    case ReportFormat::Sarif: return render_sarif(reports);
    case ReportFormat::Junit: return render_junit(reports);
    case ReportFormat::Text: break;
  }
  return render_text(reports);
}

}  // namespace ringfence::audit
