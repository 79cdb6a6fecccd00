/* apply.c - `kcd apply PATH... --url URL`: connector files (the POST /connectors body, a flat JSON
 * map, or properties; folders are read for *.json and *.properties) applied to a worker through
 * Kafka Connect's REST API only, so it works against kcd and Apache Kafka Connect alike. Each
 * connector is compared with what the worker runs and PUT only when it differs:
 *
 *     created NAME | updated NAME: changed K, ...; removed K, ... | unchanged NAME | deleted NAME
 *
 * --dry-run prints the same with "would" and changes nothing; --prune deletes the connectors no
 * file names; --wait[=SECONDS] waits until every applied connector and its tasks are RUNNING.
 * Exit codes: 0 done, 1 a config the worker refused (its message printed), 2 usage or an
 * unreadable file, 3 the worker cannot be reached, 4 --wait ended with connectors not running. */
#define _GNU_SOURCE
#include "kc_apply.h"

#include <curl/curl.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "kc_buf.h"
#include "kc_worker_int.h"

enum { APPLY_OK = 0, APPLY_REFUSED = 1, APPLY_USAGE = 2, APPLY_UNREACHABLE = 3, APPLY_NOT_RUNNING = 4 };

typedef struct connector_file {
    char *path;
    kc_config cfg; /* with "name" */
} connector_file;

typedef struct apply {
    const char *url;
    CURL *curl;
    int dry_run, prune, wait_s;
    connector_file *files;
    size_t nfiles;
} apply;

/* ---- HTTP --------------------------------------------------------------------------------- */

static size_t collect(char *data, size_t size, size_t n, void *arg) {
    kc_buf_append(arg, data, size * n);
    return size * n;
}

/* One request; *status the HTTP status, *reply the body (parsed JSON or NULL). Returns 0, or
 * APPLY_UNREACHABLE with the reason printed. */
