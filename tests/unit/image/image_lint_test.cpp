// The matchers of `ringfence image lint` (image_lint.h): what counts as a
// secret in a file, a secret's name in the environment, and a root user.
#include "ringfence/image/image_lint.h"

#include <gtest/gtest.h>

#include <string>

namespace ringfence::image {
namespace {

TEST(ImageLintSecrets, PrivateKeysOfEveryPemAndOpensshLabel) {
  for (const char* label : {"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY",
                            "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"}) {
    SCOPED_TRACE(label);
    const std::string pem = std::string("junk\n-----BEGIN ") + label + "-----\nMIIE\n-----END " + label + "-----\n";
    EXPECT_EQ(find_secret(pem), "a private key");
  }
}

TEST(ImageLintSecrets, PublicKeysCertificatesAndLookalikesAreNot) {
  EXPECT_EQ(find_secret(""), "");
  EXPECT_EQ(find_secret("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"), "");
  EXPECT_EQ(find_secret("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), "");
  EXPECT_EQ(find_secret("-----BEGIN PRIVATE KEY"), "");  // no closing dashes
  EXPECT_EQ(find_secret("-----BEGIN private key-----"), "");
  EXPECT_EQ(find_secret("-----BEGIN PRIVATE KEYS-----"), "");
  // The label must be short and plain: not a PRIVATE KEY far beyond a BEGIN.
  EXPECT_EQ(find_secret("-----BEGIN CERTIFICATE-----\n" + std::string(100, 'A') + " PRIVATE KEY-----"), "");
}

TEST(ImageLintSecrets, AwsAccessKeyIdsStandAlone) {
  EXPECT_EQ(find_secret("key = \"AKIAIOSFODNN7EXAMPLE\""), "an AWS access key ID");
  EXPECT_EQ(find_secret("AKIAIOSFODNN7EXAMPLE"), "an AWS access key ID");
  EXPECT_EQ(find_secret("id=AKIAIOSFODNN7EXAMPLE\n"), "an AWS access key ID");
  // Too short, lower case, or inside a longer run of capitals and digits.
  EXPECT_EQ(find_secret("AKIAIOSFODNN7EXAMPL"), "");
  EXPECT_EQ(find_secret("AKIAiosfodnn7example"), "");
  EXPECT_EQ(find_secret("XAKIAIOSFODNN7EXAMPLE"), "");
  EXPECT_EQ(find_secret("AKIAIOSFODNN7EXAMPLEX"), "");
  // A miss earlier in the text does not hide a key later on.
  EXPECT_EQ(find_secret("AKIA short, then AKIAIOSFODNN7EXAMPLE"), "an AWS access key ID");
  // Binary content around it is fine. (Split: "\x01AKIA" would be one
  // hex escape, \x01A, followed by "KIA".)
  EXPECT_EQ(find_secret(std::string("\0\x01" "AKIAIOSFODNN7EXAMPLE\0", 23)), "an AWS access key ID");
}

TEST(ImageLintSecrets, EnvironmentNamesThatSaySecret) {
  for (const char* name : {"DB_PASSWORD", "MYSQL_ROOT_PASSWD", "client_secret", "GITHUB_TOKEN", "API_KEY",
                           "STRIPE_APIKEY", "password"})
    EXPECT_TRUE(secret_env_name(name)) << name;
  for (const char* name : {"PATH", "HOME", "LANG", "KEYBOARD", "API_URL", "PASS"})
    EXPECT_FALSE(secret_env_name(name)) << name;
}

TEST(ImageLintUser, RootByNameNumberOrWithAGroup) {
  for (const char* user : {"", "root", "0", "00", "0:0", "root:root", "0:1000"}) EXPECT_TRUE(user_is_root(user)) << user;
  for (const char* user : {"1000", "app", "1000:0", "nobody", "rooty", "10"}) EXPECT_FALSE(user_is_root(user)) << user;
}

}  // namespace
}  // namespace ringfence::image
