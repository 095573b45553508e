// Combining the layers of an `extends` chain into one effective profile.
// The rules are chosen by each field's wrapper type (setting.h) and written
// out for users in docs/profiles.md, "How extends merges".
#pragma once

#include <string_view>

#include <vector>

#include "ringfence/policy/diagnostic.h"
#include "ringfence/policy/profile.h"

namespace ringfence::policy {

// ringfence's built-in defaults — Docker's defaults, made safer where the
// docs say so. A profile that sets nothing gets exactly these; every value
// here has an empty origin.
Profile builtin_defaults();

// The display name of the layer the site policy floor adds ("site:FILE").
inline constexpr std::string_view kSiteFloorLayerPrefix = "site:";
inline bool is_site_floor_layer(const Layer& layer) { return layer.display.starts_with(kSiteFloorLayerPrefix); }

// Layers root-most first. [profile] name and description are never
// inherited: they describe the top layer only.
Profile merge_layers(const std::vector<Layer>& layers);

}  // namespace ringfence::policy

namespace ringfence::policy {
// Sets the layer index of every entry a layer holds (the reader cannot know
// a file's place in the chain until the whole chain is read).
void retag_layer(Layer& layer, int index);
}  // namespace ringfence::policy
