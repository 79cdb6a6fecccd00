#!/usr/bin/env bash
# kcd's SimpleHeaderConverter against Connect 4.1.1's own (its Values parser and printer): the
# same texts, a curated list of Connect's cases and quirks and 4,000 random ones made of the
# parser's tokens, read by both; the schema inferred and the text written back must be equal.
# Two differences are allowed, each with its reason: a text of a date's, time's or timestamp's
# length that only partly matches its pattern, which Java's lenient date parser still reads as
# one; and a float the JDK running Connect prints with more digits than it needs (Java 17's
# Float/Double.toString, JDK-4511638, fixed in Java 19), where kcd prints the shortest digits
# that read back to the same number, as Java 19 and later do.
. "$(dirname "$0")/lib.sh"
need_connect
cat >"$WORK/texts.txt" <<'T'
true
true}

 null 
hello, world
{a:1}
[1,,2]
[1, null]
42
300
70000
5000000000
-9223372036854775808
9223372036854775808
1.0
1e3
+5
1:2
1.5
0.1
1e30
1.5e39
100000000000000000000
1e400
12abc
-
2020-01-02
12:34:56.789Z
2020-01-02T12:34:56.789Z
2020-01-02T12\:34\:56.789Z
["2020-01-02"]
[1, 2.5, 300]
[]
["a", "b\"c"]
{"a": 1, "b": 70000}
{"a": 1, "b": "x"}
[[1], [2, 3]]
[1, 2] and more
[[[[[[[[[[
1.0E10
{"k":[true,false]}
[1,"a"]
{"a":null}
[null]
"quoted"
[ " x " ]
-0
1.
+.5
007
[2020-01-02, 5]
2020-13-0x
[12:00:00.000Z, 1.5]
{"x": 2020-01-02T00:00:00.000Z}
T
python3 - "$WORK/texts.txt" <<'PY'
import random, sys
random.seed(20261205)
pieces = ["[", "]", "{", "}", ",", ":", "\"", "\\", " ", "1", "-", "2.5", "true", "null", "a", "2020-01-02",
          "12", "e5", ".", "300", "1e40", "x y", "0", "T", "Z", "56.789Z", "+"]
seen = set()
with open(sys.argv[1], "a") as f:
    while len(seen) < 4000:
        s = "".join(random.choice(pieces) for _ in range(random.randint(1, 10)))
        if s not in seen:
            seen.add(s)
            f.write(s + "\n")
PY
java -cp "$libs/*" "$KCD_SOURCE/tests/support/ValuesPrint.java" <"$WORK/texts.txt" >"$WORK/connect.tsv" 2>"$WORK/java.err" ||
  { cat "$WORK/java.err" >&2; fail "ValuesPrint did not run"; }
"$KCD_BUILD/bin/kcd-test-values-print" <"$WORK/texts.txt" >"$WORK/kcd.tsv" || fail "kcd-test-values-print failed"
[ "$(wc -l <"$WORK/connect.tsv")" = "$(wc -l <"$WORK/texts.txt")" ] || fail "Connect printed $(wc -l <"$WORK/connect.tsv") lines"
python3 - "$WORK/connect.tsv" "$WORK/kcd.tsv" <<'PY' || fail "kcd reads header text otherwise than Connect (above)"
import re, struct, sys

def same_numbers(a, b, as_float):
    """Whether two texts differ only in how many digits their floats are printed with."""
    ta, tb = re.split(r"([\[\]{},:])", a), re.split(r"([\[\]{},:])", b)
    if len(ta) != len(tb):
        return False
    for x, y in zip(ta, tb):
        if x == y:
            continue
        try:
            fx, fy = float(x), float(y)
        except ValueError:
            return False
        if as_float:
            fx, fy = (struct.unpack("f", struct.pack("f", v))[0] for v in (fx, fy))
        if fx != fy:
            return False
    return True

connect = open(sys.argv[1], encoding="utf-8").read().split("\n")
kcd = open(sys.argv[2], encoding="utf-8").read().split("\n")
assert len(connect) == len(kcd), (len(connect), len(kcd))
differ = allowed = 0
for c, k in zip(connect, kcd):
    if c == k:
        continue
    text, c_schema, c_back = c.split("\t")
    k_schema, k_back = k.split("\t")[1:]
    # Java's lenient SimpleDateFormat reads a partly matching text of the pattern's length
    if k_schema == "STRING" and c_schema.split("/")[-1] in ("Date", "Time", "Timestamp") and len(text) in (10, 13, 24):
        allowed += 1
        continue
    if c_schema == k_schema and "FLOAT" in c_schema and same_numbers(c_back, k_back, "FLOAT32" in c_schema):
        allowed += 1
        continue
    differ += 1
    print(f"DIFFERENT\n  Connect {c!r}\n  kcd     {k!r}")
print(f"{len(connect) - 1} texts: {differ} differences, {allowed} allowed (lenient dates, Java 17's float digits)")
sys.exit(1 if differ else 0)
PY
pass "kcd's SimpleHeaderConverter reads and writes header text as Connect 4.1.1's does"
