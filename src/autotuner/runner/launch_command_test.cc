#include "autotuner/runner/launch_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "autotuner/core/model_files_testing.h"
#include "autotuner/deploy/kube_deployer.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/runtime_catalog_testing.h"

namespace autotuner::runner {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

task::Task ParsedTask(const std::string& runtime, const std::string& mode = "local", Json extra = {}) {
  Json spec = {
      {"task_name", "launch"},
      {"base_runtime", runtime},
      {"deployment_mode", mode},
      {"model", {{"id_or_path", "meta-llama/Llama-3.2-1B-Instruct"}}},
      {"parameters", {{"mem-fraction-static", {0.8, 0.9}}, {"schedule-policy", {"lpm"}}}},
      {"optimization", {{"strategy", "grid_search"}, {"objective", "minimize_latency"}}},
      {"benchmark",
       {{"model_tokenizer", "gpt2"}, {"traffic_scenarios", {"D(100,100)"}}, {"num_concurrency", {1}}}}};
  if (extra.is_object()) spec.merge_patch(extra);
  auto parsed = task::ParseTask(spec, &Catalog());
  if (!parsed.task) throw std::runtime_error(task::ValidationError(parsed).message);
  return *parsed.task;
}

// Runs a shell line with /bin/sh and returns what it printed.
std::string RunShell(const std::string& line) {
  testing::ScratchDir dir("launch-shell");
  const std::string script = (dir.path() / "line.sh").string();
  std::ofstream(script) << line << "\n";
  std::FILE* pipe = ::popen(("sh " + ShellQuote(script)).c_str(), "r");
  if (pipe == nullptr) return "<popen failed>";
  std::string out;
  char buffer[256];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

TEST(LaunchCommandShellTest, SafeWordsStayBareOthersAreSingleQuoted) {
  EXPECT_EQ(ShellQuote("--mem-fraction-static"), "--mem-fraction-static");
  EXPECT_EQ(ShellQuote("meta-llama/Llama-3.2-1B-Instruct"), "meta-llama/Llama-3.2-1B-Instruct");
  EXPECT_EQ(ShellQuote("0.0.0.0"), "0.0.0.0");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote("$HOME"), "'$HOME'");
  EXPECT_EQ(ShellQuote("{\"a\": 1}"), "'{\"a\": 1}'");
  EXPECT_EQ(ShellLine({{"HF_HUB_OFFLINE", "1"}}, {"python3", "-m", "sglang.launch_server"}),
            "HF_HUB_OFFLINE=1 python3 -m sglang.launch_server");
}

TEST(LaunchCommandShellTest, EveryWordSurvivesARealShell) {
  const std::vector<std::string> words = {"plain",      "with space",  "it's",        "'",  "$HOME", "$(id)",
                                          "`id`",       "line\nbreak", "back\\slash", "*",  "~",     "",
                                          "\"double\"", "a;b|c&d",     "tab\there",   "!x", "#hash", "é ü"};
  std::vector<std::string> argv = {"printf", "%s\\0"};
  argv.insert(argv.end(), words.begin(), words.end());
  const std::string out = RunShell(ShellLine({}, argv));
  std::vector<std::string> got;
  size_t start = 0;
  for (size_t nul; (nul = out.find('\0', start)) != std::string::npos; start = nul + 1)
    got.push_back(out.substr(start, nul - start));
  EXPECT_EQ(got, words);
}

TEST(LaunchCommandShellTest, EnvironmentValuesSurviveARealShell) {
  const std::string value = "a 'quoted' $value\nover lines";
  EXPECT_EQ(RunShell(ShellLine({{"LAUNCH_TEST", value}}, {"sh", "-c", "printf %s \"$LAUNCH_TEST\""})), value);
}

TEST(LaunchCommandTest, EngineArgvShellDockerForALocalTask) {
  const task::Task task = ParsedTask("sglang", "local", {{"runtime_image_tag", "v9.9"}});
  auto launch = BuildLaunchCommand(task, {{"mem-fraction-static", 0.9}, {"schedule-policy", "lpm"}},
                                   *Catalog().Find("sglang"));
  ASSERT_TRUE(launch.ok()) << launch.error().message;
  EXPECT_THAT(launch->argv, ::testing::IsSupersetOf({"--mem-fraction-static", "0.9", "--host", "0.0.0.0",
                                                     "--port", "8000", "--schedule-policy", "lpm"}));
  EXPECT_THAT(launch->shell, HasSubstr("--mem-fraction-static 0.9"));
  EXPECT_THAT(launch->shell, HasSubstr("meta-llama/Llama-3.2-1B-Instruct"));
  EXPECT_THAT(launch->docker, HasSubstr("docker run --rm --network host --ipc host --gpus 1 "));
  EXPECT_THAT(launch->docker, HasSubstr(" lmsysorg/sglang:v9.9 "));
  EXPECT_THAT(launch->docker, HasSubstr("-e HF_TOKEN "));
  EXPECT_THAT(launch->docker, Not(HasSubstr("AUTOTUNER_")));
  EXPECT_FALSE(launch->manifest.has_value());
  const Json json = launch->ToJson();
  EXPECT_TRUE(json["manifest"].is_null());
  EXPECT_TRUE(json["config_file"].is_null());
  EXPECT_EQ(json["argv"], Json(launch->argv));
  EXPECT_EQ(json["shell"], launch->shell);
}

TEST(LaunchCommandTest, HubCacheModelRunsOfflineAndTheShellLineSaysSo) {
  testing::ScratchDir dir("launch-hub");
  testing::WriteHubSnapshot(dir.path() / "hub", "meta-llama/Llama-3.2-1B-Instruct", "abc",
                            {{"config.json", "{}"}});
  testing::ScopedEnv hub("HF_HUB_CACHE", (dir.path() / "hub").string());
  auto launch =
      BuildLaunchCommand(ParsedTask("sglang"), {{"mem-fraction-static", 0.8}}, *Catalog().Find("sglang"));
  ASSERT_TRUE(launch.ok()) << launch.error().message;
  EXPECT_EQ(launch->env, (std::map<std::string, std::string>{{"HF_HUB_OFFLINE", "1"}}));
  EXPECT_EQ(launch->shell.rfind("HF_HUB_OFFLINE=1 ", 0), 0u) << launch->shell;
  EXPECT_THAT(launch->docker, HasSubstr("-e HF_HUB_OFFLINE=1 "));
}

TEST(LaunchCommandTest, TaskEnvWithTheCandidatesSearchedValueIsInEveryForm) {
  const Json env = {{"env", {{"NCCL_DEBUG", "INFO"}, {"SGLANG_ATTN", {"fa3", "flashinfer"}}}}};
  const Json candidate = {{"mem-fraction-static", 0.8}, {"env.SGLANG_ATTN", "flashinfer"}};
  auto launch = BuildLaunchCommand(ParsedTask("sglang", "local", env), candidate, *Catalog().Find("sglang"));
  ASSERT_TRUE(launch.ok()) << launch.error().message;
  EXPECT_EQ(launch->env,
            (std::map<std::string, std::string>{{"NCCL_DEBUG", "INFO"}, {"SGLANG_ATTN", "flashinfer"}}));
  EXPECT_EQ(launch->shell.rfind("NCCL_DEBUG=INFO SGLANG_ATTN=flashinfer ", 0), 0u) << launch->shell;
  EXPECT_THAT(launch->docker, HasSubstr("-e SGLANG_ATTN=flashinfer "));
  EXPECT_EQ(launch->ToJson()["env"]["SGLANG_ATTN"], "flashinfer");

  auto kube =
      BuildLaunchCommand(ParsedTask("sglang", "kubernetes", env), candidate, *Catalog().Find("sglang"));
  ASSERT_TRUE(kube.ok()) << kube.error().message;
  const Json& container = (*kube->manifest)["items"][1]["spec"]["template"]["spec"]["containers"][0];
  EXPECT_NE(container["env"].dump().find(R"({"name":"SGLANG_ATTN","value":"flashinfer"})"), std::string::npos)
      << container["env"].dump();
}

TEST(LaunchCommandTest, CredentialsInTheTaskEnvArePassedByNameNeverPrinted) {
  const Json env = {{"env", {{"HF_TOKEN", "hf_supersecret"}, {"NCCL_DEBUG", "INFO"}}}};
  auto launch = BuildLaunchCommand(ParsedTask("sglang", "local", env), {{"mem-fraction-static", 0.8}},
                                   *Catalog().Find("sglang"));
  ASSERT_TRUE(launch.ok()) << launch.error().message;
  EXPECT_EQ(launch->shell.rfind("HF_TOKEN=\"$HF_TOKEN\" NCCL_DEBUG=INFO ", 0), 0u) << launch->shell;
  EXPECT_THAT(launch->docker, HasSubstr("-e HF_TOKEN "));
  const std::string all = launch->ToJson().dump();
  EXPECT_THAT(all, Not(HasSubstr("hf_supersecret"))) << all;
  EXPECT_TRUE(deploy::IsSecretEnvName("OPENAI_API_KEY"));
  EXPECT_TRUE(deploy::IsSecretEnvName("DB_PASSWORD"));
  EXPECT_FALSE(deploy::IsSecretEnvName("VLLM_ATTENTION_BACKEND"));

  // Before: the Kubernetes manifest held the token's value.
  auto kube = BuildLaunchCommand(ParsedTask("sglang", "kubernetes", env), {{"mem-fraction-static", 0.8}},
                                 *Catalog().Find("sglang"));
  ASSERT_TRUE(kube.ok()) << kube.error().message;
  const std::string manifest = kube->manifest->dump();
  EXPECT_THAT(manifest, Not(HasSubstr("hf_supersecret"))) << manifest;
  EXPECT_THAT(manifest,
              HasSubstr(R"({"name":"HF_TOKEN","valueFrom":{"secretKeyRef":{"name":")" +
                        std::string(deploy::kRenderedCredentialsSecret) + R"(","key":"HF_TOKEN"}}})"));
  EXPECT_THAT(manifest, HasSubstr(R"({"name":"NCCL_DEBUG","value":"INFO"})"));
}

