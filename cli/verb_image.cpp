// ringfence image import FILE|DIR [--name NAME] | list | inspect REF | rm REF... | gc   [--store DIR]
// The daemon-less image store (image/include/ringfence/image/store.h).
#include <unistd.h>

#include <chrono>
#include <memory>
#include <set>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "image_progress.h"
#include "ringfence/base/exit_codes.h"
#include "ringfence/image/image_config.h"
#include "ringfence/image/import.h"
#include "ringfence/image/store.h"
#include "ringfence/runtime/state.h"
#include "sandbox_ref.h"
#include "verb_image_harden.h"
#include "verb_image_lint.h"
#include "verbs.h"

namespace ringfence::cli {
namespace {

struct ImageOptions {
  std::string store;
  std::string format = "text";
  bool quiet = false;
  // import
  std::string source, name, suid = "report", special = "refuse";
  std::vector<std::string> keep;
  // inspect, rm
  std::vector<std::string> refs;
};

std::string short_id(const image::Digest& d) { return d.hex.substr(0, 12); }

std::string human_size(std::uint64_t bytes) {
  if (bytes >= (1ull << 30)) return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1ull << 30));
  if (bytes >= (1ull << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1ull << 20));
  if (bytes >= (1ull << 10)) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / (1ull << 10));
  return fmt::format("{} B", bytes);
}

int fail(const Status& s) {
  fmt::print(stderr, "ringfence: {}\n", s.message);
  return kExitRuntimeError;
}

int run_import(const image::Store& store, const ImageOptions& o) {
  image::ImportOptions options;
  options.name = o.name;
  options.unpack.suid = o.suid;
  options.unpack.keep = o.keep;
  options.unpack.record_special = o.special == "record";
  ImportProgressView view(o.quiet || o.format == "json");
  options.progress = view.callback();
  auto result = image::import_image(store, o.source, options);
  view.done();
  if (!result) return fail(result.status());
  const auto& r = result->record;
  if (o.format == "json") {
    auto j = nlohmann::json::parse(image::record_to_json(r));
    j["layers_unpacked"] = result->layers_unpacked;
    j["layers_reused"] = result->layers_reused;
    fmt::print("{}\n", j.dump(2));
    return kExitOk;
  }
  fmt::print("{}\n", r.id.text());
  if (!o.quiet) {
    fmt::print(stderr, "imported {} ({}), {} layers ({} unpacked, {} already in the store), {}\n",
               r.names.empty() ? short_id(r.id) : fmt::format("{}", fmt::join(r.names, ", ")), r.format,
               r.layers.size(), result->layers_unpacked, result->layers_reused, human_size(r.size));
    std::size_t setuid = 0, stripped = 0;
    for (const auto& p : r.privileged) (p.stripped ? stripped : setuid)++;
    if (setuid > 0)
      fmt::print(stderr, "{} setuid/setgid or file-capability files kept (--suid strip removes them; "
                         "`ringfence image inspect` lists them)\n", setuid);
    if (stripped > 0) fmt::print(stderr, "{} setuid/setgid or file-capability files stripped\n", stripped);
    if (!r.special_skipped.empty())
      fmt::print(stderr, "{} device nodes, FIFOs or sockets not unpacked\n", r.special_skipped.size());
  }
  return kExitOk;
}

int run_list(const image::Store& store, const ImageOptions& o) {
  auto lock = store.lock(false);
  if (!lock) return fail(lock.status());
  auto all = store.list();
  if (!all) return fail(all.status());
  if (o.format == "json") {
    auto out = nlohmann::json::array();
    for (const auto& r : *all) out.push_back(nlohmann::json::parse(image::record_to_json(r)));
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }
  fmt::print("{:<14}{:<36}{:<8}{:<12}{}\n", "ID", "NAME", "LAYERS", "SIZE", "IMPORTED");
  for (const auto& r : *all)
    fmt::print("{:<14}{:<36}{:<8}{:<12}{}\n", short_id(r.id), r.names.empty() ? "<none>" : r.names.front(),
               r.layers.size(), human_size(r.size), r.imported);
  return kExitOk;
}

int run_inspect(const image::Store& store, const ImageOptions& o) {
  auto lock = store.lock(false);
  if (!lock) return fail(lock.status());
  auto out = nlohmann::json::array();
  for (const auto& ref : o.refs) {
    auto r = store.find(ref);
    if (!r) return fail(r.status());
    auto j = nlohmann::json::parse(image::record_to_json(*r));
    auto config_text = store.read_blob(r->id, 8 << 20);
    if (!config_text) return fail(config_text.status());
    j["config"] = nlohmann::json::parse(*config_text).value("config", nlohmann::json::object());
    j["root"] = store.tree_root(r->tree());
    out.push_back(std::move(j));
  }
  fmt::print("{}\n", out.dump(2));
  return kExitOk;
}

