#include "ringfence/policy/merge.h"

#include <algorithm>
#include <type_traits>

#include "ringfence/policy/overrides.h"

namespace ringfence::policy {
namespace {

// Walks the effective profile and one layer together.
struct Merger {
  template <class T>
  void operator()(const char*, Setting<T>& out, const Setting<T>& child) {
    if (child.is_set()) out = child;
  }

  void operator()(const char*, Setting<StringList>& out, const Setting<StringList>& child) {
    if (!child.is_set()) return;
    StringList merged;
    for (const auto& item : child.value) {
      if (item.value == kInheritMarker) {
        merged.insert(merged.end(), out.value.begin(), out.value.end());
      } else {
        merged.push_back(item);
      }
    }
    out.value = std::move(merged);
    out.origin = child.origin;
  }

  template <class V>
  void operator()(const char*, Setting<KeyedMap<V>>& out, const Setting<KeyedMap<V>>& child) {
    if (!child.is_set()) return;
    for (const auto& [key, value] : child.value) out.value[key] = value;
    out.origin = child.origin;
  }

  template <class T>
  void operator()(const char*, Accumulated<T>& out, const Accumulated<T>& child) {
    out.items.insert(out.items.end(), child.items.begin(), child.items.end());
  }

  template <class T>
    requires std::is_class_v<T>
  void operator()(const char*, T& out, const T& child) {
    T::fields(*this, out, child);
  }
};

// Walks one layer and sets the layer index of everything that carries one.
struct Retagger {
  int index;

  template <class T>
  void operator()(const char*, Setting<T>&) {}

  void operator()(const char*, Setting<StringList>& s) {
    for (auto& item : s.value) item.layer = index;
  }

  template <class V>
  void operator()(const char*, Setting<KeyedMap<V>>& s) {
    for (auto& [key, item] : s.value) item.layer = index;
  }

  template <class T>
  void operator()(const char*, Setting<std::vector<T>>& s) {
    for (auto& item : s.value) tag(item);
  }

  template <class T>
  void operator()(const char*, Accumulated<T>& a) {
    for (auto& item : a.items) tag(item);
  }

  template <class T>
    requires std::is_class_v<T>
  void operator()(const char*, T& section) {
    T::fields(*this, section);
  }

 private:
  void tag(Located<std::string>& item) { item.layer = index; }

  template <class T>
  void tag(T& entry) {
    entry.layer = index;
    T::fields(*this, entry);
  }
};

}  // namespace

void retag_layer(Layer& layer, int index) {
  Retagger retagger{index};
  Profile::fields(retagger, layer.data);
}

Profile merge_layers(const std::vector<Layer>& layers) {
  Profile effective = builtin_defaults();
  Merger merger;
  for (const auto& layer : layers) Profile::fields(merger, effective, layer.data);
  // The profile's identity is that of the top file; command-line overrides
  // and the site policy floor change what it enforces, not what it is called.
  const Layer* top = nullptr;
  for (const auto& layer : layers)
    if (layer.file != kCommandLineLayer && !is_site_floor_layer(layer)) top = &layer;
  if (top != nullptr) {
    effective.profile.name = top->data.profile.name;
    effective.profile.description = top->data.profile.description;
    effective.profile.extends = top->data.profile.extends;
    if (!effective.profile.name.is_set()) {
      // Unnamed: the file's name without directory and extension.
      std::string stem = top->file.substr(top->file.rfind('/') + 1);
      if (stem.size() > 5 && stem.ends_with(".toml")) stem.resize(stem.size() - 5);
      effective.profile.name.value = stem;
    }
  }
  return effective;
}

}  // namespace ringfence::policy
