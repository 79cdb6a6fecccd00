/* date_format.h - Java SimpleDateFormat's common letters (y M d H h m s S a E Z X and 'quoted'
 * text) over epoch milliseconds, in UTC as Connect's transforms use it. Shared by
 * TimestampConverter and TimestampRouter (static: each plugin is its own .so). */
#ifndef KC_DATE_FORMAT_H
#define KC_DATE_FORMAT_H

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MS_PER_DAY 86400000LL

/* ---- calendar (proleptic Gregorian, UTC) --------------------------------------------------- */

__attribute__((unused)) static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

__attribute__((unused)) static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

static const char *const months[] = {"January", "February", "March",     "April",   "May",      "June",
                                     "July",    "August",   "September", "October", "November", "December"};
static const char *const weekdays[] = {"Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"};

/* ---- SimpleDateFormat: the letters people use (y M d H h m s S a E Z X) and 'quoted' text -- */

static void put_num(char **o, char *end, int64_t v, int width) {
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%0*lld", width, (long long)v);
    if (n > 0 && *o + n < end) {
        memcpy(*o, tmp, (size_t)n);
        *o += n;
    }
}

static void put_str(char **o, char *end, const char *s, size_t n) {
    if (*o + n < end) {
        memcpy(*o, s, n);
        *o += n;
    }
}

__attribute__((unused)) static int format_ms(const char *fmt, int64_t ms, char *out, size_t size) {
    int64_t days = floor_div(ms, MS_PER_DAY), rem = ms - days * MS_PER_DAY, year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    int hour = (int)(rem / 3600000), minute = (int)(rem / 60000 % 60), second = (int)(rem / 1000 % 60),
        milli = (int)(rem % 1000);
    char *o = out, *end = out + size - 1;
    for (const char *p = fmt; *p;) {
        if (*p == '\'') { /* quoted text; '' is a quote */
            if (p[1] == '\'') {
                put_str(&o, end, "'", 1);
                p += 2;
                continue;
            }
            const char *q = p + 1;
            while (*q && !(*q == '\'' && q[1] != '\'')) {
                if (*q == '\'') q++;
                put_str(&o, end, q, 1);
                q++;
            }
            p = *q ? q + 1 : q;
            continue;
        }
        if (!isalpha((unsigned char)*p)) {
            put_str(&o, end, p++, 1);
            continue;
        }
        char c = *p;
        int n = 0;
        while (p[n] == c) n++;
        p += n;
        switch (c) {
        case 'y':
        case 'Y': put_num(&o, end, n == 2 ? (year % 100 + 100) % 100 : year, n == 2 ? 2 : n); break;
        case 'M':
            if (n >= 4) put_str(&o, end, months[month - 1], strlen(months[month - 1]));
            else if (n == 3) put_str(&o, end, months[month - 1], 3);
            else put_num(&o, end, month, n);
            break;
        case 'd': put_num(&o, end, day, n); break;
        case 'H': put_num(&o, end, hour, n); break;
        case 'h': put_num(&o, end, hour % 12 ? hour % 12 : 12, n); break;
        case 'a': put_str(&o, end, hour < 12 ? "AM" : "PM", 2); break;
        case 'm': put_num(&o, end, minute, n); break;
        case 's': put_num(&o, end, second, n); break;
        case 'S': put_num(&o, end, milli, n); break;
        case 'E': {
            const char *w = weekdays[((days % 7) + 7) % 7];
            put_str(&o, end, w, n >= 4 ? strlen(w) : 3);
            break;
        }
        case 'Z': put_str(&o, end, "+0000", 5); break;
        case 'X': put_str(&o, end, "Z", 1); break;
        default: return -1; /* a letter we do not know: refuse rather than print nonsense */
        }
    }
    *o = '\0';
    return 0;
}

