#include "base/printable.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(Printable, KeepsPrintableTextAndUtf8) {
  EXPECT_EQ(Printable("console=ttyS0 panic=-1"), "console=ttyS0 panic=-1");
  EXPECT_EQ(Printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92");
}

TEST(Printable, EscapesWhatATerminalWouldInterpret) {
  // The forged PCR lines of finding D1: a newline and ESC[8m (conceal).
  EXPECT_EQ(Printable("x\n000 PCR0\x1b[8m"), "x\\x0a000 PCR0\\x1b[8m");
  EXPECT_EQ(Printable(std::string_view("a\0b\r\t\x7f", 6)), "a\\x00b\\x0d\\x09\\x7f");
  EXPECT_EQ(Printable("\xc2\x9b"
                      "31m"),
            "\\xc2\\x9b31m");  // C1 CSI
  EXPECT_EQ(Printable("back\\slash"), "back\\\\slash");
}

TEST(Printable, EscapesInvalidUtf8ByteByByte) {
  EXPECT_EQ(Printable("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(Printable("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(Printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
  EXPECT_EQ(Printable("\xe2\x82"), "\\xe2\\x82");                    // cut short
  EXPECT_EQ(Printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
}

TEST(Printable, LinesKeepsNewlinesOnly) {
  EXPECT_EQ(PrintableLines("a\n  | \x1b[2Jb\r\n"), "a\n  | \\x1b[2Jb\\x0d\n");
  EXPECT_EQ(PrintableLines(""), "");
}

}  // namespace
}  // namespace vigil
