#include "image_run.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include <fmt/core.h>

#include "ringfence/image/image_config.h"
#include "ringfence/image/store.h"

namespace ringfence::cli {

Result<std::string> keep_changes_dir(const std::string& dir, const std::string& store_root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path abs = fs::absolute(dir, ec).lexically_normal();
  if (ec || dir.empty()) return Status::failure("--keep-changes " + dir + ": not a usable path", EINVAL);
  // Where it resolves to, symlinks and all (the parts that exist).
  const fs::path real = fs::weakly_canonical(abs, ec);
  const fs::path store = fs::weakly_canonical(store_root, ec);
  if (!ec) {
    if (std::mismatch(store.begin(), store.end(), real.begin(), real.end()).first == store.end())
      return Status::failure(fmt::format("--keep-changes {}: inside the image store {}, whose trees are never written",
                                         dir, store.string()),
                             EINVAL);
  }
  return abs.string();
}

Result<ImageRun> prepare_image_run(const std::string& ref, const std::string& store_root,
                                   const std::vector<std::string>& command) {
  auto store = image::Store::open(store_root.empty() ? image::Store::default_root() : store_root);
  if (!store) return store.status();
  auto lock = store->lock(false);
  if (!lock) return lock.status();
  auto record = store->find(ref);
  if (!record) return record.status();
  // Re-hashed: the config read is the one the ID names.
  auto text = store->read_blob(record->id, 8 << 20);
  if (!text) return text.status();
  auto config = image::parse_image_config(*text, "the config of " + record->id.text());
  if (!config) return config.status();

  ImageRun run;
  run.id = record->id.text();
  run.store = store->root();
  run.rootfs = store->tree_root(record->tree());
  run.argv = config->entrypoint;
  const auto& args = command.empty() ? config->cmd : command;
  run.argv.insert(run.argv.end(), args.begin(), args.end());
  if (run.argv.empty())
    return Status::failure(fmt::format("image {} names no program (no Entrypoint or Cmd): give one after --", ref),
                           EINVAL);
  run.user = config->user;
  const std::string where = fmt::format("image {} ({})", ref, record->id.hex.substr(0, 12));
  run.layer.file = where;
  run.layer.display = where;
  const policy::SourceLocation at{where, 0, 0};
  for (const auto& e : config->env) {
    const auto eq = e.find('=');
    if (eq == std::string::npos || eq == 0) continue;  // Docker ignores such entries too
    run.layer.data.process.env.value[e.substr(0, eq)] = policy::Located<std::string>{e.substr(eq + 1), at, 0};
    run.layer.data.process.env.origin = at;
  }
  if (!config->working_dir.empty()) run.layer.data.process.cwd = policy::setting_at(config->working_dir, at);
  return run;
}

policy::Layer with_image_user(policy::Layer layer, const std::string& user) {
  layer.data.user.user = policy::setting_at(user, policy::SourceLocation{layer.file, 0, 0});
  return layer;
}

}  // namespace ringfence::cli
