#include "ringfence/base/shared_library.h"

#include <dlfcn.h>

namespace ringfence {

Result<SharedLibrary> SharedLibrary::open(const char* soname, const char* package) {
  SharedLibrary lib;
  lib.soname_ = soname;
  dlerror();
  lib.handle_ = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (lib.handle_ == nullptr) {
    const char* why = dlerror();
    return Status::failure(std::string("cannot load ") + soname + " (Debian package " + package +
                               "): " + (why != nullptr ? why : "unknown error"),
                           ELIBACC);
  }
  return lib;
}

Result<void*> SharedLibrary::symbol(const char* name) const {
  dlerror();
  void* address = dlsym(handle_, name);
  if (address == nullptr) {
    const char* why = dlerror();
    return Status::failure(soname_ + " has no " + name + (why != nullptr ? std::string(": ") + why : ""), ELIBBAD);
  }
  return address;
}

}  // namespace ringfence