TEST(LaunchCommandTest, KubernetesModeRendersTheDeployersManifestWithoutBookkeeping) {
  auto launch = BuildLaunchCommand(ParsedTask("sglang", "kubernetes"), {{"mem-fraction-static", 0.8}},
                                   *Catalog().Find("sglang"));
  ASSERT_TRUE(launch.ok()) << launch.error().message;
  ASSERT_TRUE(launch->manifest.has_value());
  std::vector<std::string> kinds;
  for (const auto& object : (*launch->manifest)["items"]) kinds.push_back(object["kind"].get<std::string>());
  EXPECT_THAT(kinds, ElementsAre("Service", "Deployment"));
  const Json& deployment = (*launch->manifest)["items"][1];
  EXPECT_FALSE(deployment["metadata"]["labels"].contains("autotuner.io/owner")) << deployment.dump();
  const Json& container = deployment["spec"]["template"]["spec"]["containers"][0];
  EXPECT_THAT(container.dump(), Not(HasSubstr("AUTOTUNER_OWNER")));
  EXPECT_THAT(container["args"].dump(), HasSubstr("--mem-fraction-static"));
}

TEST(LaunchCommandTest, ConfigFileIsNamedInTheArgvAndGivenWithItsContent) {
  Json extra = {{"parameters",
                 {{"mem-fraction-static", nullptr}, {"schedule-policy", nullptr}, {"max_batch_size", {64}}}},
                {"quantization_config", {{"preset", "dynamic-fp8"}}}};
  const task::Task task = ParsedTask("trtllm", "local", extra);
  auto launch = BuildLaunchCommand(task, {{"max_batch_size", 64}, {"quantization.preset", "dynamic-fp8"}},
                                   *Catalog().Find("trtllm"));
  ASSERT_TRUE(launch.ok()) << launch.error().message;
  ASSERT_TRUE(launch->config_path.has_value());
  EXPECT_EQ(*launch->config_path, "autotuner-config/extra_llm_api_options.yaml");
  EXPECT_THAT(launch->argv, ::testing::IsSupersetOf(
                                std::vector<std::string>{"--extra_llm_api_options", *launch->config_path}));
  const Json json = launch->ToJson();
  EXPECT_THAT(json["config_file"]["content"].get<std::string>(), HasSubstr("kv_cache_config"));
  EXPECT_THAT(launch->docker, HasSubstr("autotuner-config:/autotuner-config:ro"));
}

