#include "autotuner/sim/wire_format.h"

#include <gtest/gtest.h>

#include "autotuner/core/json.h"

namespace autotuner::sim {
namespace {

Json Payload(const std::string& event) {
  EXPECT_TRUE(event.starts_with("data: ") && event.ends_with("\n\n")) << event;
  return Json::parse(event.substr(6, event.size() - 8));
}

TEST(WireFormat, IdsFollowTheFlavor) {
  EXPECT_EQ(WireFormat(FlavorNamed("vllm")).ResponseId(Endpoint::kChat, "ab"), "chatcmpl-ab");
  EXPECT_EQ(WireFormat(FlavorNamed("trtllm")).ResponseId(Endpoint::kCompletions, "ab"), "cmpl-ab");
  EXPECT_EQ(WireFormat(FlavorNamed("sglang")).ResponseId(Endpoint::kChat, "ab"), "ab");
}

TEST(WireFormat, SglangChatSendsTheFinishReasonInItsOwnChunk) {
  const WireFormat wire(FlavorNamed("sglang"));
  const ResponseIds ids{"x", 1, "default"};
  const Json last = Payload(wire.TokenEvent(Endpoint::kChat, ids, "!", true, 2));
  EXPECT_TRUE(last["choices"][0]["finish_reason"].is_null());
  const Json finish = Payload(wire.FinishEvent(Endpoint::kChat, ids, 2));
  EXPECT_EQ(finish["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(finish["created"], 2);  // recomputed per chunk
  EXPECT_EQ(wire.FinishEvent(Endpoint::kCompletions, ids, 2), "");
}

TEST(WireFormat, VllmPutsTheFinishReasonOnTheLastDelta) {
  const WireFormat wire(FlavorNamed("vllm"));
  const ResponseIds ids{"chatcmpl-x", 1, "m"};
  const Json last = Payload(wire.TokenEvent(Endpoint::kChat, ids, "!", true, 2));
  EXPECT_EQ(last["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(last["created"], 1);
  EXPECT_EQ(wire.FinishEvent(Endpoint::kChat, ids, 2), "");
}

TEST(WireFormat, UsageChunkKeysPerFlavor) {
  const Usage usage{12, 16, 0};
  const Json vllm =
      Payload(WireFormat(FlavorNamed("vllm")).UsageEvent(Endpoint::kCompletions, {"i", 1, "m"}, usage, 1));
  EXPECT_EQ(vllm["usage"].dump(), R"({"prompt_tokens":12,"total_tokens":28,"completion_tokens":16})");
  EXPECT_TRUE(vllm["choices"].empty());
  const Json sglang =
      Payload(WireFormat(FlavorNamed("sglang")).UsageEvent(Endpoint::kChat, {"i", 1, "m"}, usage, 1));
  EXPECT_EQ(
      sglang["usage"].dump(),
      R"({"prompt_tokens":12,"total_tokens":28,"completion_tokens":16,"prompt_tokens_details":null,"reasoning_tokens":0})");
}

TEST(WireFormat, ContextErrorsUseTheEnginesWords) {
  const Json vllm = Json::parse(WireFormat(FlavorNamed("vllm")).ContextLengthError(5000, 16, 4096));
  EXPECT_EQ(vllm["error"]["param"], "input_tokens");
  EXPECT_EQ(vllm["error"]["code"], 400);
  EXPECT_NE(vllm["error"]["message"].get<std::string>().find("maximum input length of 4080 tokens"),
            std::string::npos);
  const Json sglang = Json::parse(WireFormat(FlavorNamed("sglang")).ContextLengthError(5000, 16, 4096));
  EXPECT_EQ(sglang["message"],
            "The input (5000 tokens) is longer than the model's context length (4096 tokens).");
  EXPECT_EQ(sglang["object"], "error");
}

TEST(WireFormat, StreamErrorEventIsSpacedJson) {
  EXPECT_EQ(
      WireFormat(FlavorNamed("vllm")).StreamErrorEvent("Internal server error", "InternalServerError", 500),
      "data: {\"error\": {\"message\": \"Internal server error\", \"type\": \"InternalServerError\", "
      "\"param\": null, \"code\": 500}}\n\n");
}

}  // namespace
}  // namespace autotuner::sim
