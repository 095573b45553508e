// A library loaded the first time a command needs it, rather than by the
// dynamic loader at every start of ringfence. Each library linked at start
// costs every process of ringfence its mapping and relocation (libarchive
// and the nine libraries it brings, 3.4 ms of every start on the
// development machine: docs/performance.md), while only `image import` and
// `image harden` use it, and only profiles with an AppArmor or SELinux step
// use those libraries.
//
// The functions stay typed by the library's own header: each table member
// is declared as decltype(&::the_function), so a changed signature is a
// compile error here as it would be at a direct call.
//
// Load before the sandbox is entered: dlopen searches the filesystem the
// process sees, and a process whose root is the sandbox's would run the
// sandbox's copy of the library. Every caller loads in ringfence's own
// mount namespace: image import and harden never enter another, and the
// AppArmor and SELinux steps that need theirs run in the parent before the
// clone.
#pragma once

#include <string>

#include "ringfence/base/result.h"

namespace ringfence {

class SharedLibrary {
 public:
  // dlopen(soname) with every symbol bound now. `package` names the Debian
  // package that provides it, for the error.
  static Result<SharedLibrary> open(const char* soname, const char* package);
  // The address of `name`; the error names the library and the symbol.
  Result<void*> symbol(const char* name) const;
  // Sets `slot`, a pointer typed as decltype(&::name), to `name`.
  template <class F>
  Status bind(const char* name, F& slot) const {
    auto address = symbol(name);
    if (!address) return address.status();
    // POSIX guarantees a dlsym result converts to a function pointer.
    slot = reinterpret_cast<F>(*address);
    return {};
  }

 private:
  // Never closed: the tables point into it for the rest of the process.
  void* handle_ = nullptr;
  std::string soname_;
};

}  // namespace ringfence
