#include "image_manifest.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "ringfence/image/verifying_reader.h"

namespace ringfence::image {
namespace {

using nlohmann::json;

constexpr std::int64_t kSmallLimit = 8 << 20;  // index, manifest and config: JSON, never this large

constexpr const char* kOciIndex = "application/vnd.oci.image.index.v1+json";
constexpr const char* kDockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
constexpr const char* kRefName = "org.opencontainers.image.ref.name";

bool supported_layer(const std::string& t) {
  return t == "application/vnd.oci.image.layer.v1.tar" || t == "application/vnd.oci.image.layer.v1.tar+gzip" ||
         t == "application/vnd.oci.image.layer.v1.tar+zstd" ||
         t == "application/vnd.docker.image.rootfs.diff.tar.gzip" ||
         t == "application/vnd.docker.image.rootfs.diff.tar";
}

bool supported_config(const std::string& t) {
  return t == "application/vnd.oci.image.config.v1+json" || t == "application/vnd.docker.container.image.v1+json";
}

struct Descriptor {
  std::string media_type;
  Digest digest;
  std::int64_t size = -1;
  json annotations;
  json platform;
};

Result<Descriptor> descriptor(const json& j, const std::string& what) {
  try {
    Descriptor d;
    d.media_type = j.value("mediaType", "");
    auto digest = parse_digest(j.at("digest").get<std::string>());
    if (!digest) return Status::failure(what + ": " + digest.status().message, EBADMSG);
    d.digest = *digest;
    d.size = j.at("size").get<std::int64_t>();
    if (d.size < 0) return Status::failure(what + ": a negative size", EBADMSG);
    d.annotations = j.value("annotations", json::object());
    d.platform = j.value("platform", json::object());
    return d;
  } catch (const std::exception& e) {
    return Status::failure(fmt::format("{}: {}", what, e.what()), EBADMSG);
  }
}

std::string blob_path(const Digest& d) { return "blobs/sha256/" + d.hex; }

Result<std::string> read_blob(const ImageFiles& files, const Descriptor& d, const std::string& what) {
  if (d.size > kSmallLimit)
    return Status::failure(fmt::format("{}: {} bytes, more than such a blob may be", what, d.size), EFBIG);
  auto m = files.find(blob_path(d.digest));
  if (!m) return Status::failure(fmt::format("{}: blob {} is missing: {}", what, d.digest.text(), m.status().message),
                                 ENOENT);
  return read_verified(*m, d.digest, d.size, what);
}

// A ref name matches "busybox:latest" as given, or its tag alone ("latest"),
// as skopeo and umoci write either.
bool ref_matches(const std::string& ref, const std::string& name) {
  if (ref == name) return true;
  const auto colon = name.rfind(':');
  return colon != std::string::npos && name.find('/', colon) == std::string::npos && ref == name.substr(colon + 1);
}

std::string host_architecture() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#else
  return "";
#endif
}

Result<ManifestChoice> from_oci(const ImageFiles& files, const std::string& name) {
  auto layout = files.read_small("oci-layout", 4096);
  if (!layout) return layout.status();
  auto index_text = files.read_small("index.json", kSmallLimit);
  if (!index_text) return index_text.status();
  ManifestChoice c;
  c.format = "oci-layout";
  try {
    if (json::parse(*layout).value("imageLayoutVersion", "") != "1.0.0")
      return Status::failure(files.path() + ": oci-layout: not imageLayoutVersion 1.0.0", EBADMSG);
    json index = json::parse(*index_text);
    std::string ref;
    // An index may point at another index (a multi-platform image): take
    // this machine's platform from it.
    for (int depth = 0; depth < 4; ++depth) {
      std::vector<Descriptor> candidates;
      for (const auto& m : index.value("manifests", json::array())) {
        auto d = descriptor(m, files.path() + ": index.json");
        if (!d) return d.status();
        candidates.push_back(*d);
      }
      if (candidates.empty()) return Status::failure(files.path() + ": the index names no image", EBADMSG);
      const Descriptor* chosen = nullptr;
      // One image is taken whatever it is called: --name then names it.
      if (depth == 0 && candidates.size() == 1) {
        chosen = &candidates.front();
      } else if (depth == 0 && !name.empty()) {
        for (const auto& d : candidates)
          if (ref_matches(d.annotations.value(kRefName, ""), name)) chosen = &d;
        if (!chosen) return Status::failure(fmt::format("{}: no image named {} in it", files.path(), name), ENOENT);
      } else if (depth > 0) {
        for (const auto& d : candidates)
          if (d.platform.value("os", "") == "linux" && d.platform.value("architecture", "") == host_architecture())
            chosen = &d;
        if (!chosen)
          return Status::failure(fmt::format("{}: no image for linux/{} in it", files.path(), host_architecture()),
                                 ENOENT);
      } else {
        std::vector<std::string> refs;
        for (const auto& d : candidates) refs.push_back(d.annotations.value(kRefName, d.digest.text()));
        return Status::failure(fmt::format("{} holds {} images ({}): say which with --name", files.path(),
                                           candidates.size(), fmt::join(refs, ", ")),
                               EINVAL);
      }
      if (depth == 0) ref = chosen->annotations.value(kRefName, "");
      const std::string what = fmt::format("{}: manifest {}", files.path(), chosen->digest.text());
      auto text = read_blob(files, *chosen, what);
      if (!text) return text.status();
      const json doc = json::parse(*text);
      const std::string type = chosen->media_type.empty() ? doc.value("mediaType", "") : chosen->media_type;
      if (type == kOciIndex || type == kDockerList) {
        index = doc;
        continue;
      }
      if (type != kOciManifest && type != kDockerManifest)
        return Status::failure(fmt::format("{}: unsupported media type {}", what, type.empty() ? "(none)" : type),
                               EINVAL);
      c.manifest = chosen->digest.text();
      c.manifest_text = *text;
      auto config = descriptor(doc.at("config"), what + ": config");
      if (!config) return config.status();
      if (!supported_config(config->media_type))
        return Status::failure(fmt::format("{}: config of unsupported media type {}", what, config->media_type), EINVAL);
      auto config_text = read_blob(files, *config, fmt::format("{}: config {}", files.path(), config->digest.text()));
      if (!config_text) return config_text.status();
      c.config_digest = config->digest;
      c.config = std::move(*config_text);
      int n = 0;
      for (const auto& l : doc.at("layers")) {
        const std::string lwhat = fmt::format("{}: layer {}", files.path(), ++n);
        auto d = descriptor(l, lwhat);
        if (!d) return d.status();
        if (!supported_layer(d->media_type))
          return Status::failure(fmt::format("{}: unsupported media type {}", lwhat, d->media_type), EINVAL);
        auto m = files.find(blob_path(d->digest));
        if (!m) return Status::failure(fmt::format("{}: blob {} is missing", lwhat, d->digest.text()), ENOENT);
        c.layers.push_back({*m, d->digest, d->size, d->media_type});
      }
      if (!ref.empty()) c.names.push_back(ref);
      return c;
    }
    return Status::failure(files.path() + ": indexes nested too deep", EBADMSG);
  } catch (const std::exception& e) {
    return Status::failure(fmt::format("{}: {}", files.path(), e.what()), EBADMSG);
  }
}

// A docker-archive's config is "<hex>.json" (docker before 25, podman) or
// "blobs/sha256/<hex>" (docker 25 and later): its name is its digest.
Result<Digest> digest_of_name(const std::string& path) {
  std::string base = path.substr(path.rfind('/') + 1);
  if (base.ends_with(".json")) base.resize(base.size() - 5);
  return parse_digest("sha256:" + base);
}

Result<ManifestChoice> from_docker(const ImageFiles& files, const std::string& name) {
  auto text = files.read_small("manifest.json", kSmallLimit);
  if (!text) return text.status();
  ManifestChoice c;
  c.format = "docker-archive";
  try {
    const json list = json::parse(*text);
    if (!list.is_array() || list.empty()) return Status::failure(files.path() + ": manifest.json names no image", EBADMSG);
    const json* chosen = nullptr;
    if (list.size() == 1) {
      chosen = &list.front();
    } else if (!name.empty()) {
      for (const auto& m : list)
        for (const auto& tag : m.value("RepoTags", json::array()))
          if (tag.is_string() && ref_matches(name, tag.get<std::string>())) chosen = &m;
      if (!chosen) return Status::failure(fmt::format("{}: no image tagged {} in it", files.path(), name), ENOENT);
    } else {
      return Status::failure(fmt::format("{} holds {} images: say which with --name", files.path(), list.size()),
                             EINVAL);
    }
    const std::string config_path = chosen->at("Config").get<std::string>();
    auto digest = digest_of_name(config_path);
    if (!digest) return Status::failure(fmt::format("{}: config {} is not named by its digest", files.path(), config_path),
                                        EBADMSG);
    auto member = files.find(config_path);
    if (!member) return member.status();
    auto config = read_verified(*member, *digest, member->size, fmt::format("{}: config {}", files.path(), config_path));
    if (!config) return config.status();
    c.config_digest = *digest;
    c.config = std::move(*config);
    for (const auto& l : chosen->at("Layers")) {
      const std::string path = l.get<std::string>();
      auto m = files.find(path);
      if (!m) return m.status();
      LayerSource s{*m, std::nullopt, m->size, ""};
      // Docker 25's layout names a layer by its digest: check that too.
      if (path.starts_with("blobs/sha256/"))
        if (auto d = digest_of_name(path)) s.blob_digest = *d;
      c.layers.push_back(std::move(s));
    }
    for (const auto& tag : chosen->value("RepoTags", json::array()))
      if (tag.is_string()) c.names.push_back(tag.get<std::string>());
    return c;
  } catch (const std::exception& e) {
    return Status::failure(fmt::format("{}: manifest.json: {}", files.path(), e.what()), EBADMSG);
  }
}

}  // namespace

Result<std::string> read_verified(const Member& m, const Digest& digest, std::int64_t size, const std::string& what) {
  if (size > kSmallLimit) return Status::failure(fmt::format("{}: {} bytes, too large", what, size), EFBIG);
  VerifyingReader reader(m.source(), digest, size, what);
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = reader.read(buf, sizeof buf);
    if (n < 0) return reader.status();
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (static_cast<std::int64_t>(out.size()) > kSmallLimit) return Status::failure(what + ": too large", EFBIG);
  }
  if (Status s = reader.finish(); !s) return s;
  return out;
}

Result<ManifestChoice> choose_manifest(const ImageFiles& files, const std::string& name) {
  // Docker 25 writes both: the OCI layout is the one with digests throughout.
  if (files.exists("index.json") && files.exists("oci-layout")) return from_oci(files, name);
  if (files.exists("manifest.json")) return from_docker(files, name);
  return Status::failure(files.path() +
                             ": neither an OCI image layout (oci-layout, index.json) nor a docker-archive (manifest.json)",
                         EINVAL);
}

}  // namespace ringfence::image
