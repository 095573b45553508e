#include "ringfence/image/verify.h"

#include <fmt/format.h>

#include "ringfence/image/image_config.h"
#include "ringfence/image/import.h"
#include "ringfence/image/store.h"

namespace ringfence::image {

Status verify_image_root(const std::string& store_root, const std::string& id_text, const std::string& rootfs) {
  auto id = parse_digest(id_text);
  if (!id) return id.status();
  auto store = Store::open(store_root);
  if (!store) return store.status();
  auto lock = store->lock(false);
  if (!lock) return lock.status();
  auto record = store->find(id->text());
  if (!record) return record.status();
  if (record->id != *id) return Status::failure(fmt::format("the store has no image {}", id->text()), ENOENT);
  auto text = store->read_blob(*id, 8 << 20);
  if (!text) return text.status();
  auto config = parse_image_config(*text, "the config of " + id->text());
  if (!config) return config.status();
  if (config->diff_ids.size() != record->layers.size())
    return Status::failure(fmt::format("image {}: its record has {} layers, its config {}", id->text(),
                                       record->layers.size(), config->diff_ids.size()),
                           EBADMSG);
  const Digest* parent = nullptr;
  Digest chain;
  for (const auto& diff : config->diff_ids) {
    chain = chain_id(parent, diff);
    parent = &chain;
  }
  UnpackPolicy policy;
  policy.suid = record->suid;
  policy.keep = record->suid_keep;
  const std::string key = tree_key(chain, policy);
  if (key != record->tree() || rootfs != store->tree_root(key))
    return Status::failure(fmt::format("image {}: its config leads to the tree {}, the sandbox was to stand on {}",
                                       id->text(), store->tree_root(key), rootfs),
                           EBADMSG);
  return {};
}

}  // namespace ringfence::image