TEST(LaunchCommandTest, TheUsersOwnTrtllmOptionsFileIsMergedUnderTheDerivedOneAndWins) {
  const std::string user = ::testing::TempDir() + "/user_llm_api_options.yaml";
  std::ofstream(user) << "kv_cache_config:\n  free_gpu_memory_fraction: 0.85\n"
                         "scheduler_config: {capacity_scheduler_policy: GUARANTEED_NO_EVICT}\n";
  Json extra = {
      {"parameters",
       {{"mem-fraction-static", nullptr}, {"schedule-policy", nullptr}, {"extra_llm_api_options", {user}}}},
      {"quantization_config", {{"preset", "dynamic-fp8"}}}};
  const task::Task task = ParsedTask("trtllm", "local", extra);
  auto launch =
      BuildLaunchCommand(task, {{"extra_llm_api_options", user}, {"quantization.preset", "dynamic-fp8"}},
                         *Catalog().Find("trtllm"));
  ASSERT_TRUE(launch.ok()) << launch.error().message;
  // One --extra_llm_api_options, the merged file: the engine would read only the last of two.
  EXPECT_EQ(std::count(launch->argv.begin(), launch->argv.end(), "--extra_llm_api_options"), 1);
  EXPECT_THAT(launch->argv, Not(::testing::Contains(user)));
  const Json& merged = launch->config_file;
  EXPECT_EQ(merged["kv_cache_config"]["free_gpu_memory_fraction"], 0.85);  // the user's
  EXPECT_EQ(merged["kv_cache_config"]["dtype"], "fp8");                    // derived from the preset
  EXPECT_EQ(merged["scheduler_config"]["capacity_scheduler_policy"], "GUARANTEED_NO_EVICT");

  // A file that does not load makes that candidate impossible, with the file named.
  auto missing = BuildLaunchCommand(
      task, {{"extra_llm_api_options", "/nonexistent/llm.yaml"}, {"quantization.preset", "dynamic-fp8"}},
      *Catalog().Find("trtllm"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("/nonexistent/llm.yaml"));
}

TEST(LaunchCommandTest, SimulatedRuntimesNameTheirRealEngine) {
  const auto* sim = Catalog().Find("sim-sglang");
  ASSERT_NE(sim, nullptr);
  const auto* real = RealEngineOf(*sim, Catalog());
  ASSERT_NE(real, nullptr);
  EXPECT_EQ(real->name, "sglang");
  EXPECT_EQ(RealEngineOf(*real, Catalog()), nullptr);
}

}  // namespace
}  // namespace autotuner::runner
