// Forward-secure seals for the audit log (docs/audit.md, "Seals").
//
// A hash chain shows an edit in the middle of the log but not a cut end:
// a shorter chain is still a chain. A seal is a record that commits to
// everything before it (it holds the previous record's hash) with an HMAC
// under a key the host keeps only in its current form: after each seal the
// key is replaced by SHA-256 of itself, so someone who becomes root later
// holds only keys for seals not yet written and cannot re-seal a log they
// cut or edited before the last seal. The verifier holds the first key
// (the verification key, printed once by `ringfence audit setup-keys` and
// kept off the machine) and derives every later one. The same idea as
// systemd-journald's Forward Secure Sealing, with a plain key chain instead
// of FSPRG: verifying seal N costs N hashes, which is microseconds for any
// log a host keeps.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "ringfence/base/result.h"
#include "ringfence/base/status.h"

namespace ringfence::audit {

using SealKey = std::array<unsigned char, 32>;

// What the host keeps, next to the log (sealing_key_path): the key for the
// next seal and its epoch. Epochs count seals: seal N is made with the key
// evolved N times from the verification key.
struct SealingState {
  std::string log_id;        // 32 hex digits, random, named in every seal
  std::uint64_t epoch = 0;   // the epoch of the next seal
  SealKey key{};             // the key for that seal
  std::int64_t sealed_at = 0;  // when the last seal was written (Unix seconds); 0: never
};

// What the auditor keeps: the log's id and the key of epoch 0.
struct VerificationKey {
  std::string log_id;
  SealKey key{};
};

// A sandbox's stop, or this long since the last seal, makes the next write
// end with a seal.
inline constexpr std::int64_t kSealIntervalSeconds = 15 * 60;

// "<log>.sealkey": beside the log, in its root-only directory.
std::string sealing_key_path(const std::string& log_path);

// Starts sealing the log: a new random id and key, written (0600, never
// through a symlink) where sealing_key_path says. Refuses to replace an
// existing key unless `replace`. Returns the verification key.
Result<VerificationKey> create_sealing_key(const std::string& log_path, bool replace);

// The sealing state, or an empty optional when the log is not sealed (no
// key file). A key file that exists but cannot be read is a failure: the
// writer must not silently stop sealing.
Result<std::optional<SealingState>> load_sealing_state(const std::string& log_path);
// Replaces the key file with `state` (a new file renamed over the old, then
// the directory synced), so that a crash leaves the old key or the new one.
Status store_sealing_state(const std::string& log_path, const SealingState& state);

// The next epoch's key: SHA-256("ringfence-seal-evolve" || key).
SealKey evolve(const SealKey& key);
// The key of `epoch`, from the verification key.
SealKey key_for_epoch(const SealKey& first, std::uint64_t epoch);

// The HMAC-SHA-256 (hex) a seal record holds: over the log id, the epoch,
// the seal record's own seq and time, and the hash of the record before it.
std::string seal_mac(const SealKey& key, const std::string& log_id, std::uint64_t epoch, std::uint64_t seq,
                     const std::string& time, const std::string& prev);

// "rfseal1:<log id>:<key hex>" and back.
std::string format_verification_key(const VerificationKey& key);
Result<VerificationKey> parse_verification_key(const std::string& text);

}  // namespace ringfence::audit