static int http(apply *a, const char *method, const char *path, const json_t *body, long *status, json_t **reply) {
    kc_buf url = KC_BUF_INIT, in = KC_BUF_INIT;
    kc_buf_printf(&url, "%s%s", a->url, path);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Accept: application/json");
    curl_easy_setopt(a->curl, CURLOPT_URL, url.data);
    curl_easy_setopt(a->curl, CURLOPT_HTTPGET, 1L); /* resets what the last request set */
    if (text) curl_easy_setopt(a->curl, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(a->curl, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") ? method : NULL);
    curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(a->curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(a->curl, CURLOPT_WRITEDATA, &in);
    CURLcode cc = curl_easy_perform(a->curl);
    curl_slist_free_all(headers);
    free(text);
    int rc = APPLY_OK;
    *reply = NULL;
    if (cc != CURLE_OK) {
        fprintf(stderr, "kcd apply: cannot reach the worker at %s: %s\n", a->url, curl_easy_strerror(cc));
        rc = APPLY_UNREACHABLE;
    } else {
        curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, status);
        if (in.len) *reply = json_loadb(in.data, in.len, 0, NULL);
    }
    kc_buf_free(&url);
    kc_buf_free(&in);
    return rc;
}

static const char *message_of(const json_t *reply) {
    const char *m = json_string_value(json_object_get(reply, "message"));
    return m ? m : "(no message)";
}

/* ---- files -------------------------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

static int add_file(apply *a, const char *path) {
    connector_file *f = realloc(a->files, (a->nfiles + 1) * sizeof *f);
    if (!f) return fprintf(stderr, "kcd apply: out of memory\n"), APPLY_USAGE;
    a->files = f;
    f = &a->files[a->nfiles];
    memset(f, 0, sizeof *f);
    kc_error err;
    if (!(f->path = strdup(path)) || kc_connector_file_load(path, &f->cfg, &err)) {
        fprintf(stderr, "kcd apply: %s\n", f->path ? err.msg : "out of memory");
        free(f->path);
        kc_config_free(&f->cfg);
        return APPLY_USAGE;
    }
    a->nfiles++;
    const char *name = kc_config_get(&f->cfg, "name");
    if (!name || !*name) return fprintf(stderr, "kcd apply: %s: the connector has no name\n", path), APPLY_USAGE;
    for (size_t i = 0; i + 1 < a->nfiles; i++)
        if (!strcmp(kc_config_get(&a->files[i].cfg, "name"), name))
            return fprintf(stderr, "kcd apply: %s and %s both define connector %s\n", a->files[i].path, path, name),
                   APPLY_USAGE;
    return APPLY_OK;
}

/* A file, or a folder's *.json and *.properties in name order. */
static int add_path(apply *a, const char *path) {
    struct stat st;
    if (stat(path, &st)) return fprintf(stderr, "kcd apply: %s: no such file or folder\n", path), APPLY_USAGE;
    if (!S_ISDIR(st.st_mode)) return add_file(a, path);
    DIR *d = opendir(path);
    if (!d) return fprintf(stderr, "kcd apply: %s: cannot read the folder\n", path), APPLY_USAGE;
    kc_strlist names = {0};
    int rc = APPLY_OK;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.' && (ends_with(e->d_name, ".json") || ends_with(e->d_name, ".properties")) &&
            kc_strlist_add(&names, e->d_name))
            rc = APPLY_USAGE;
    closedir(d);
    qsort(names.items, names.len, sizeof *names.items, cmp_str);
    for (size_t i = 0; i < names.len && !rc; i++) {
        kc_buf full = KC_BUF_INIT;
        kc_buf_printf(&full, "%s/%s", path, names.items[i]);
        rc = full.failed ? APPLY_USAGE : add_file(a, full.data);
        kc_buf_free(&full);
    }
    kc_strlist_free(&names);
    return rc;
}

/* ---- applying ----------------------------------------------------------------------------- */

/* "changed a, b; removed c" between the worker's config and the file's; empty when equal. */
static void diff(const json_t *current, const kc_config *want, kc_buf *out) {
    kc_buf changed = KC_BUF_INIT, removed = KC_BUF_INIT;
    for (size_t i = 0; i < want->len; i++) {
        const char *have = json_string_value(json_object_get(current, want->items[i].key));
        if (!have || strcmp(have, want->items[i].value))
            kc_buf_printf(&changed, "%s%s", changed.len ? ", " : "", want->items[i].key);
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)current, k, v)
        if (!kc_config_has(want, k)) kc_buf_printf(&removed, "%s%s", removed.len ? ", " : "", k);
    if (changed.len) kc_buf_printf(out, "changed %s", changed.data);
    if (removed.len) kc_buf_printf(out, "%sremoved %s", out->len ? "; " : "", removed.data);
    kc_buf_free(&changed);
    kc_buf_free(&removed);
}

static json_t *config_json(const kc_config *cfg) {
    json_t *o = json_object();
    for (size_t i = 0; o && i < cfg->len; i++) json_object_set_new(o, cfg->items[i].key, json_string(cfg->items[i].value));
    return o;
}

/* URL path of a connector, its name percent-encoded. */
static char *connector_path(apply *a, const char *name, const char *tail) {
    char *enc = curl_easy_escape(a->curl, name, 0);
    char *p = NULL;
    if (enc && asprintf(&p, "/connectors/%s%s", enc, tail) < 0) p = NULL;
    curl_free(enc);
    return p;
}

static int apply_one(apply *a, const connector_file *f) {
    const char *name = kc_config_get(&f->cfg, "name");
    char *path = connector_path(a, name, "/config");
    long status = 0;
    json_t *current = NULL, *reply = NULL;
    int rc = path ? http(a, "GET", path, NULL, &status, &current) : APPLY_USAGE;
    if (!rc && status != 200 && status != 404) {
        fprintf(stderr, "kcd apply: GET %s: HTTP %ld: %s\n", path, status, message_of(current));
        rc = APPLY_REFUSED;
    }
    kc_buf changes = KC_BUF_INIT;
    int exists = status == 200;
    if (!rc && exists) diff(current, &f->cfg, &changes);
    if (!rc && exists && !changes.len) {
        printf("unchanged %s\n", name);
    } else if (!rc && a->dry_run) {
        printf(exists ? "would update %s: %s\n" : "would create %s%s\n", name, exists ? changes.data : "");
    } else if (!rc) {
        json_t *body = config_json(&f->cfg);
        rc = http(a, "PUT", path, body, &status, &reply);
        json_decref(body);
        if (!rc && (status == 200 || status == 201)) {
            if (exists) printf("updated %s: %s\n", name, changes.data);
            else printf("created %s\n", name);
        } else if (!rc) {
            fprintf(stderr, "kcd apply: %s (%s) refused, HTTP %ld: %s\n", name, f->path, status, message_of(reply));
            rc = APPLY_REFUSED;
        }
    }
    kc_buf_free(&changes);
    json_decref(current);
    json_decref(reply);
    free(path);
    return rc;
}

