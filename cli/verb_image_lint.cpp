// ringfence image lint IMAGE [--store DIR] [--format text|json|sarif|junit] [--min-severity S]
// A stored image judged by the image-side controls of the catalogue
// (`applies = ["image"]`: RF-IMG-003 ... RF-IMG-009), printed by the
// reporters `ringfence lint` uses. Exit 0: nothing at or above the minimum
// severity; 1: findings; 2: a usage error, or no such image or store.
#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include <fmt/core.h>

#include "ringfence/audit/controls.h"
#include "ringfence/audit/reporters.h"
#include "ringfence/base/exit_codes.h"
#include "ringfence/base/fd.h"
#include "ringfence/image/image_config.h"
#include "ringfence/image/image_lint.h"
#include "ringfence/image/store.h"
#include "ringfence/lint/lint.h"
#include "verb_image_lint.h"

namespace ringfence::cli {
namespace {

// Text is for people: past this many findings of one control the rest are
// counted, not listed (json, sarif and junit list every one).
constexpr std::size_t kTextListCap = 20;

struct ImageLintFlags {
  std::string image, store, format = "text", min_severity = "low";
};

int image_lint_error(const std::string& message, int code) {
  fmt::print(stderr, "ringfence image lint: {}\n", message);
  return code;
}

// The issues as a lint report: a finding for each, a pass for each control
// evaluated that found nothing; controls below `min` are not evaluated.
audit::Report image_report(const std::string& subject, const image::ImageRecord& record,
                           const std::vector<image::LintIssue>& issues, audit::Severity min, bool cap) {
  audit::Report report;
  report.kind = audit::Report::Kind::Lint;
  report.subject = subject;
  report.profile = record.id.text();
  std::map<std::string, std::vector<const image::LintIssue*>> by_control;
  for (const auto& i : issues) by_control[i.control].push_back(&i);
  for (const auto& c : audit::controls()) {
    if (!c.image || c.severity < min) continue;
    const auto found = by_control.find(c.id);
    if (found == by_control.end()) {
      audit::Finding pass;
      pass.control = c.id;
      pass.outcome = audit::Outcome::Pass;
      pass.message = fmt::format("checked: {}", c.title);
      report.findings.push_back(std::move(pass));
      continue;
    }
    const auto& list = found->second;
    for (std::size_t n = 0; n < list.size(); ++n) {
      if (cap && n == kTextListCap) {
        audit::Finding more;
        more.control = c.id;
        more.message = fmt::format("and {} more (--format json lists every one)", list.size() - n);
        report.findings.push_back(std::move(more));
        break;
      }
      audit::Finding f;
      f.control = c.id;
      f.message = list[n]->message;
      f.where.file = list[n]->path;
      report.findings.push_back(std::move(f));
    }
  }
  return report;
}

int run_image_lint(const ImageLintFlags& o, const std::string& fallback_store) {
  audit::ReportFormat format{};
  if (!audit::parse_report_format(o.format, &format)) return image_lint_error("--format " + o.format, kExitUsage);
  audit::Severity min{};
  if (!audit::parse_severity(o.min_severity, &min)) return image_lint_error("--min-severity " + o.min_severity, kExitUsage);
  const std::string root =
      !o.store.empty() ? o.store : !fallback_store.empty() ? fallback_store : image::Store::default_root();
  auto store = image::Store::open(root);
  if (!store) return image_lint_error(store.status().message, kExitUsage);
  auto lock = store->lock(false);
  if (!lock) return image_lint_error(lock.status().message, kExitRuntimeError);
  auto record = store->find(o.image);
  if (!record) return image_lint_error(record.status().message, kExitUsage);
  auto config_text = store->read_blob(record->id, 8 << 20);
  if (!config_text) return image_lint_error(config_text.status().message, kExitRuntimeError);
  auto config = image::parse_image_config(*config_text, "config " + record->id.text());
  if (!config) return image_lint_error(config.status().message, kExitRuntimeError);
  Fd tree(open(store->tree_root(record->tree()).c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!tree.valid())
    return image_lint_error(fmt::format("open the tree of {}: {}", o.image, std::strerror(errno)), kExitRuntimeError);
  auto issues = image::lint_image(tree.get(), *record, *config);
  if (!issues) return image_lint_error(issues.status().message, kExitRuntimeError);
  const auto report = image_report(o.image, *record, *issues, min, format == audit::ReportFormat::Text);
  fmt::print("{}", audit::render_report({report}, format));
  return lint::has_failures(report) ? kExitInvalid : kExitOk;
}

}  // namespace

void add_image_lint(CLI::App& image_cmd, const std::string& image_store, std::function<int()>& run) {
  auto o = std::make_shared<ImageLintFlags>();
  CLI::App* cmd = image_cmd.add_subcommand(
      "lint",
      "Judge a stored image by CIS Docker section 4 (user, setuid files, world-writable paths, secrets, shells, "
      "HEALTHCHECK); exit 1 on findings, 2 on errors");
  cmd->add_option("image", o->image, "Name, sha256:ID or a unique prefix of the ID")->required();
  cmd->add_option("--store", o->store, "The image store (default: image --store, or the default store)");
  cmd->add_option("--format", o->format, "text, json, sarif or junit")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit"}))
      ->capture_default_str();
  cmd->add_option("--min-severity", o->min_severity, "Ignore controls below: info, low, medium, high or critical")
      ->check(CLI::IsMember({"info", "low", "medium", "high", "critical"}))
      ->capture_default_str();
  run = [o, cmd, &image_store] { return cmd->parsed() ? run_image_lint(*o, image_store) : -1; };
}

}  // namespace ringfence::cli
