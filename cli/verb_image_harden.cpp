// ringfence image harden IMAGE [--keep PATH]... -o NAME [--store DIR] [--audit-log FILE] [--quiet]
// [--format text|json]
// A new image without setuid/setgid bits and file capabilities (except
// --keep), made as one more layer; the old image stays. Recorded in the
// audit log as `image.harden` (docs/image-harden.md).

#include <memory>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "ringfence/audit/log.h"
#include "ringfence/base/exit_codes.h"
#include "ringfence/image/harden.h"
#include "ringfence/image/store.h"
#include "progress_line.h"
#include "run_defaults.h"
#include "verb_image_harden.h"

namespace ringfence::cli {
namespace {

struct HardenOptions {
  std::string image, name, store, audit_log, format = "text";
  std::vector<std::string> keep;
  bool quiet = false;
};

std::string octal_mode(unsigned mode) { return fmt::format("{:04o}", mode & 07777); }

nlohmann::json changes_json(const image::HardenResult& r) {
  auto out = nlohmann::json::array();
  for (const auto& c : r.changed)
    out.push_back({{"path", c.path},
                   {"old_mode", octal_mode(c.old_mode)},
                   {"new_mode", octal_mode(c.new_mode)},
                   {"file_caps", c.file_caps}});
  return out;
}

// Entries walked, on a terminal only: a tree of a million files takes a
// while to scan twice.
class HardenProgressView {
 public:
  explicit HardenProgressView(bool quiet) : line_(quiet) {}
  std::function<void(const image::HardenProgress&)> callback() {
    if (!line_.on()) return {};
    return [this](const image::HardenProgress& p) {
      const bool new_phase = p.phase != phase_;
      phase_ = p.phase;
      line_.draw(p.entries > 0 ? fmt::format("{}: {} entries", p.phase, p.entries) : p.phase, new_phase);
    };
  }
  void done() { line_.done(); }

 private:
  ProgressLine line_;
  std::string phase_;
};

int run_harden(const CLI::App& image_cmd, const HardenOptions& o) {
  std::string store_root = o.store;
  if (store_root.empty())
    if (const CLI::Option* parent = image_cmd.get_option_no_throw("--store"); parent && parent->count() > 0)
      store_root = parent->as<std::string>();
  if (store_root.empty()) store_root = image::Store::default_root();
  for (const auto& k : o.keep)
    if (k.empty() || k[0] != '/') {
      fmt::print(stderr, "ringfence: image harden: --keep {}: give the path inside the image, from / "
                         "(/usr/bin/passwd)\n", k);
      return kExitUsage;
    }
  std::string log = o.audit_log;
  if (log.empty()) {
    auto found = default_audit_log();
    if (!found) {
      fmt::print(stderr, "ringfence: image harden: the audit log: {}\n", found.status().message);
      return kExitRuntimeError;
    }
    log = *found;
  }
  auto store = image::Store::open(store_root);
  if (!store) {
    fmt::print(stderr, "ringfence: {}\n", store.status().message);
    return kExitRuntimeError;
  }
  image::HardenOptions options;
  options.name = o.name;
  options.keep = o.keep;
  HardenProgressView view(o.quiet || o.format == "json");
  options.progress = view.callback();
  // The record comes before the image exists: an image made without its
  // audit record is not kept.
  options.before_save = [&](const image::HardenResult& r) {
    nlohmann::json event{{"event", "image.harden"},
                         {"image", r.old_id.text()},
                         {"image_names", r.old_names},
                         {"new_image", r.record.id.text()},
                         {"name", o.name},
                         {"layer", r.layer.text()},
                         {"changed", changes_json(r)},
                         {"kept", r.kept},
                         {"store", store->root()},
                         {"uid", getuid()}};
    // An image from an OCI layout has manifests, old and new.
    if (!r.record.manifest.empty()) event["new_manifest"] = r.record.manifest;
    return audit::append_event(log, std::move(event));
  };
  auto result = image::harden_image(*store, o.image, options);
  view.done();
  if (!result) {
    fmt::print(stderr, "ringfence: image harden: {}\n", result.status().message);
    return result.status().err == EINVAL ? kExitUsage : kExitRuntimeError;
  }
  const auto& r = *result;
  if (o.format == "json") {
    auto j = nlohmann::json::parse(image::record_to_json(r.record));
    j["created"] = r.created();
    j["hardened_from"] = r.old_id.text();
    j["changed"] = changes_json(r);
    fmt::print("{}\n", j.dump(2));
    return kExitOk;
  }
  if (!r.created()) {
    if (!o.quiet)
      fmt::print(stderr, "ringfence: image harden: nothing to strip in {} ({} kept): no image made\n", o.image,
                 r.kept.size());
    return kExitOk;
  }
  fmt::print("{}\n", r.record.id.text());
  if (!o.quiet) {
    for (const auto& c : r.changed)
      fmt::print(stderr, "stripped {} -> {}{} {}\n", octal_mode(c.old_mode), octal_mode(c.new_mode),
                 c.file_caps ? " (file capabilities removed)" : "", c.path);
    for (const auto& k : r.kept) fmt::print(stderr, "kept {}\n", k);
    fmt::print(stderr, "hardened {} ({}) as {}: {} files stripped, {} kept; recorded in {}. The old image stays: "
                       "run it to undo\n",
               o.image, r.old_id.hex.substr(0, 12), o.name, r.changed.size(), r.kept.size(), log);
  }
  return kExitOk;
}

}  // namespace

void add_image_harden(CLI::App& image_cmd, const GlobalOptions& global, std::function<int()>& run) {
  (void)global;
  auto o = std::make_shared<HardenOptions>();
  CLI::App* cmd = image_cmd.add_subcommand(
      "harden", "Make a new image without setuid/setgid bits and file capabilities (except --keep), as one more "
                "layer; the old image stays, and the change is recorded in the audit log");
  cmd->footer(
      "Prints the new image's ID. With nothing to strip (no such file, or all kept) it makes no image,\n"
      "says so and exits 0. Exits 2 for a --keep path that is not a setuid/setgid or file-capability\n"
      "file of the image, 125 when the image cannot be read or the audit record cannot be written.");
  cmd->add_option("image", o->image, "Name, sha256:ID or a unique prefix of the ID")->required();
  cmd->add_option("-o,--output", o->name, "The new image's name")->required();
  cmd->add_option("--keep", o->keep, "A path inside the image whose bits stay (/usr/bin/passwd); repeatable")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_option("--store", o->store, "The image store (default: as `image --store`)");
  cmd->add_option("--audit-log", o->audit_log, "Where the image.harden record goes (default: as `ringfence run`)");
  cmd->add_flag("-q,--quiet", o->quiet, "Print only the new image's ID: no progress, no summary");
  cmd->add_option("--format", o->format, "text (the new image's ID) or json (its record)")
      ->check(CLI::IsMember({"text", "json"}));
  const CLI::App* parent = &image_cmd;
  run = [o, parent, cmd] {
    if (!cmd->parsed()) return -1;
    return run_harden(*parent, *o);
  };
}

}  // namespace ringfence::cli
