// SharedLibrary: what a command that needs a library says when it cannot
// have it, and the typed binding of what it can.
#include "ringfence/base/shared_library.h"

#include <gmock/gmock.h>
#include <zlib.h>

namespace ringfence {
namespace {

using ::testing::HasSubstr;

TEST(SharedLibrary, AMissingLibraryIsNamedWithItsPackage) {
  auto lib = SharedLibrary::open("libringfence-missing.so.7", "ringfence-missing7");
  ASSERT_FALSE(lib);
  EXPECT_THAT(lib.status().message,
              HasSubstr("cannot load libringfence-missing.so.7 (Debian package ringfence-missing7): "));
  EXPECT_EQ(lib.status().err, ELIBACC);
}

TEST(SharedLibrary, BindsATypedFunctionThatWorks) {
  // zlib: in every Debian system, and not linked into this test.
  auto lib = SharedLibrary::open("libz.so.1", "zlib1g");
  ASSERT_TRUE(lib) << lib.status().message;
  decltype(&::zlibVersion) version = nullptr;
  ASSERT_TRUE(lib->bind("zlibVersion", version));
  ASSERT_NE(version, nullptr);
  EXPECT_STREQ(version(), ZLIB_VERSION);
}

TEST(SharedLibrary, AMissingSymbolIsAnErrorAndLeavesTheSlotUnset) {
  auto lib = SharedLibrary::open("libz.so.1", "zlib1g");
  ASSERT_TRUE(lib) << lib.status().message;
  decltype(&::zlibVersion) slot = nullptr;
  Status st = lib->bind("ringfence_no_such_symbol", slot);
  EXPECT_FALSE(st);
  EXPECT_THAT(st.message, HasSubstr("libz.so.1 has no ringfence_no_such_symbol"));
  EXPECT_EQ(slot, nullptr);
}

}  // namespace
}  // namespace ringfence
