#include "autotuner/bench/openai_chunk.h"

#include <gtest/gtest.h>

namespace autotuner::bench {
namespace {

ChunkInfo MustParse(ChunkParser& parser, std::string_view data) {
  ChunkInfo info;
  const Status status = parser.Parse(data, info);
  EXPECT_TRUE(status.ok()) << status.error().message;
  return info;
}

TEST(OpenAiChunk, ReadsBothEnginesChunks) {
  ChunkParser parser;
  // vLLM completions token chunk.
  ChunkInfo info = MustParse(
      parser,
      R"({"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":" Hello","logprobs":null,"finish_reason":null,"stop_reason":null,"prompt_token_ids":null,"token_ids":null}]})");
  EXPECT_TRUE(info.has_content);
  EXPECT_FALSE(info.finished);
  EXPECT_EQ(info.completion_tokens, -1);
  // vLLM chat role chunk: empty content is not a token.
  info = MustParse(
      parser,
      R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"prompt_token_ids":null})");
  EXPECT_FALSE(info.has_content);
  // SGLang chat finish chunk with an otherwise-empty delta.
  info = MustParse(
      parser,
      R"({"id":"7a","object":"chat.completion.chunk","created":1,"model":"default","choices":[{"index":0,"delta":{"reasoning_content":null},"logprobs":null,"finish_reason":"length","matched_stop":null}]})");
  EXPECT_FALSE(info.has_content);
  EXPECT_TRUE(info.finished);
  // SGLang chat content chunk.
  info = MustParse(
      parser,
      R"({"id":"7a","object":"chat.completion.chunk","created":1,"model":"default","choices":[{"index":0,"delta":{"reasoning_content":null,"content":"Hi"},"logprobs":null,"finish_reason":null,"matched_stop":null}]})");
  EXPECT_TRUE(info.has_content);
  // Usage chunks of both engines.
  info = MustParse(
      parser,
      R"({"id":"4e","object":"text_completion","created":1,"model":"default","choices":[],"usage":{"prompt_tokens":12,"total_tokens":28,"completion_tokens":16,"reasoning_tokens":0}})");
  EXPECT_EQ(info.prompt_tokens, 12);
  EXPECT_EQ(info.completion_tokens, 16);
  EXPECT_FALSE(info.has_content);
  info = MustParse(parser,
                   R"({"id":"4e","choices":[{"index":0,"text":"x","finish_reason":null}],"usage":null})");
  EXPECT_EQ(info.completion_tokens, -1);
}

TEST(OpenAiChunk, RecognisesInStreamErrorsOfBothEngines) {
  ChunkParser parser;
  ChunkInfo info = MustParse(
      parser,
      R"({"error": {"message": "Internal server error", "type": "InternalServerError", "param": null, "code": 500}})");
  EXPECT_TRUE(info.is_error);
  EXPECT_EQ(info.error_code, 500);
  EXPECT_EQ(info.error_message, "Internal server error");
  info = MustParse(
      parser,
      R"({"error": {"object": "error", "message": "Generation aborted.", "type": "SERVICE_UNAVAILABLE", "param": null, "code": 503}})");
  EXPECT_TRUE(info.is_error);
  EXPECT_EQ(info.error_code, 503);
}

TEST(OpenAiChunk, RejectsBrokenJson) {
  ChunkParser parser;
  ChunkInfo info;
  EXPECT_FALSE(parser.Parse(R"({"choices":[{"text":"x")", info).ok());
  EXPECT_FALSE(parser.Parse("not json", info).ok());
  EXPECT_FALSE(parser.Parse("[1,2]", info).ok());
}

TEST(OpenAiChunk, ErrorBodiesFlatAndNested) {
  ErrorBody e = ParseErrorBody(
      R"({"error":{"message":"The model `gpt-4` does not exist.","type":"NotFoundError","param":"model","code":404}})");
  EXPECT_EQ(e.code, 404);
  EXPECT_EQ(e.type, "NotFoundError");
  e = ParseErrorBody(R"({"object":"error","message":"bad","type":"Bad Request","param":null,"code":400})");
  EXPECT_EQ(e.code, 400);
  EXPECT_EQ(e.message, "bad");
  e = ParseErrorBody(R"({"object":"error","message":"x","type":"503","param":null,"code":"503"})");
  EXPECT_EQ(e.code, 503);
  e = ParseErrorBody("<html>Bad Gateway</html>");
  EXPECT_EQ(e.message, "<html>Bad Gateway</html>");
}

TEST(OpenAiChunk, NonStreamingBodies) {
  auto usage = ParseResponseBody(
      R"({"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"length"}],"usage":{"prompt_tokens":20,"total_tokens":36,"completion_tokens":16}})");
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->prompt_tokens, 20);
  EXPECT_EQ(usage->completion_tokens, 16);
  EXPECT_TRUE(usage->has_content);
  EXPECT_FALSE(ParseResponseBody("{oops").ok());
}

}  // namespace
}  // namespace autotuner::bench
