#include "server/serve.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "server/data_dir_lock.h"

namespace sluice::server {
namespace {

TEST(ListenAddress, ParsesHostAndPort) {
  auto address = parse_listen_address("127.0.0.1:9092", "--kafka-listen");
  ASSERT_TRUE(address.is_ok());
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 9092);
  auto v6 = parse_listen_address("[::1]:9324", "--sqs-listen");
  ASSERT_TRUE(v6.is_ok());
  EXPECT_EQ(v6->host, "::1");
}

TEST(ListenAddress, RejectsMalformedAddressesNamingTheFlag) {
  for (const char* text :
       {"9092", ":9092", "localhost:", "localhost:99999", "localhost:90a", "[::1:9092"}) {
    auto address = parse_listen_address(text, "--kafka-listen");
    ASSERT_FALSE(address.is_ok()) << text;
    EXPECT_NE(address.status().message().find("--kafka-listen"), std::string::npos);
  }
}

TEST(DataDirLock, SecondHolderIsRefused) {
  std::string pattern = (std::filesystem::temp_directory_path() / "sluice-lock-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const std::filesystem::path dir = std::filesystem::path(pattern) / "data";
  {
    auto first = DataDirLock::acquire(dir);
    ASSERT_TRUE(first.is_ok()) << first.status().to_string();
    auto second = DataDirLock::acquire(dir);
    ASSERT_FALSE(second.is_ok());
    EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  }
  EXPECT_TRUE(DataDirLock::acquire(dir).is_ok());  // released with the first holder
  std::filesystem::remove_all(pattern);
}

}  // namespace
}  // namespace sluice::server
