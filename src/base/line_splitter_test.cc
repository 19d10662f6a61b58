#include "base/line_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil {
namespace {

// Every line the splitter returns, written "text" or "text[cut]".
std::vector<std::string> Drain(LineSplitter& splitter) {
  std::vector<std::string> lines;
  while (auto line = splitter.Next()) {
    lines.push_back(std::string(line->text) + (line->cut ? "[cut]" : ""));
  }
  return lines;
}

TEST(LineSplitter, ReturnsCompleteLinesWithoutTheirNewline) {
  LineSplitter splitter(100);
  splitter.Append("one\ntwo\n\nthr");
  EXPECT_EQ(Drain(splitter), (std::vector<std::string>{"one", "two", ""}));
  EXPECT_TRUE(splitter.InsideLine());
  splitter.Append("ee\n");
  EXPECT_EQ(Drain(splitter), (std::vector<std::string>{"three"}));
  EXPECT_FALSE(splitter.InsideLine());
}

TEST(LineSplitter, ViewsStayValidUntilTheNextAppend) {
  LineSplitter splitter(100);
  splitter.Append("first\nsecond\n");
  const std::string_view first = splitter.Next()->text;
  const std::string_view second = splitter.Next()->text;
  EXPECT_EQ(first, "first");
  EXPECT_EQ(second, "second");
}

TEST(LineSplitter, UnreadIsWhatFollowsTheLastLine) {
  LineSplitter splitter(8);
  splitter.Append("head\nbody\nmore");
  EXPECT_EQ(splitter.Next()->text, "head");
  EXPECT_EQ(splitter.Unread(), "body\nmore");
  splitter.Append("0123456789");
  EXPECT_EQ(splitter.Unread(), "body\nmore0123456789");
  (void)splitter.Next();
  EXPECT_TRUE(splitter.Next()->cut);
  EXPECT_EQ(splitter.Unread(), "");
}

TEST(LineSplitter, ALineAtTheBoundIsWhole) {
  LineSplitter splitter(4);
  splitter.Append("abcd");
  EXPECT_FALSE(splitter.Next().has_value());  // four bytes may still end with a newline
  splitter.Append("\n");
  EXPECT_EQ(Drain(splitter), (std::vector<std::string>{"abcd"}));
}

TEST(LineSplitter, ALongerLineIsWholeWhenItsNewlineCameWithIt) {
  LineSplitter splitter(4);
  splitter.Append("abcdefgh\nij");
  EXPECT_EQ(Drain(splitter), (std::vector<std::string>{"abcdefgh"}));
}

TEST(LineSplitter, TooMuchWithoutANewlineIsCutAndTheRestDropped) {
  LineSplitter splitter(4);
  splitter.Append("abc");
  EXPECT_EQ(Drain(splitter), (std::vector<std::string>{}));
  splitter.Append("defgh");
  EXPECT_EQ(Drain(splitter), (std::vector<std::string>{"abcdefgh[cut]"}));
  EXPECT_FALSE(splitter.InsideLine());  // the rest is dropped, not waited for
  splitter.Append("ijkl");
  EXPECT_EQ(Drain(splitter), (std::vector<std::string>{}));
  splitter.Append("mn\nok\n");
  EXPECT_EQ(Drain(splitter), (std::vector<std::string>{"ok"}));
}

TEST(LineSplitter, CutsAsSoonAsTheBoundIsPassed) {
  const std::string stream = "a\n" + std::string(10, 'x') + "\nbb\ncccc\n";
  LineSplitter splitter(4);
  std::vector<std::string> bytewise;
  for (char c : stream) {
    splitter.Append(std::string_view(&c, 1));
    for (std::string& line : Drain(splitter)) bytewise.push_back(line);
  }
  EXPECT_EQ(bytewise, (std::vector<std::string>{"a", "xxxxx[cut]", "bb", "cccc"}));
}

TEST(LineSplitter, BuffersAtMostTheBoundPlusOneChunk) {
  LineSplitter splitter(8);
  for (int i = 0; i < 1000; ++i) {
    splitter.Append(std::string(100, 'z'));
    (void)Drain(splitter);
  }
  splitter.Append("\nend\n");
  EXPECT_EQ(Drain(splitter), (std::vector<std::string>{"end"}));
}

}  // namespace
}  // namespace vigil
