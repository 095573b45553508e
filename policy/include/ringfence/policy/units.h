// Docker's spellings of sizes and CPU counts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ringfence::policy {

// "1048576", "64k", "64M", "64MiB", "1.5g" -> bytes (binary multiples, as
// Docker's RAMInBytes). Rejects negative, empty, unknown units, overflow.
std::optional<std::int64_t> parse_byte_size(std::string_view text);

// "1.5" -> 1.5; rejects anything that is not a plain non-negative decimal.
std::optional<double> parse_decimal(std::string_view text);

// "0755" or "755" -> 0755 (octal only).
std::optional<std::uint32_t> parse_octal(std::string_view text);

// "0x1f", "31", "-1" (two's complement) -> 64-bit pattern.
std::optional<std::uint64_t> parse_u64(std::string_view text);

// Renders bytes the short way when exact: 67108864 -> "64M".
std::string format_byte_size(std::int64_t bytes);

}  // namespace ringfence::policy
