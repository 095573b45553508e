#include "ringfence/image/import.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "image_files.h"
#include "image_manifest.h"
#include "privileged_files.h"
#include "ringfence/base/text_file.h"
#include "ringfence/image/image_config.h"
#include "ringfence/image/verifying_reader.h"
#include "tree_copy.h"

namespace ringfence::image {
namespace {

using nlohmann::json;

json privileged_json(const std::vector<PrivilegedFile>& files) {
  json out = json::array();
  for (const auto& p : files)
    out.push_back({{"path", p.path}, {"mode", p.mode}, {"file_caps", p.file_caps}, {"stripped", p.stripped}});
  return out;
}

// What unpacking one layer found, kept beside its tree: a later image that
// reuses the tree reports the same without unpacking again.
std::string layer_json(const UnpackReport& r) {
  return json{{"diff_id", r.diff_id.text()},        {"entries", r.entries},
              {"bytes", r.bytes},                   {"privileged", privileged_json(r.privileged)},
              {"special_skipped", r.special_skipped}}
             .dump(2) +
         "\n";
}

UnpackReport layer_from_json(const std::string& text) {
  UnpackReport r;
  try {
    const json j = json::parse(text);
    r.entries = j.value("entries", std::uint64_t{0});
    r.bytes = j.value("bytes", std::uint64_t{0});
    for (const auto& p : j.value("privileged", json::array()))
      r.privileged.push_back({p.at("path").get<std::string>(), p.at("mode").get<unsigned>(),
                              p.value("file_caps", false), p.value("stripped", false)});
    r.special_skipped = j.value("special_skipped", std::vector<std::string>{});
  } catch (const std::exception&) {
    // Only a summary for reports: a damaged one reports nothing.
  }
  return r;
}

// Wraps a source to tell the progress callback how far it got.
ByteSource counted(ByteSource inner, ImportProgress& p, const std::function<void(const ImportProgress&)>& cb) {
  if (!cb) return inner;
  return [inner = std::move(inner), &p, &cb](void* buf, std::size_t size) {
    const ssize_t n = inner(buf, size);
    if (n > 0) {
      p.bytes += static_cast<std::uint64_t>(n);
      cb(p);
    }
    return n;
  };
}

class Import {
 public:
  Import(const Store& store, const ImportOptions& o) : store_(store), o_(o) {}
  ~Import() {
    // Whatever a failed import made is removed; trees it finished are kept
    // only when the whole image was.
    if (!staging_.empty()) (void)store_.remove_staging(staging_);
    if (!done_)
      for (const auto& t : made_) (void)store_.remove_tree(t);
  }

  Result<ImportResult> run(const std::string& path) {
    auto files = ImageFiles::open(path);
    if (!files) return files.status();
    auto choice = choose_manifest(*files, o_.name);
    if (!choice) return choice.status();
    auto config = parse_image_config(choice->config, fmt::format("{}: config {}", path, choice->config_digest.text()));
    if (!config) return config.status();
    if (!config->os.empty() && config->os != "linux")
      return Status::failure(fmt::format("{}: an image for {}, not linux", path, config->os), EINVAL);
    if (config->diff_ids.size() != choice->layers.size())
      return Status::failure(fmt::format("{}: the manifest has {} layers, the config's rootfs {}", path,
                                         choice->layers.size(), config->diff_ids.size()),
                             EBADMSG);
    auto lock = store_.lock(true);
    if (!lock) return lock.status();

    ImportResult result;
    ImageRecord& r = result.record;
    r.id = choice->config_digest;
    r.manifest = choice->manifest;
    r.names = o_.name.empty() ? choice->names : std::vector<std::string>{o_.name};
    r.format = choice->format;
    r.source = path;
    r.suid = o_.unpack.suid;
    if (r.suid == "strip") r.suid_keep = o_.unpack.keep;
    std::vector<UnpackReport> reports;
    const Digest* parent = nullptr;
    std::string parent_key;
    ImportProgress progress;
    progress.layers = static_cast<int>(choice->layers.size());
    for (std::size_t i = 0; i < choice->layers.size(); ++i) {
      const Digest chain = chain_id(parent, config->diff_ids[i]);
      const std::string key = tree_key(chain, o_.unpack);
      const std::string what = fmt::format("{}: layer {} of {}", path, i + 1, choice->layers.size());
      progress.layer = static_cast<int>(i + 1);
      progress.bytes = 0;
      progress.total = choice->layers[i].member.size;
      progress.reused = store_.has_tree(key);
      if (progress.reused) {
        if (o_.progress) o_.progress(progress);
        auto text = read_text_file(store_.root() + "/trees/" + key + "/layer.json");
        reports.push_back(layer_from_json(text.value_or(std::string())));
        ++result.layers_reused;
      } else {
        auto report = unpack(choice->layers[i], parent_key, config->diff_ids[i], what, progress);
        if (!report) return report.status();
        if (Status s = finish_tree(key, *report); !s) return s;
        reports.push_back(std::move(*report));
        ++result.layers_unpacked;
      }
      r.layers.push_back({config->diff_ids[i], chain, key});
      r.size += reports.back().bytes;
      parent = &r.layers.back().chain;
      parent_key = key;
    }
    if (Status s = store_.put_blob(r.id, choice->config); !s) return s;
    if (!r.manifest.empty())
      if (Status s = store_.put_blob(*parse_digest(r.manifest), choice->manifest_text); !s) return s;
    if (Status s = summarize(r, reports); !s) return s;
    if (Status s = store_.save(r); !s) return s;
    done_ = true;
    return result;
  }