// The trees that sandboxes in the state root stand on, running or not yet
// deleted: gc leaves them.
std::set<std::string> trees_in_use(const image::Store& store, const std::string& state_root) {
  std::set<std::string> in_use;
  const std::string prefix = store.root() + "/trees/";
  for (const auto& id : runtime::list_ids(state_root)) {
    auto s = runtime::read_state(state_root, id);
    if (!s || !s->rootfs.starts_with(prefix)) continue;
    const std::string rest = s->rootfs.substr(prefix.size());
    in_use.insert(rest.substr(0, rest.find('/')));
  }
  return in_use;
}

}  // namespace

Verb add_image(CLI::App& app, const GlobalOptions& global) {
  auto o = std::make_shared<ImageOptions>();
  CLI::App* cmd = app.add_subcommand(
      "image", "The image store: import OCI layouts and docker-archives (verified), list, inspect, remove");
  cmd->require_subcommand(1);
  cmd->add_option("--store", o->store, "The image store (default: /var/lib/ringfence/images; rootless: "
                                       "$XDG_DATA_HOME/ringfence/images)");
  CLI::App* import = cmd->add_subcommand(
      "import", "Import an OCI image layout or a docker-archive (a directory or its tar: docker save, podman save, "
                "skopeo copy), verifying every blob against its digest as it is unpacked");
  import->add_option("source", o->source, "The archive or directory")->required();
  import->add_option("--name", o->name,
                     "The name it gets (default: the archive's own); also which image to take from an archive "
                     "holding several");
  import->add_option("--suid", o->suid,
                     "setuid/setgid bits and file capabilities: report keeps and lists them, strip removes them "
                     "(except --keep) and lists what it removed")
      ->check(CLI::IsMember({"report", "strip"}))
      ->capture_default_str();
  import->add_option("--keep", o->keep, "With --suid strip: a path whose bits stay (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all();
  import->add_option("--special-files", o->special,
                     "Device nodes, FIFOs and sockets in a layer: refuse the image, or record and skip them")
      ->check(CLI::IsMember({"refuse", "record"}))
      ->capture_default_str();
  import->add_flag("-q,--quiet", o->quiet, "Print only the image ID: no progress, no summary");
  import->add_option("--format", o->format, "text (the image ID) or json (the image's record)")
      ->check(CLI::IsMember({"text", "json"}));
  CLI::App* list = cmd->add_subcommand("list", "List the images in the store");
  list->alias("ls");
  list->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  CLI::App* inspect = cmd->add_subcommand("inspect", "Print images' records and configs as JSON");
  inspect->add_option("image", o->refs, "Name, sha256:ID or a unique prefix of the ID")->required();
  CLI::App* rm = cmd->add_subcommand("rm", "Remove images from the store (their trees go at the next gc)");
  rm->add_option("image", o->refs, "Name, sha256:ID or a unique prefix of the ID")->required();
  CLI::App* gc = cmd->add_subcommand(
      "gc", "Remove the trees and blobs no image needs, and what interrupted imports left; trees that sandboxes "
            "stand on stay");
  auto harden_run = std::make_shared<std::function<int()>>();
  add_image_harden(*cmd, global, *harden_run);
  auto lint_run = std::make_shared<std::function<int()>>();
  add_image_lint(*cmd, o->store, *lint_run);
  return {cmd, [o, import, list, inspect, rm, gc, &global, harden_run, lint_run] {
            if (const int rc = (*harden_run)(); rc >= 0) return rc;
            if (const int rc = (*lint_run)(); rc >= 0) return rc;
            auto store = image::Store::open(o->store.empty() ? image::Store::default_root() : o->store);
            if (!store) return fail(store.status());
            if (import->parsed()) return run_import(*store, *o);
            if (list->parsed()) return run_list(*store, *o);
            if (inspect->parsed()) return run_inspect(*store, *o);
            if (rm->parsed()) {
              auto lock = store->lock(true);
              if (!lock) return fail(lock.status());
              for (const auto& ref : o->refs) {
                auto r = store->find(ref);
                if (!r) return fail(r.status());
                if (Status s = store->remove(r->id); !s) return fail(s);
                fmt::print("{}\n", r->id.text());
              }
              return kExitOk;
            }
            (void)gc;
            const auto root = state_root(global);
            if (!root) return kExitRuntimeError;
            auto lock = store->lock(true);
            if (!lock) return fail(lock.status());
            auto report = store->gc(trees_in_use(*store, *root));
            if (!report) return fail(report.status());
            fmt::print("removed {} trees, {} blobs, {} unfinished imports\n", report->trees.size(),
                       report->blobs.size(), report->staging.size());
            return kExitOk;
          }};
}

}  // namespace ringfence::cli