static int is_named(const apply *a, const char *name) {
    for (size_t i = 0; i < a->nfiles; i++)
        if (!strcmp(kc_config_get(&a->files[i].cfg, "name"), name)) return 1;
    return 0;
}

static int prune(apply *a) {
    long status = 0;
    json_t *list = NULL;
    int rc = http(a, "GET", "/connectors", NULL, &status, &list);
    size_t i;
    json_t *n;
    json_array_foreach(list, i, n) {
        const char *name = json_string_value(n);
        if (rc || !name || is_named(a, name)) continue;
        if (a->dry_run) {
            printf("would delete %s\n", name);
            continue;
        }
        char *path = connector_path(a, name, "");
        json_t *reply = NULL;
        int r = path ? http(a, "DELETE", path, NULL, &status, &reply) : APPLY_USAGE;
        if (!r && status != 204 && status != 200) {
            fprintf(stderr, "kcd apply: deleting %s: HTTP %ld: %s\n", name, status, message_of(reply));
            r = APPLY_REFUSED;
        }
        if (!r) printf("deleted %s\n", name);
        if (!rc) rc = r;
        json_decref(reply);
        free(path);
    }
    json_decref(list);
    return rc;
}

/* NULL when the connector and every task (at least one) are RUNNING, else what is not; *failed
 * tells that a part is FAILED, which only a restart changes (no use waiting for it). */
static char *not_running(apply *a, const char *name, int *failed) {
    char *path = connector_path(a, name, "/status"), *why = NULL;
    long status = 0;
    json_t *st = NULL;
    if (!path || http(a, "GET", path, NULL, &status, &st) || status != 200) {
        if (asprintf(&why, "%s: no status (HTTP %ld)", name, status) < 0) why = NULL;
    } else {
        kc_buf b = KC_BUF_INIT;
        const char *cs = json_string_value(json_object_get(json_object_get(st, "connector"), "state"));
        if (!cs || strcmp(cs, "RUNNING")) kc_buf_printf(&b, "connector %s", cs ? cs : "?");
        if (cs && !strcmp(cs, "FAILED")) *failed = 1;
        json_t *tasks = json_object_get(st, "tasks");
        if (!json_array_size(tasks)) kc_buf_printf(&b, "%sno task yet", b.len ? ", " : "");
        size_t i;
        json_t *t;
        json_array_foreach(tasks, i, t) {
            const char *ts = json_string_value(json_object_get(t, "state"));
            const char *trace = json_string_value(json_object_get(t, "trace"));
            if (ts && !strcmp(ts, "RUNNING")) continue;
            if (ts && !strcmp(ts, "FAILED")) *failed = 1;
            kc_buf_printf(&b, "%stask %zu %s%s%.*s", b.len ? ", " : "", i, ts ? ts : "?", trace ? ": " : "",
                          trace ? (int)strcspn(trace, "\n") : 0, trace ? trace : "");
        }
        if (b.len && asprintf(&why, "%s: %s", name, b.data) < 0) why = NULL;
        kc_buf_free(&b);
    }
    json_decref(st);
    free(path);
    return why;
}

/* Until every connector runs, or the time is up, or all that do not run have FAILED. */
static int wait_running(apply *a) {
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int all = 1, pending = 0, last;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long waited = now.tv_sec - t0.tv_sec;
        last = waited >= a->wait_s;
        char **why = calloc(a->nfiles ? a->nfiles : 1, sizeof *why);
        if (!why) {
            fprintf(stderr, "kcd apply: out of memory\n");
            return APPLY_USAGE;
        }
        for (size_t i = 0; i < a->nfiles; i++) {
            int failed = 0;
            why[i] = not_running(a, kc_config_get(&a->files[i].cfg, "name"), &failed);
            if (why[i]) all = 0;
            if (why[i] && !failed) pending = 1;
        }
        if (!all && !pending) last = 1;
        for (size_t i = 0; i < a->nfiles; i++) {
            if (why[i] && last) fprintf(stderr, "kcd apply: not running after %ld s: %s\n", waited, why[i]);
            free(why[i]);
        }
        free(why);
        if (all) return APPLY_OK;
        if (last) return APPLY_NOT_RUNNING;
        nanosleep(&(struct timespec){0, 500 * 1000 * 1000}, NULL);
    }
}

