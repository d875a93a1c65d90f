#include "autotuner/task/scenario.h"

#include <gtest/gtest.h>

namespace autotuner::task {
namespace {

TEST(ScenarioTest, Deterministic) {
  auto s = ParseScenario("D(100,200)");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->kind, ScenarioKind::kDeterministic);
  EXPECT_EQ(s->input.mean, 100);
  EXPECT_EQ(s->output.max, 200);
  EXPECT_TRUE(s->IsText());
}

TEST(ScenarioTest, NormalIsClampedToThreeSigma) {
  auto s = ParseScenario("N(480,240)/(300,150)");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->input.shape, TokenDistribution::Shape::kNormal);
  EXPECT_EQ(s->input.stddev, 240);
  EXPECT_EQ(s->input.min, 1);
  EXPECT_EQ(s->input.max, 480 + 3 * 240);
  EXPECT_EQ(s->output.mean, 300);
}

TEST(ScenarioTest, UniformBothForms) {
  auto full = ParseScenario("U(50,100)/(10,20)");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->input.min, 50);
  EXPECT_EQ(full->output.max, 20);
  auto short_form = ParseScenario("U(100,20)");
  ASSERT_TRUE(short_form.ok());
  EXPECT_EQ(short_form->input.min, 1);
  EXPECT_EQ(short_form->input.max, 100);
  EXPECT_EQ(short_form->output.max, 20);
}

TEST(ScenarioTest, NonTextKinds) {
  EXPECT_EQ(ParseScenario("E(512)")->input.mean, 512);
  EXPECT_EQ(ParseScenario("R(1024,64)")->query_tokens, 64);
  EXPECT_EQ(ParseScenario("I(512,256)")->num_images, 1);
  EXPECT_EQ(ParseScenario("I(512,256,3)")->num_images, 3);
  EXPECT_EQ(ParseScenario("A(400)")->audio_chars, 400);
  EXPECT_FALSE(ParseScenario("E(512)")->IsText());
}

TEST(ScenarioTest, WhitespaceAndLowerCaseAccepted) {
  auto s = ParseScenario("  n( 480 , 240 ) / ( 300,150 ) ");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->ToString(), "N(480,240)/(300,150)");
}

TEST(ScenarioTest, CanonicalStringRoundTrips) {
  for (const char* text : {"D(1,1)", "N(480,240)/(300,150)", "U(5,10)/(1,2)", "E(64)", "R(10,2)", "I(64,64)",
                           "I(64,64,4)", "A(100)"}) {
    auto s = ParseScenario(text);
    ASSERT_TRUE(s.ok()) << text;
    EXPECT_EQ(s->ToString(), text);
    EXPECT_EQ(*ParseScenario(s->ToString()), *s);
  }
}

TEST(ScenarioTest, RejectsMalformed) {
  for (const char* text : {"", "D", "D(", "D(1,2", "D(1,,2)", "D(a,b)", "D(1,2)x", "D(0,5)", "N(1,1)",
                           "U(1,2)/(3)", "E(1,2)", "I(1)", "Z(1,1)", "D(1.5,2)"}) {
    auto s = ParseScenario(text);
    EXPECT_FALSE(s.ok()) << "accepted '" << text << "'";
    if (!s.ok()) {
      EXPECT_EQ(s.error().code, ErrorCode::kValidation);
      EXPECT_NE(s.error().message.find("invalid traffic scenario"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace autotuner::task
