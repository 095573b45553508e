// Result<T>: a value, or the Status that says why there is none — what
// std::expected would be, which g++ 12 does not have. Replaces the
// "optional<T> plus a Status& out-parameter" and "an invalid Fd plus a
// Status&" shapes.
#pragma once

#include <optional>
#include <utility>

#include "ringfence/base/status.h"

namespace ringfence {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit, as a success
  Result(Status error) : status_(std::move(error)) {
    // A failure must say what failed: an ok Status is not an error.
    if (status_.ok()) status_ = Status::failure("failed without a reason (a bug)", 0);
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  // For callers to whom a failure means the fallback (a sync channel that breaks has ended: receive_message).
  template <class U>
  T value_or(U&& fallback) const& { return value_.value_or(std::forward<U>(fallback)); }
  template <class U>
  T value_or(U&& fallback) && { return std::move(value_).value_or(std::forward<U>(fallback)); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace ringfence
