#include "server/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

namespace sluice::server {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sluice-config-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& text) {
    const auto path = dir_ / "sluice.toml";
    std::ofstream(path) << text;
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigTest, EveryKeyHasAFlagAndAnEnvNameOfItsOwn) {
  std::set<std::string> flags, envs;
  for (const auto& key : config_keys()) {
    EXPECT_TRUE(flags.insert(key.flag).second) << key.flag;
    EXPECT_TRUE(envs.insert(key.env()).second) << key.env();
    EXPECT_EQ(key.env().rfind("SLUICE_", 0), 0u);
  }
  EXPECT_EQ(config_keys().front().env(), "SLUICE_DATA_DIR");
}

TEST_F(ConfigTest, DefaultsNeedNoInput) {
  auto config = load_config({});
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(config->options.kafka_listen, "127.0.0.1:9092");
  EXPECT_EQ(config->options.admin_listen, "127.0.0.1:9644");
  EXPECT_EQ(config->sources.at("kafka.listen"), ConfigSource::kDefault);
}

TEST_F(ConfigTest, FileThenEnvThenFlagWin) {
  const std::string file = write(R"(
data_dir = "/from/file"
[kafka]
listen = "127.0.0.1:1001"
default_partitions = 3
auto_create_topics = false
[sqs]
listen = "127.0.0.1:2001"
)");
  ConfigInputs inputs;
  inputs.file = file;
  inputs.env = {{"kafka.listen", "127.0.0.1:1002"}, {"sqs.listen", "127.0.0.1:2002"}};
  inputs.flags = {{"sqs.listen", "127.0.0.1:2003"}};
  auto config = load_config(inputs);
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(config->options.data_dir, "/from/file");
  EXPECT_EQ(config->options.kafka_listen, "127.0.0.1:1002");
  EXPECT_EQ(config->options.sqs_listen, "127.0.0.1:2003");
  EXPECT_EQ(config->options.default_partitions, 3);
  EXPECT_FALSE(config->options.auto_create_topics);
  EXPECT_EQ(config->sources.at("data_dir"), ConfigSource::kFile);
  EXPECT_EQ(config->sources.at("kafka.listen"), ConfigSource::kEnv);
  EXPECT_EQ(config->sources.at("sqs.listen"), ConfigSource::kFlag);
  EXPECT_EQ(config->sources.at("admin.listen"), ConfigSource::kDefault);
}

TEST_F(ConfigTest, UnknownKeyInFileIsNamed) {
  ConfigInputs inputs;
  inputs.file = write("[kafka]\nlisten_port = 9092\n");
  auto config = load_config(inputs);
  ASSERT_FALSE(config.is_ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("kafka.listen_port"), std::string::npos)
      << config.status().message();
}

TEST_F(ConfigTest, BadValuesAreNamedWithTheirSource) {
  struct Case {
    ConfigInputs inputs;
    std::string key;
    std::string where;
  };
  ConfigInputs wrong_type;
  wrong_type.file = write("[kafka]\ndefault_partitions = \"three\"\n");
  std::vector<Case> cases = {
      {wrong_type, "kafka.default_partitions", "must be an integer"},
      {ConfigInputs{std::nullopt, {{"kafka.default_partitions", "0"}}, {}},
       "kafka.default_partitions", "flag --default-partitions"},
      {ConfigInputs{std::nullopt, {}, {{"storage.fsync", "sometimes"}}}, "storage.fsync",
       "env SLUICE_STORAGE_FSYNC"},
      {ConfigInputs{std::nullopt, {{"admin.listen", "nohost"}}, {}}, "admin.listen",
       "flag --admin-listen"},
      {ConfigInputs{std::nullopt, {{"log.components", "kafka=loud"}}, {}}, "log.components",
       "flag --log-components"},
      {ConfigInputs{std::nullopt, {{"kafka.auto_create_topics", "yes"}}, {}},
       "kafka.auto_create_topics", "flag --auto-create-topics"},
  };
  for (const auto& c : cases) {
    auto config = load_config(c.inputs);
    ASSERT_FALSE(config.is_ok()) << c.key;
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(config.status().message().find(c.key), std::string::npos)
        << config.status().message();
    EXPECT_NE(config.status().message().find(c.where), std::string::npos)
        << config.status().message();
  }
}

TEST_F(ConfigTest, MalformedTomlNamesTheLine) {
  ConfigInputs inputs;
  inputs.file = write("[kafka]\nlisten = \n");
  auto config = load_config(inputs);
  ASSERT_FALSE(config.is_ok());
  EXPECT_NE(config.status().message().find("sluice.toml:2"), std::string::npos)
      << config.status().message();
}

TEST_F(ConfigTest, EnvironmentIsReadOnlyForKnownKeys) {
  std::string a = "SLUICE_KAFKA_LISTEN=127.0.0.1:7", b = "SLUICE_BIN=/x/sluice", c = "HOME=/root";
  char* env[] = {a.data(), b.data(), c.data(), nullptr};
  const auto found = config_env_from(env);
  EXPECT_EQ(found, (std::map<std::string, std::string>{{"kafka.listen", "127.0.0.1:7"}}));
}

TEST_F(ConfigTest, PrintedTextIsAValidConfigFileAndJsonCarriesSources) {
  ConfigInputs inputs;
  inputs.flags = {{"kafka.default_partitions", "4"}, {"sqs.region", "eu-west-1"}};
  auto config = load_config(inputs);
  ASSERT_TRUE(config.is_ok());
  ConfigInputs again;
  again.file = write(render_config(*config, "text"));
  auto reread = load_config(again);
  ASSERT_TRUE(reread.is_ok()) << reread.status().to_string();
  EXPECT_EQ(reread->options.default_partitions, 4);
  EXPECT_EQ(reread->options.sqs_region, "eu-west-1");

  const auto json = nlohmann::json::parse(render_config(*config, "json"));
  EXPECT_EQ(json["kafka.default_partitions"]["value"], 4);
  EXPECT_EQ(json["kafka.default_partitions"]["source"], "flag");
  EXPECT_EQ(json["kafka.auto_create_topics"]["value"], true);
  EXPECT_EQ(json["kafka.listen"]["env"], "SLUICE_KAFKA_LISTEN");
  EXPECT_EQ(json.size(), config_keys().size());
}

}  // namespace
}  // namespace sluice::server