 private:
  Result<UnpackReport> unpack(const LayerSource& layer, const std::string& parent_key, const Digest& diff_id,
                              const std::string& what, ImportProgress& progress) {
    auto staging = store_.make_staging();
    if (!staging) return staging.status();
    staging_ = *staging;
    Fd tree(openat(store_.fd(), ("tmp/" + staging_ + "/rootfs").c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!tree.valid()) return Status::from_errno("open the staging tree");
    if (!parent_key.empty()) {
      Fd parent(openat(store_.fd(), ("trees/" + parent_key + "/rootfs").c_str(),
                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!parent.valid()) return Status::from_errno("open the tree of the layer below " + what);
      if (Status s = link_tree(parent.get(), tree.get()); !s)
        return Status::failure(fmt::format("{}: copying the layers below: {}", what, s.message), s.err);
    }
    ByteSource source = counted(layer.member.source(), progress, o_.progress);
    std::optional<VerifyingReader> blob;
    if (layer.blob_digest) {
      blob.emplace(source, *layer.blob_digest, layer.blob_size, what);
      source = blob->source();
    }
    auto report = apply_layer(tree.get(), source, o_.unpack, what);
    // The blob's own digest failing says more than the tar error it caused.
    if (blob)
      if (Status s = blob->finish(); !s) return s;
    if (!report) return report.status();
    if (report->diff_id != diff_id)
      return Status::failure(fmt::format("{}: its content is {}, the config says {}: not the layer the image names",
                                         what, report->diff_id.text(), diff_id.text()),
                             EBADMSG);
    return report;
  }

  Status finish_tree(const std::string& key, const UnpackReport& report) {
    Fd dir(openat(store_.fd(), ("tmp/" + staging_).c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid()) return Status::from_errno("open the staging directory");
    Fd f(openat(dir.get(), "layer.json", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!f.valid()) return Status::from_errno("write layer.json");
    if (Status s = write_all(f.get(), layer_json(report)); !s) return s;
    if (Status s = store_.commit_tree(staging_, key); !s) return s;
    staging_.clear();
    made_.push_back(key);
    return {};
  }

  Status summarize(ImageRecord& r, const std::vector<UnpackReport>& reports) {
    Fd root(openat(store_.fd(), ("trees/" + r.tree() + "/rootfs").c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!root.valid()) return Status::from_errno("open the image's tree");
    std::vector<FoundFile> found;
    if (Status s = find_privileged(root.get(), found); !s) return s;
    for (const auto& f : found) r.privileged.push_back(f.file);
    // What was stripped is in the layers' reports, the latest layer first.
    std::vector<PrivilegedFile> stripped;
    for (auto rep = reports.rbegin(); rep != reports.rend(); ++rep)
      stripped.insert(stripped.end(), rep->privileged.begin(), rep->privileged.end());
    add_still_stripped(root.get(), stripped, r.privileged);
    for (const auto& rep : reports)
      r.special_skipped.insert(r.special_skipped.end(), rep.special_skipped.begin(), rep.special_skipped.end());
    return {};
  }

  const Store& store_;
  const ImportOptions& o_;
  std::string staging_;
  std::vector<std::string> made_;
  bool done_ = false;
};

}  // namespace

std::string tree_key(const Digest& chain, const UnpackPolicy& policy) {
  if (policy.suid == "report") return chain.hex;
  std::vector<std::string> keep = policy.keep;
  std::sort(keep.begin(), keep.end());
  const std::string text = fmt::format("{}\nsuid={}\nkeep={}", chain.text(), policy.suid, fmt::join(keep, "\n"));
  Sha256 h;
  h.update(text.data(), text.size());
  return h.finish().hex;
}

Result<ImportResult> import_image(const Store& store, const std::string& path, const ImportOptions& options) {
  Import import(store, options);
  return import.run(path);
}

}  // namespace ringfence::image
