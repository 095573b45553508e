#include "ringfence/image/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <random>

#include <nlohmann/json.hpp>

#include "beneath.h"
#include "ringfence/base/paths.h"
#include "ringfence/base/text_file.h"
#include "tree_ops.h"

namespace ringfence::image {
namespace {

using nlohmann::json;

constexpr const char* kDirs[] = {"blobs", "blobs/sha256", "trees", "images", "tmp"};

bool has_tag(const std::string& name) {
  const auto slash = name.rfind('/');
  return name.find(':', slash == std::string::npos ? 0 : slash) != std::string::npos;
}

std::string random_suffix() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 12; ++i) s += kChars[rd() % (sizeof kChars - 1)];
  return s;
}

// Writes `content` to dir/name through a temporary and a rename, so a
// reader sees the old file or the new one, never half of one.
Status replace_file(int dir, const std::string& name, const std::string& content) {
  const std::string tmp = "." + name + "." + random_suffix();
  Fd f(openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!f.valid()) return Status::from_errno("create " + tmp);
  Status st = write_all(f.get(), content);
  if (st && fsync(f.get()) != 0) st = Status::from_errno("fsync " + name);
  if (st && renameat(dir, tmp.c_str(), dir, name.c_str()) != 0) st = Status::from_errno("rename into " + name);
  if (!st) unlinkat(dir, tmp.c_str(), 0);
  return st;
}

Result<std::string> read_at(int dir, const std::string& name, std::int64_t limit) {
  auto f = open_beneath(dir, name, O_RDONLY | O_NOFOLLOW);
  if (!f) return f.status();
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(f->get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::from_errno("read " + name);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (static_cast<std::int64_t>(out.size()) > limit)
      return Status::failure(fmt::format("{}: larger than {} bytes", name, limit), EFBIG);
  }
  return out;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Digest chain_id(const Digest* parent, const Digest& diff_id) {
  if (!parent) return diff_id;
  Sha256 h;
  const std::string text = parent->text() + " " + diff_id.text();
  h.update(text.data(), text.size());
  return h.finish();
}

std::string record_to_json(const ImageRecord& r) {
  json layers = json::array();
  for (const auto& l : r.layers) layers.push_back({{"diff_id", l.diff_id.text()}, {"chain", l.chain.text()}, {"tree", l.tree}});
  json privileged = json::array();
  for (const auto& p : r.privileged)
    privileged.push_back({{"path", p.path}, {"mode", fmt::format("{:04o}", p.mode & 07777)},
                          {"file_caps", p.file_caps}, {"stripped", p.stripped}});
  json j{{"id", r.id.text()},         {"names", r.names},   {"format", r.format},
         {"source", r.source},        {"imported", r.imported.empty() ? utc_now() : r.imported},
         {"suid", r.suid},            {"suid_keep", r.suid_keep},  {"layers", layers},   {"privileged", privileged},
         {"special_skipped", r.special_skipped}, {"size", r.size}};
  if (!r.manifest.empty()) j["manifest"] = r.manifest;
  return j.dump(2) + "\n";
}

Result<ImageRecord> record_from_json(const std::string& text, const std::string& what) {
  try {
    const json j = json::parse(text);
    ImageRecord r;
    auto id = parse_digest(j.at("id").get<std::string>());
    if (!id) return Status::failure(what + ": " + id.status().message, EBADMSG);
    r.id = *id;
    r.manifest = j.value("manifest", "");
    r.names = j.at("names").get<std::vector<std::string>>();
    r.format = j.at("format").get<std::string>();
    r.source = j.value("source", "");
    r.imported = j.value("imported", "");
    r.suid = j.value("suid", "report");
    r.suid_keep = j.value("suid_keep", std::vector<std::string>{});
    r.size = j.value("size", std::uint64_t{0});
    for (const auto& l : j.at("layers")) {
      auto diff = parse_digest(l.at("diff_id").get<std::string>());
      auto chain = parse_digest(l.at("chain").get<std::string>());
      if (!diff || !chain) return Status::failure(what + ": a layer's digest is not sha256:<hex>", EBADMSG);
      const std::string tree = l.at("tree").get<std::string>();
      // A key becomes a directory name: the same rule as a digest's hex.
      if (!parse_digest("sha256:" + tree)) return Status::failure(what + ": a layer's tree is not a key", EBADMSG);
      r.layers.push_back({*diff, *chain, tree});
    }
    if (r.layers.empty()) return Status::failure(what + ": no layers", EBADMSG);
    for (const auto& p : j.value("privileged", json::array()))
      r.privileged.push_back({p.at("path").get<std::string>(),
                              static_cast<unsigned>(std::stoul(p.at("mode").get<std::string>(), nullptr, 8)),
                              p.value("file_caps", false), p.value("stripped", false)});
    r.special_skipped = j.value("special_skipped", std::vector<std::string>{});
    return r;
  } catch (const std::exception& e) {
    return Status::failure(fmt::format("{}: {}", what, e.what()), EBADMSG);
  }
}

std::string Store::default_root() {
  if (geteuid() == 0) return "/var/lib/ringfence/images";
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x == '/') return std::string(x) + "/ringfence/images";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.local/share/ringfence/images";
}

