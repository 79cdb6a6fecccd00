# cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed.cmake
# Writes `const char NAME[]` holding IN's bytes plus a NUL, and `const unsigned long NAME_len`.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
file(WRITE "${OUT}" "/* generated from ${IN} by cmake/embed.cmake */\nconst char ${NAME}[] = {${bytes}0x00};\nconst unsigned long ${NAME}_len = ${len};\n")