static void usage(FILE *out) {
    fprintf(out, "usage: kcd apply PATH... [--url URL] [--user USER:PASSWORD] [--dry-run] [--prune] [--wait[=SECONDS]]\n"
                 "  PATH: connector files ({\"name\",\"config\"} JSON, a flat JSON map, or properties) or folders of\n"
                 "  them (*.json, *.properties); URL: the worker's REST API (default $KCD_URL or http://localhost:8083)\n"
                 "  exit codes: 0 done, 1 a config was refused, 2 usage or a bad file, 3 worker unreachable,\n"
                 "  4 --wait ended with connectors not running\n");
}

int kc_cmd_apply(int argc, char **argv) {
    apply a = {.url = getenv("KCD_URL") ? getenv("KCD_URL") : "http://localhost:8083"};
    const char *user = NULL;
    kc_strlist paths = {0};
    int rc = APPLY_OK;
    for (int i = 0; i < argc && !rc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            kc_strlist_free(&paths);
            return APPLY_OK;
        }
        if (!strcmp(argv[i], "--url") && i + 1 < argc) a.url = argv[++i];
        else if (!strncmp(argv[i], "--url=", 6)) a.url = argv[i] + 6;
        else if (!strcmp(argv[i], "--user") && i + 1 < argc) user = argv[++i];
        else if (!strcmp(argv[i], "--dry-run")) a.dry_run = 1;
        else if (!strcmp(argv[i], "--prune")) a.prune = 1;
        else if (!strcmp(argv[i], "--wait")) a.wait_s = 120;
        else if (!strncmp(argv[i], "--wait=", 7) && atoi(argv[i] + 7) > 0) a.wait_s = atoi(argv[i] + 7);
        else if (argv[i][0] == '-') rc = APPLY_USAGE;
        else if (kc_strlist_add(&paths, argv[i])) rc = APPLY_USAGE;
    }
    if (rc || !paths.len) {
        usage(stderr);
        kc_strlist_free(&paths);
        return APPLY_USAGE;
    }
    size_t n = strlen(a.url);
    char *url = strndup(a.url, n && a.url[n - 1] == '/' ? n - 1 : n);
    a.url = url;
    for (size_t i = 0; i < paths.len && !rc; i++) rc = add_path(&a, paths.items[i]);
    if (!rc && !a.nfiles) {
        fprintf(stderr, "kcd apply: no connector file found\n");
        rc = APPLY_USAGE;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!rc && !(a.curl = curl_easy_init())) rc = APPLY_USAGE;
    if (!rc) {
        curl_easy_setopt(a.curl, CURLOPT_TIMEOUT, 120L);
        curl_easy_setopt(a.curl, CURLOPT_CONNECTTIMEOUT, 10L);
        if (user) {
            curl_easy_setopt(a.curl, CURLOPT_USERPWD, user);
            curl_easy_setopt(a.curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        }
        int refused = 0;
        for (size_t i = 0; i < a.nfiles && rc != APPLY_UNREACHABLE; i++) {
            int r = apply_one(&a, &a.files[i]);
            if (r == APPLY_REFUSED) refused = 1;
            else if (r) rc = r;
        }
        if (!rc && a.prune) {
            int r = prune(&a);
            if (r == APPLY_REFUSED) refused = 1;
            else rc = r;
        }
        if (!rc && refused) rc = APPLY_REFUSED;
        if (!rc && a.wait_s && !a.dry_run) rc = wait_running(&a);
    }
    if (a.curl) curl_easy_cleanup(a.curl);
    curl_global_cleanup();
    for (size_t i = 0; i < a.nfiles; i++) {
        free(a.files[i].path);
        kc_config_free(&a.files[i].cfg);
    }
    free(a.files);
    free(url);
    kc_strlist_free(&paths);
    return rc;
}
