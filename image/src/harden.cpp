#include "ringfence/image/harden.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "ringfence/base/fd.h"
#include "ringfence/base/text_file.h"
#include "ringfence/image/image_config.h"
#include "ringfence/image/import.h"
#include "libarchive.h"
#include "privileged_files.h"
#include "tree_copy.h"
#include "tree_ops.h"

namespace ringfence::image {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// find_privileged with the entries counted for the progress.
class PrivilegedWalk {
 public:
  PrivilegedWalk(std::string phase, const std::function<void(const HardenProgress&)>& progress)
      : progress_(progress) {
    p_.phase = std::move(phase);
  }

  Status run(int dir) {
    return find_privileged(dir, found, [this] {
      ++p_.entries;
      if (progress_ && p_.entries % 256 == 0) progress_(p_);
    });
  }

  void finish() {
    if (progress_) progress_(p_);
  }

  std::vector<FoundFile> found;

 private:
  const std::function<void(const HardenProgress&)>& progress_;
  HardenProgress p_;
};

la_ssize_t append_to_string(archive*, void* data, const void* buf, size_t size) {
  static_cast<std::string*>(data)->append(static_cast<const char*>(buf), size);
  return static_cast<la_ssize_t>(size);
}

struct ArchiveWriter {
  archive* a = la::archive_write_new();
  ~ArchiveWriter() { la::archive_write_free(a); }
};

struct EntryHolder {
  archive_entry* e = la::archive_entry_new();
  ~EntryHolder() { la::archive_entry_free(e); }
};

// The layer: each file to strip, sorted by path, with the mode cleared and
// no xattrs. A second path to an inode already written is a hard link to
// the first, as the image has it.
Result<std::string> build_layer(int tree_fd, const std::vector<FoundFile>& strip) {
  if (Status st = la::load(); !st) return st;
  std::string out;
  ArchiveWriter w;
  if (la::archive_write_set_format_pax_restricted(w.a) != ARCHIVE_OK ||
      la::archive_write_add_filter_none(w.a) != ARCHIVE_OK ||
      la::archive_write_open(w.a, &out, nullptr, append_to_string, nullptr) != ARCHIVE_OK)
    return Status::failure(fmt::format("make the layer: {}", la::archive_error_string(w.a)), EIO);
  std::map<std::pair<dev_t, ino_t>, std::string> written;
  for (const auto& f : strip) {
    const std::string rel = f.file.path.substr(1);
    Fd fd(detail::open_in_tree(tree_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!fd.valid()) return Status::from_errno("open " + f.file.path);
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) return Status::from_errno("stat " + f.file.path);
    if (!S_ISREG(st.st_mode) || st.st_dev != f.dev || st.st_ino != f.ino)
      return Status::failure(f.file.path + " changed while the image was read", EAGAIN);
    EntryHolder h;
    la::archive_entry_set_pathname(h.e, rel.c_str());
    la::archive_entry_set_filetype(h.e, AE_IFREG);
    la::archive_entry_set_perm(h.e,
                               static_cast<mode_t>(f.file.mode & 07777 & ~static_cast<unsigned>(S_ISUID | S_ISGID)));
    la::archive_entry_set_uid(h.e, st.st_uid);
    la::archive_entry_set_gid(h.e, st.st_gid);
    la::archive_entry_set_mtime(h.e, st.st_mtim.tv_sec, 0);
    const auto key = std::make_pair(st.st_dev, st.st_ino);
    const auto first = written.find(key);
    if (first != written.end()) {
      la::archive_entry_set_hardlink(h.e, first->second.c_str());
      la::archive_entry_set_size(h.e, 0);
      if (la::archive_write_header(w.a, h.e) != ARCHIVE_OK)
        return Status::failure(fmt::format("make the layer: {}: {}", f.file.path, la::archive_error_string(w.a)), EIO);
      continue;
    }
    written.emplace(key, rel);
    la::archive_entry_set_size(h.e, st.st_size);
    if (la::archive_write_header(w.a, h.e) != ARCHIVE_OK)
      return Status::failure(fmt::format("make the layer: {}: {}", f.file.path, la::archive_error_string(w.a)), EIO);
    std::int64_t left = st.st_size;
    char buf[1 << 16];
    while (left > 0) {
      const ssize_t n = read(fd.get(), buf, static_cast<std::size_t>(std::min<std::int64_t>(left, sizeof buf)));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::from_errno("read " + f.file.path);
      if (n == 0) return Status::failure(f.file.path + " changed while the image was read", EAGAIN);
      if (la::archive_write_data(w.a, buf, static_cast<std::size_t>(n)) != n)
        return Status::failure(fmt::format("make the layer: {}: {}", f.file.path, la::archive_error_string(w.a)), EIO);
      left -= n;
    }
  }
  if (la::archive_write_close(w.a) != ARCHIVE_OK)
    return Status::failure(fmt::format("make the layer: {}", la::archive_error_string(w.a)), EIO);
  return out;
}

Digest sha256_of(const std::string& data) {
  Sha256 h;
  h.update(data.data(), data.size());
  return h.finish();
}

// The old config with the layer appended to rootfs.diff_ids and one more
// history entry. Every other member stays, in its order.
Result<std::string> new_config(const std::string& old_text, const Digest& layer, std::size_t stripped,
                               const std::string& what) {
  try {
    ordered_json j = ordered_json::parse(old_text);
    if (!j.is_object() || !j.contains("rootfs") || !j["rootfs"].is_object() || !j["rootfs"].contains("diff_ids") ||
        !j["rootfs"]["diff_ids"].is_array())
      return Status::failure(what + ": no rootfs.diff_ids", EBADMSG);
    j["rootfs"]["diff_ids"].push_back(layer.text());
    ordered_json entry = ordered_json::object();
    // The image's own creation time, not the clock: the same image hardened
    // the same way is the same image ID.
    if (j.contains("created") && j["created"].is_string()) entry["created"] = j["created"];
    entry["created_by"] = "ringfence image harden";
    entry["comment"] = fmt::format("setuid/setgid bits stripped from {} files", stripped);
    if (!j.contains("history") || !j["history"].is_array()) j["history"] = ordered_json::array();
    j["history"].push_back(std::move(entry));
    return j.dump();
  } catch (const std::exception& e) {
    return Status::failure(fmt::format("{}: {}", what, e.what()), EBADMSG);
  }
}

// The new image's OCI manifest: the old one's, with the new config and the
// new layer (an uncompressed tar, whose digest is its diff_id) on top, so
// that the new image has a manifest digest of its own as the old one did.
Result<std::string> new_manifest(const std::string& old_text, const Digest& config, std::size_t config_size,
                                 const Digest& layer, std::uint64_t layer_size, const std::string& what) {
  try {
    ordered_json j = ordered_json::parse(old_text);
    if (!j.is_object() || !j.contains("config") || !j["config"].is_object() || !j.contains("layers") ||
        !j["layers"].is_array())
      return Status::failure(what + ": no config or layers", EBADMSG);
    j["config"]["digest"] = config.text();
    j["config"]["size"] = config_size;
    j["layers"].push_back(ordered_json{{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                                       {"digest", layer.text()},
                                       {"size", layer_size}});
    return j.dump();
  } catch (const std::exception& e) {
    return Status::failure(fmt::format("{}: {}", what, e.what()), EBADMSG);
  }
}

std::string harden_layer_json(const UnpackReport& r) {
  json privileged = json::array();
  for (const auto& p : r.privileged)
    privileged.push_back({{"path", p.path}, {"mode", p.mode}, {"file_caps", p.file_caps}, {"stripped", p.stripped}});
  return json{{"diff_id", r.diff_id.text()}, {"entries", r.entries},        {"bytes", r.bytes},
              {"privileged", privileged},   {"special_skipped", r.special_skipped}}
             .dump(2) +
         "\n";
}

class Harden {
 public:
  Harden(const Store& store, const HardenOptions& o) : store_(store), o_(o) {}
  ~Harden() {
    if (!staging_.empty()) (void)store_.remove_staging(staging_);
    if (!done_ && !made_.empty()) (void)store_.remove_tree(made_);
  }

  Result<HardenResult> run(const std::string& ref) {
    auto lock = store_.lock(true);
    if (!lock) return lock.status();
    auto old = store_.find(ref);
    if (!old) return old.status();
    HardenResult result;
    result.old_id = old->id;
    result.old_names = old->names;
    const std::string what = fmt::format("image {}", old->id.text());
    auto config_text = store_.read_blob(old->id, 8 << 20);
    if (!config_text) return config_text.status();
    auto config = parse_image_config(*config_text, "the config of " + what);
    if (!config) return config.status();
    if (config->diff_ids.size() != old->layers.size())
      return Status::failure(fmt::format("{}: its record has {} layers, its config {}", what, old->layers.size(),
                                         config->diff_ids.size()),
                             EBADMSG);
    for (std::size_t i = 0; i < old->layers.size(); ++i)
      if (old->layers[i].diff_id != config->diff_ids[i])
        return Status::failure(fmt::format("{}: layer {} of its record is not its config's", what, i + 1), EBADMSG);

    Fd top(openat(store_.fd(), ("trees/" + old->tree() + "/rootfs").c_str(),
                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!top.valid()) return Status::from_errno("open the tree of " + what);
    PrivilegedWalk scan("scanning", o_.progress);
    if (Status s = scan.run(top.get()); !s) return s;
    scan.finish();
    std::sort(scan.found.begin(), scan.found.end(),
              [](const FoundFile& a, const FoundFile& b) { return a.file.path < b.file.path; });

    std::set<std::string> privileged_paths;
    for (const auto& f : scan.found) privileged_paths.insert(f.file.path);
    std::vector<std::string> keep = o_.keep;
    std::sort(keep.begin(), keep.end());
    keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
    for (const auto& k : keep)
      if (!privileged_paths.count(k))
        return Status::failure(
            fmt::format("--keep {}: not a setuid/setgid or file-capability file of {}", k, ref), EINVAL);
    result.kept = keep;
    std::vector<FoundFile> strip;
    for (const auto& f : scan.found)
      if (!std::binary_search(keep.begin(), keep.end(), f.file.path)) {
        strip.push_back(f);
        result.changed.push_back({f.file.path, f.file.mode,
                                  f.file.mode & ~static_cast<unsigned>(S_ISUID | S_ISGID), f.file.file_caps});
      }
    if (strip.empty()) {
      result.record = *old;
      return result;
    }

    auto tar = build_layer(top.get(), strip);
    if (!tar) return tar.status();
    result.layer = sha256_of(*tar);
    result.layer_size = tar->size();
    const Digest chain = chain_id(&old->layers.back().chain, result.layer);
    // The key an import of the hardened image with `--suid strip --keep`
    // would give it: the record says so, and image.verify checks it.
    UnpackPolicy policy;
    policy.suid = "strip";
    policy.keep = keep;
    const std::string key = tree_key(chain, policy);
    UnpackReport report;
    result.tree_reused = store_.has_tree(key);
    if (!result.tree_reused) {
      // A descriptor of its own: the walk moved `top`'s directory offset.
      Fd base(openat(store_.fd(), ("trees/" + old->tree() + "/rootfs").c_str(),
                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!base.valid()) return Status::from_errno("open the tree of " + what);
      auto applied = apply(base.get(), *tar, key);
      if (!applied) return applied.status();
      report = std::move(*applied);
    } else {
      report.bytes = 0;
      for (const auto& f : strip) {
        struct stat st {};
        if (fstatat(top.get(), f.file.path.c_str() + 1, &st, AT_SYMLINK_NOFOLLOW) == 0)
          report.bytes += static_cast<std::uint64_t>(st.st_size);
      }
    }

    auto text = new_config(*config_text, result.layer, strip.size(), "the config of " + what);
    if (!text) return text.status();
    ImageRecord& r = result.record;
    r.id = sha256_of(*text);
    r.names = {o_.name};
    r.format = "harden";
    r.source = "harden of " + old->id.text();
    r.suid = "strip";
    r.suid_keep = keep;
    r.layers = old->layers;
    r.layers.push_back({result.layer, chain, key});
    r.special_skipped = old->special_skipped;
    r.size = old->size + report.bytes;
    if (Status s = summarize(r, *old, result.changed); !s) return s;
    if (auto existing = store_.find(r.id.text()); existing && existing->id == r.id) {
      // Hardened before: the image keeps its other names and its date.
      for (const auto& n : existing->names)
        if (std::find(r.names.begin(), r.names.end(), n) == r.names.end()) r.names.push_back(n);
      r.imported = existing->imported;
    }
    // An image imported from an OCI layout has a manifest; one from a
    // docker-archive has none (its layers' sizes were never known), and
    // neither does its hardened image.
    r.manifest.clear();
    if (!old->manifest.empty()) {
      auto old_digest = parse_digest(old->manifest);
      if (!old_digest) return old_digest.status();
      auto old_manifest = store_.read_blob(*old_digest, 8 << 20);
      if (!old_manifest) return old_manifest.status();
      auto manifest = new_manifest(*old_manifest, r.id, text->size(), result.layer, result.layer_size,
                                   "the manifest of " + what);
      if (!manifest) return manifest.status();
      const Digest manifest_digest = sha256_of(*manifest);
      if (Status s = store_.put_blob(manifest_digest, *manifest); !s) return s;
      r.manifest = manifest_digest.text();
    }
    if (Status s = store_.put_blob(r.id, *text); !s) return s;
    if (o_.before_save)
      if (Status s = o_.before_save(result); !s) return s;
    if (Status s = store_.save(r); !s) return s;
    done_ = true;
    return result;
  }

 private:
  Result<UnpackReport> apply(int top, const std::string& tar, const std::string& key) {
    auto staging = store_.make_staging();
    if (!staging) return staging.status();
    staging_ = *staging;
    Fd tree(openat(store_.fd(), ("tmp/" + staging_ + "/rootfs").c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!tree.valid()) return Status::from_errno("open the staging tree");
    if (o_.progress) o_.progress({"copying", 0});
    if (Status s = link_tree(top, tree.get()); !s)
      return Status::failure("copying the image's tree: " + s.message, s.err);
    if (o_.progress) o_.progress({"applying", 0});
    std::size_t offset = 0;
    ByteSource source = [&](void* buf, std::size_t size) -> ssize_t {
      const std::size_t n = std::min(size, tar.size() - offset);
      std::memcpy(buf, tar.data() + offset, n);
      offset += n;
      return static_cast<ssize_t>(n);
    };
    UnpackPolicy policy;  // "report": the layer has no privileged file to strip
    auto report = apply_layer(tree.get(), source, policy, "the harden layer");
    if (!report) return report.status();
    if (report->diff_id != sha256_of(tar))
      return Status::failure("the harden layer was not read whole", EIO);
    Fd dir(openat(store_.fd(), ("tmp/" + staging_).c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid()) return Status::from_errno("open the staging directory");
    Fd f(openat(dir.get(), "layer.json", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!f.valid()) return Status::from_errno("write layer.json");
    if (Status s = write_all(f.get(), harden_layer_json(*report)); !s) return s;
    if (Status s = store_.commit_tree(staging_, key); !s) return s;
    staging_.clear();
    made_ = key;
    return report;
  }

  // The new root's privileged files, walked again (what the new tree
  // really holds), then what was stripped: here and at the old image's
  // import, as long as the file is still there.
  Status summarize(ImageRecord& r, const ImageRecord& old, const std::vector<HardenChange>& changed) {
    Fd root(openat(store_.fd(), ("trees/" + r.tree() + "/rootfs").c_str(),
                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!root.valid()) return Status::from_errno("open the new image's tree");
    PrivilegedWalk check("checking", o_.progress);
    if (Status s = check.run(root.get()); !s) return s;
    check.finish();
    std::set<std::string> seen;
    for (const auto& f : check.found) {
      r.privileged.push_back(f.file);
      seen.insert(f.file.path);
    }
    for (const auto& c : changed) {
      if (seen.count(c.path))
        return Status::failure(fmt::format("{} is still setuid/setgid in the new tree", c.path), EIO);
      r.privileged.push_back({c.path, c.old_mode, c.file_caps, true});
      seen.insert(c.path);
    }
    add_still_stripped(root.get(), old.privileged, r.privileged);
    return {};
  }

  const Store& store_;
  const HardenOptions& o_;
  std::string staging_;
  std::string made_;
  bool done_ = false;
};

}  // namespace

Result<HardenResult> harden_image(const Store& store, const std::string& ref, const HardenOptions& options) {
  Harden harden(store, options);
  return harden.run(ref);
}

}  // namespace ringfence::image