Result<Store> Store::open(const std::string& root) {
  if (root.empty() || root[0] != '/') return Status::failure("the image store must be an absolute path: " + root, EINVAL);
  if (Status s = make_directories(root, 0700); !s) return Status::failure("the image store: " + s.message, s.err);
  Store store;
  store.root_ = root;
  store.fd_ = Fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!store.fd_.valid()) return Status::from_errno("open the image store " + root);
  struct stat st {};
  if (fstat(store.fd_.get(), &st) != 0) return Status::from_errno("stat " + root);
  // Others must not plant a tree or a record in root's store.
  if (st.st_uid != geteuid() || (st.st_mode & 022) != 0)
    return Status::failure(fmt::format("the image store {} is not owned by you alone (owner {}, mode {:04o})", root,
                                       st.st_uid, st.st_mode & 07777),
                           EPERM);
  for (const char* d : kDirs)
    if (mkdirat(store.fd_.get(), d, 0700) != 0 && errno != EEXIST)
      return Status::from_errno(fmt::format("make {}/{}", root, d));
  return store;
}

Result<Fd> Store::lock(bool exclusive) const {
  Fd f(openat(fd_.get(), "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!f.valid()) return Status::from_errno("open the image store's lock");
  while (flock(f.get(), exclusive ? LOCK_EX : LOCK_SH) != 0)
    if (errno != EINTR) return Status::from_errno("lock the image store");
  return f;
}

Status Store::put_blob(const Digest& digest, const std::string& content) const {
  Fd dir(openat(fd_.get(), "blobs/sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) return Status::from_errno("open the store's blobs");
  return replace_file(dir.get(), digest.hex, content);
}

Result<std::string> Store::read_blob(const Digest& digest, std::int64_t limit) const {
  auto text = read_at(fd_.get(), "blobs/sha256/" + digest.hex, limit);
  if (!text) return Status::failure(fmt::format("the store's blob {}: {}", digest.text(), text.status().message),
                                    text.status().err);
  Sha256 h;
  h.update(text->data(), text->size());
  if (const Digest got = h.finish(); got != digest)
    return Status::failure(fmt::format("the store's blob {} now hashes to {}: the store was changed", digest.text(),
                                       got.text()),
                           EBADMSG);
  return text;
}

bool Store::has_tree(const std::string& key) const {
  return open_beneath(fd_.get(), "trees/" + key + "/rootfs", O_PATH | O_DIRECTORY).ok();
}

std::string Store::tree_root(const std::string& key) const { return root_ + "/trees/" + key + "/rootfs"; }

Result<std::string> Store::make_staging() const {
  for (int attempt = 0; attempt < 16; ++attempt) {
    const std::string name = "import-" + random_suffix();
    if (mkdirat(fd_.get(), ("tmp/" + name).c_str(), 0700) == 0) {
      if (mkdirat(fd_.get(), ("tmp/" + name + "/rootfs").c_str(), 0755) != 0)
        return Status::from_errno("make tmp/" + name + "/rootfs in the image store");
      return name;
    }
    if (errno != EEXIST) return Status::from_errno("make a staging directory in the image store");
  }
  return Status::failure("no free staging directory name in the image store", EEXIST);
}

Status Store::commit_tree(const std::string& staging, const std::string& key) const {
  if (renameat(fd_.get(), ("tmp/" + staging).c_str(), fd_.get(), ("trees/" + key).c_str()) != 0)
    return Status::from_errno("move the unpacked layer into trees/" + key);
  return {};
}

Status Store::remove_staging(const std::string& staging) const {
  Fd tmp(openat(fd_.get(), "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!tmp.valid()) return Status::from_errno("open the store's tmp");
  return detail::remove_tree(tmp.get(), staging);
}

Status Store::remove_tree(const std::string& key) const {
  Fd trees(openat(fd_.get(), "trees", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!trees.valid()) return Status::from_errno("open the store's trees");
  return detail::remove_tree(trees.get(), key);
}

Status Store::save(const ImageRecord& record) const {
  auto all = list();
  if (!all) return all.status();
  Fd images(openat(fd_.get(), "images", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!images.valid()) return Status::from_errno("open the store's images");
  for (auto other : *all) {
    if (other.id == record.id) continue;
    const auto before = other.names.size();
    std::erase_if(other.names, [&](const std::string& n) {
      return std::find(record.names.begin(), record.names.end(), n) != record.names.end();
    });
    if (other.names.size() != before)
      if (Status s = replace_file(images.get(), other.id.hex + ".json", record_to_json(other)); !s) return s;
  }
  return replace_file(images.get(), record.id.hex + ".json", record_to_json(record));
}

Result<std::vector<ImageRecord>> Store::list() const {
  Fd images(openat(fd_.get(), "images", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!images.valid()) return Status::from_errno("open the store's images");
  std::vector<std::string> names;
  {
    const int dup_fd = fcntl(images.get(), F_DUPFD_CLOEXEC, 0);
    DIR* d = dup_fd >= 0 ? fdopendir(dup_fd) : nullptr;
    if (!d) return Status::from_errno("read the store's images");
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n.size() == 64 + 5 && n.ends_with(".json")) names.push_back(n);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  std::vector<ImageRecord> out;
  for (const auto& n : names) {
    auto text = read_at(images.get(), n, 16 << 20);
    if (!text) return text.status();
    auto r = record_from_json(*text, root_ + "/images/" + n);
    if (!r) return r.status();
    out.push_back(std::move(*r));
  }
  std::sort(out.begin(), out.end(), [](const ImageRecord& a, const ImageRecord& b) { return a.imported > b.imported; });
  return out;
}

Result<ImageRecord> Store::find(const std::string& ref) const {
  auto all = list();
  if (!all) return all.status();
  const std::string tagged = has_tag(ref) || ref.starts_with("sha256:") ? ref : ref + ":latest";
  for (const auto& r : *all)
    for (const auto& n : r.names)
      if (n == ref || n == tagged) return r;
  std::string hex = ref.starts_with("sha256:") ? ref.substr(7) : ref;
  const bool is_hex = hex.size() >= 4 && hex.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (is_hex) {
    const ImageRecord* found = nullptr;
    for (const auto& r : *all)
      if (r.id.hex.compare(0, hex.size(), hex) == 0 || r.manifest == "sha256:" + hex) {
        if (found && found->id != r.id)
          return Status::failure(fmt::format("{} names more than one image: give more of the ID", ref), EINVAL);
        found = &r;
      }
    if (found) return *found;
  }
  return Status::failure(fmt::format("no image {} in {} (ringfence image list shows what there is)", ref, root_),
                         ENOENT);
}

Status Store::remove(const Digest& id) const {
  if (unlinkat(fd_.get(), ("images/" + id.hex + ".json").c_str(), 0) != 0)
    return Status::from_errno("remove the record of " + id.text());
  return {};
}

Result<GcReport> Store::gc(const std::set<std::string>& in_use) const {
  auto all = list();
  if (!all) return all.status();
  std::set<std::string> trees = in_use, blobs;
  for (const auto& r : *all) {
    for (const auto& l : r.layers) trees.insert(l.tree);
    blobs.insert(r.id.hex);
    if (!r.manifest.empty()) blobs.insert(r.manifest.substr(7));
  }
  GcReport report;
  auto sweep = [&](const char* dir, const std::set<std::string>& keep, std::vector<std::string>& removed) -> Status {
    Fd d(openat(fd_.get(), dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!d.valid()) return Status::from_errno(std::string("open the store's ") + dir);
    std::vector<std::string> names;
    {
      const int dup_fd = fcntl(d.get(), F_DUPFD_CLOEXEC, 0);
      DIR* dd = dup_fd >= 0 ? fdopendir(dup_fd) : nullptr;
      if (!dd) return Status::from_errno(std::string("read the store's ") + dir);
      while (dirent* e = readdir(dd)) {
        const std::string n = e->d_name;
        if (n != "." && n != ".." && !keep.count(n)) names.push_back(n);
      }
      closedir(dd);
    }
    for (const auto& n : names) {
      if (Status s = detail::remove_tree(d.get(), n); !s) return s;
      removed.push_back(n);
    }
    return {};
  };
  if (Status s = sweep("trees", trees, report.trees); !s) return s;
  if (Status s = sweep("blobs/sha256", blobs, report.blobs); !s) return s;
  if (Status s = sweep("tmp", {}, report.staging); !s) return s;
  return report;
}

}  // namespace ringfence::image
