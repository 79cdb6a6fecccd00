/* process.c - the process's own metrics under the names every Prometheus client library gives
 * them (process_*), read from /proc: what the Raspberry Pi on the capture side is watched by. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kc_metrics.h"

static void one(kc_buf *b, const char *name, const char *type, const char *help, double value) {
    kc_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %.9g\n", name, help, name, type, name, value);
}

/* Fields of /proc/self/stat after the command name: utime (14), stime (15), starttime (22),
 * vsize (23), rss (24), counted from 1 as proc(5) does. */
static int read_stat(double *cpu_s, double *start_s, double *vsize, double *rss) {
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f) return -1;
    char line[2048];
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    char *p = strrchr(line, ')'); /* the command name may hold spaces and parentheses */
    if (!p) return -1;
    unsigned long long v[24] = {0};
    int field = 3;
    for (char *tok = strtok(p + 2, " "); tok && field <= 24; tok = strtok(NULL, " "), field++)
        v[field - 1] = strtoull(tok, NULL, 10);
    if (field <= 24) return -1;
    double tick = (double)sysconf(_SC_CLK_TCK), page = (double)sysconf(_SC_PAGESIZE);
    *cpu_s = (double)(v[13] + v[14]) / tick;
    *vsize = (double)v[22];
    *rss = (double)v[23] * page;
    /* starttime is in ticks since boot: add the boot time */
    double boot = 0;
    FILE *s = fopen("/proc/stat", "r");
    if (s) {
        char l[256];
        while (fgets(l, sizeof l, s))
            if (!strncmp(l, "btime ", 6)) boot = strtod(l + 6, NULL);
        fclose(s);
    }
    *start_s = boot + (double)v[21] / tick;
    return 0;
}

static int open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

void kc_metrics_render_process(kc_buf *b) {
    double cpu, start, vsize, rss;
    if (!read_stat(&cpu, &start, &vsize, &rss)) {
        one(b, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", cpu);
        one(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", rss);
        one(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", vsize);
        one(b, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
            start);
    }
    int fds = open_fds();
    if (fds >= 0) one(b, "process_open_fds", "gauge", "Number of open file descriptors.", fds);
    struct rlimit rl;
    if (!getrlimit(RLIMIT_NOFILE, &rl))
        one(b, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
            rl.rlim_cur == RLIM_INFINITY ? -1 : (double)rl.rlim_cur);
}
