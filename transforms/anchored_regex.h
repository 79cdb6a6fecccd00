/* anchored_regex.h - a setting that is a regular expression matching a whole string (POSIX
 * extended: Java's common syntax, without lookarounds or possessive quantifiers), for the
 * plugins that take one (RegexRouter, TopicNameMatches, FieldMatches). */
#ifndef KC_ANCHORED_REGEX_H
#define KC_ANCHORED_REGEX_H
#include <regex.h>
#include <stdio.h>

/* Compiles ^(value)$ into re (flags besides REG_EXTENDED); 0, or regcomp's error. */
__attribute__((unused)) static int anchored_regcomp(regex_t *re, const char *value, int flags) {
    char anchored[1024];
    snprintf(anchored, sizeof anchored, "^(%s)$", value);
    return regcomp(re, anchored, REG_EXTENDED | flags);
}

/* A config table's check: Connect's "Invalid regex" message for a value that does not compile. */
__attribute__((unused)) static int check_anchored_regex(const char *key, const char *value, char *msg, size_t n) {
    regex_t re;
    int rc = anchored_regcomp(&re, value, 0);
    if (rc) {
        char why[256];
        regerror(rc, &re, why, sizeof why);
        snprintf(msg, n, "Invalid value %s for configuration %s: Invalid regex: %s", value, key, why);
        return -1;
    }
    regfree(&re);
    return 0;
}
#endif
