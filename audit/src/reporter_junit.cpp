// JUnit XML, which every CI system can show as a test report: a testsuite per
// subject, a testcase per control evaluated. A control with several findings
// (two sensitive volumes, say) is one testcase holding each message. Fail is
// a <failure>, unknown an <error> (the check could not run), suppressed a
// <skipped> with the profile's reason.
#include <map>

#include <fmt/core.h>

#include "reporter_formats.h"

namespace ringfence::audit {
namespace {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 has no way to carry most control characters at all.
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t' && ch != '\r')
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(ch));
        else
          out += ch;
    }
  }
  return out;
}

std::string detail(const Report& report, const Finding& f) {
  std::string d = f.message;
  const std::string where = location_text(f.where);
  if (!where.empty()) d += "\nat " + where;
  if (!f.observed.empty()) d += "\nobserved: " + f.observed;
  if (!f.expected.empty()) d += "\nexpected: " + f.expected;
  if (report.kind == Report::Kind::Lint && !control_of(f).remediation.empty())
    d += "\nfix: " + control_of(f).remediation;
  return d;
}

// The worst outcome decides the testcase: fail, then unknown, then
// suppressed, then pass.
int rank(Outcome o) {
  switch (o) {
    case Outcome::Fail: return 3;
    case Outcome::Unknown: return 2;
    case Outcome::Suppressed: return 1;
    case Outcome::Pass: break;
  }
  return 0;
}

struct Case {
  Outcome outcome = Outcome::Pass;
  std::vector<const Finding*> findings;
};

}  // namespace

std::string render_junit(const std::vector<Report>& reports) {
  std::string suites;
  std::size_t all_tests = 0, all_failures = 0, all_errors = 0, all_skipped = 0;
  for (const auto& report : reports) {
    std::map<std::string, Case> cases;  // by control ID, so in catalogue order
    for (const auto& f : report.findings) {
      Case& c = cases[f.control];
      if (rank(f.outcome) >= rank(c.outcome)) c.outcome = f.outcome;
      c.findings.push_back(&f);
    }
    const char* classname = report.kind == Report::Kind::Lint ? "ringfence.lint" : "ringfence.compliance";
    std::string body;
    std::size_t failures = 0, errors = 0, skipped = 0;
    for (const auto& [id, c] : cases) {
      const Control& control = control_of(*c.findings.front());
      body += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", classname,
                          xml_escape(fmt::format("{} {}", id, control.title)));
      if (c.outcome == Outcome::Pass) {
        body += "/>\n";
        continue;
      }
      body += ">\n";
      std::string text;
      for (const Finding* f : c.findings)
        if (f->outcome == c.outcome) text += (text.empty() ? "" : "\n\n") + detail(report, *f);
      const std::string message = xml_escape(c.findings.front()->message);
      switch (c.outcome) {
        case Outcome::Fail:
          ++failures;
          body += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", message,
                              severity_name(control.severity), xml_escape(text));
          break;
        case Outcome::Unknown:
          ++errors;
          body += fmt::format("      <error message=\"{}\" type=\"unknown\">{}</error>\n", message, xml_escape(text));
          break;
        default:
          ++skipped;
          for (const Finding* f : c.findings)
            if (f->outcome == Outcome::Suppressed) {
              body += fmt::format("      <skipped message=\"{}\"/>\n",
                                  xml_escape("suppressed: " + f->suppression_reason));
              break;
            }
      }
      body += "    </testcase>\n";
    }
    suites += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
                          xml_escape(report.subject), cases.size(), failures, errors, skipped);
    if (report.container) {
      const ContainerRef& c = *report.container;
      std::string props;
      for (const auto& [k, v] : {std::pair<const char*, std::string>{"engine", c.engine}, {"id", c.id},
                                 {"pid", std::to_string(c.pid)}, {"image", c.image}, {"name", c.name}})
        if (!v.empty())
          props += fmt::format("      <property name=\"container.{}\" value=\"{}\"/>\n", k, xml_escape(v));
      body = "    <properties>\n" + props + "    </properties>\n" + body;
    }
    suites += body + "  </testsuite>\n";
    all_tests += cases.size();
    all_failures += failures;
    all_errors += errors;
    all_skipped += skipped;
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ringfence\" tests=\"{}\" failures=\"{}\" "
      "errors=\"{}\" skipped=\"{}\">\n{}</testsuites>\n",
      all_tests, all_failures, all_errors, all_skipped, suites);
}

}  // namespace ringfence::audit