static int read_num(const char **s, int max_digits, int64_t *out) {
    int n = 0;
    int64_t v = 0;
    int neg = 0;
    if (**s == '-' || **s == '+') neg = *(*s)++ == '-';
    while (n < max_digits && isdigit((unsigned char)**s)) v = v * 10 + (*(*s)++ - '0'), n++;
    *out = neg ? -v : v;
    return n ? 0 : -1;
}

__attribute__((unused)) static int parse_ms(const char *fmt, const char *text, int64_t *out) {
    int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, milli = 0, offset_min = 0;
    int pm = -1, h12 = 0;
    const char *s = text;
    for (const char *p = fmt; *p;) {
        if (*p == '\'') {
            if (p[1] == '\'') {
                if (*s++ != '\'') return -1;
                p += 2;
                continue;
            }
            const char *q = p + 1;
            while (*q && !(*q == '\'' && q[1] != '\'')) {
                if (*q == '\'') q++;
                if (*s++ != *q++) return -1;
            }
            p = *q ? q + 1 : q;
            continue;
        }
        if (!isalpha((unsigned char)*p)) {
            if (*s++ != *p++) return -1;
            continue;
        }
        char c = *p;
        int n = 0;
        while (p[n] == c) n++;
        p += n;
        /* adjacent numeric fields (yyyyMMdd) take exactly their width */
        int width = isalpha((unsigned char)*p) && *p != 'a' ? n : 18;
        int64_t v;
        switch (c) {
        case 'y':
        case 'Y':
            if (read_num(&s, width == 18 ? 9 : width, &v)) return -1;
            year = n == 2 && v < 100 ? 2000 + v : v;
            break;
        case 'M':
            if (n >= 3) {
                int found = 0;
                for (int i = 0; i < 12 && !found; i++) {
                    size_t len = n >= 4 ? strlen(months[i]) : 3;
                    if (!strncasecmp(s, months[i], len)) {
                        month = i + 1;
                        s += len;
                        found = 1;
                    }
                }
                if (!found) return -1;
            } else if (read_num(&s, width == 18 ? 2 : width, &month)) return -1;
            break;
        case 'd': if (read_num(&s, width == 18 ? 2 : width, &day)) return -1; break;
        case 'H': if (read_num(&s, width == 18 ? 2 : width, &hour)) return -1; break;
        case 'h':
            if (read_num(&s, width == 18 ? 2 : width, &hour)) return -1;
            h12 = 1;
            break;
        case 'a':
            if (!strncasecmp(s, "AM", 2)) pm = 0;
            else if (!strncasecmp(s, "PM", 2)) pm = 1;
            else return -1;
            s += 2;
            break;
        case 'm': if (read_num(&s, width == 18 ? 2 : width, &minute)) return -1; break;
        case 's': if (read_num(&s, width == 18 ? 2 : width, &second)) return -1; break;
        case 'S': if (read_num(&s, width == 18 ? 3 : width, &milli)) return -1; break;
        case 'E': while (isalpha((unsigned char)*s)) s++; break;
        case 'Z':
        case 'X': {
            if (c == 'X' && (*s == 'Z' || *s == 'z')) {
                s++;
                break;
            }
            if (*s != '+' && *s != '-') return -1;
            int sign = *s++ == '-' ? -1 : 1;
            int64_t hh, mm = 0;
            if (read_num(&s, 2, &hh)) return -1;
            if (*s == ':') s++;
            if (isdigit((unsigned char)*s) && read_num(&s, 2, &mm)) return -1;
            offset_min = sign * (hh * 60 + mm);
            break;
        }
        default: return -1;
        }
    }
    if (*s) return -1; /* trailing text */
    if (h12) hour = hour % 12 + (pm == 1 ? 12 : 0);
    else if (pm == 1 && hour < 12) hour += 12;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return -1;
    *out = days_from_civil(year, (int)month, (int)day) * MS_PER_DAY + hour * 3600000 + minute * 60000 +
           second * 1000 + milli - offset_min * 60000;
    return 0;
}

#endif
