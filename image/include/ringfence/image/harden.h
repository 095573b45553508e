// `ringfence image harden`: a new image whose setuid/setgid bits and
// security.capability file capabilities are gone, except on the paths kept,
// made as one more layer on top of the image. The image hardened stays as
// it was (its tree, config and record are not touched): running it again is
// the undo.
//
// The new layer is an uncompressed tar (pax) holding, for each stripped
// file, the file as the image has it — content, owner, mtime (seconds) —
// with the bits cleared and no capability xattr. Entries are sorted by
// path and carry no other header field, so the same image and keep list
// always give the same layer, diff_id, config and so image ID. The config
// is the old one with that diff_id appended to rootfs.diff_ids and a
// `history` entry appended (its "created" is the old config's "created",
// not the clock: see docs/image-harden.md). No manifest is written: the
// record's manifest is "" as for a docker-archive.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ringfence/base/result.h"
#include "ringfence/base/status.h"
#include "ringfence/image/store.h"

namespace ringfence::image {

struct HardenProgress {
  std::string phase;          // "scanning", "copying", "applying", "checking"
  std::uint64_t entries = 0;  // of the tree, walked so far (scanning, checking)
};

struct HardenChange {
  std::string path;  // absolute, inside the image
  unsigned old_mode = 0, new_mode = 0;  // permission bits (07777)
  bool file_caps = false;               // had a security.capability xattr, now gone
};

struct HardenResult;

struct HardenOptions {
  std::string name;                // the new image's name (-o)
  std::vector<std::string> keep;   // absolute paths whose bits and capabilities stay
  std::function<void(const HardenProgress&)> progress;
  // Called once the new tree and config are in the store and before the
  // record is saved (the image does not exist until then): the audit
  // record. A failure stops the harden; what was made goes at the next gc.
  std::function<Status(const HardenResult&)> before_save;
};

struct HardenResult {
  Digest old_id;
  std::vector<std::string> old_names;
  // Empty when nothing was to strip: then no image was made and `record`
  // is the old image's.
  std::vector<HardenChange> changed;
  std::vector<std::string> kept;   // the --keep paths (all privileged files of the image)
  ImageRecord record;              // the new image's, as saved
  Digest layer;                    // the new layer's diff_id
  std::uint64_t layer_size = 0;    // its tar's size in bytes
  bool tree_reused = false;        // the same harden was done before: its tree was there
  bool created() const { return !changed.empty(); }
};

// Hardens the image `ref` (a name, ID or ID prefix) in `store`. Refused: a
// keep path that is not a setuid/setgid or file-capability file of the
// image; a config whose diff_ids do not match the record; a config blob
// that no longer hashes to the image ID.
Result<HardenResult> harden_image(const Store& store, const std::string& ref, const HardenOptions& options);

}  // namespace ringfence::image
