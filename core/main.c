/* main.c - the kcd command line: standalone mode and plugin listing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <curl/curl.h>

#include "kc_buf.h"
#include "kc_distributed.h"
#include "kc_group_security.h"
#include "kc_herder.h"
#include "kc_log.h"
#include "kc_offset_topic.h"
#include "kc_topic_log.h"
#include "kc_worker_int.h"
#include "kc_rest.h"
#include "kc_apply.h"

#ifdef KC_WITH_JEMALLOC
/* jemalloc's options, read at its start (MALLOC_CONF in the environment comes after, and wins).
 * Its defaults (4 arenas a core, freed pages kept 10 s) held a file pipeline at 98 MiB of peak
 * RSS; with 2 arenas, none kept lazily and freed pages given back within 100 ms, 45 MiB at the
 * same speed (bench/file_pipeline.sh; within 1 s: 54 MiB, and the PostgreSQL bench's CPU was
 * the same either way), and an idle worker returns what a burst took. */
__attribute__((visibility("default"))) const char *malloc_conf = "narenas:2,dirty_decay_ms:100,muzzy_decay_ms:0";
#endif

#define KCD_VERSION "0.1.0"
#define EXIT_CONFIG 2

static void usage(FILE *out) {
    fprintf(out,
            "kcd %s - a native Kafka Connect worker\n\n"
            "usage:\n"
            "  kcd standalone WORKER.properties [CONNECTOR.properties|CONNECTOR.json ...]\n"
            "  kcd distributed WORKER.properties\n"
            "  kcd plugins [--plugin-path DIR[,DIR...]] [--config PLUGIN]\n"
            "  kcd transform CONNECTOR.json|.properties [--input RECORDS.jsonl] [--plugin-path DIR[,DIR...]]\n"
            "  kcd apply PATH... [--url URL] [--user USER:PASSWORD] [--dry-run] [--prune] [--wait[=SECONDS]]\n"
            "  kcd version\n",
            KCD_VERSION);
}

static void print_list(const char *what, const kc_strlist *l, kc_log_level level) {
    for (size_t i = 0; i < l->len; i++) {
        if (level == KC_LOG_ERROR) fprintf(stderr, "kcd: %s: %s\n", what, l->items[i]);
        else kc_log(level, "Config", "%s: %s", what, l->items[i]);
    }
    if (l->failed) fprintf(stderr, "kcd: %s: out of memory while checking it\n", what);
}

/* A plugin's settings as a Markdown table, from its config definitions (the READMEs' tables). */
static void print_config_table(const kc_plugin_desc *d) {
    static const char *const importance[] = {"high", "medium", "low"};
    printf("| key | type | default | importance | description |\n| --- | --- | --- | --- | --- |\n");
    for (const kc_config_def *c = d->config; c && c->name; c++) {
        const char *def = c->flags & KC_CFG_F_REQUIRED ? "required" : c->default_value ? c->default_value : "null";
        int plain = !*def || !c->default_value; /* "", required, null */
        printf("| `%s%s` | %s | %s%s%s | %s | %s", c->name, c->flags & KC_CFG_F_PREFIX ? "*" : "",
               kc_config_type_name(c->type), plain ? "" : "`",
               *def ? def : "\"\"", plain ? "" : "`", importance[c->importance], c->doc ? c->doc : "");
        if (c->enum_values) {
            printf(" (");
            for (const char *const *e = c->enum_values; *e; e++) printf("%s%s", e == c->enum_values ? "" : ", ", *e);
            printf(")");
        }
        printf(" |\n");
    }
}

static int cmd_plugins(int argc, char **argv) {
    const char *path = NULL, *config_of = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--plugin-path") == 0 && i + 1 < argc) path = argv[++i];
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) config_of = argv[++i];
    }
    kc_config cfg = {0};
    kc_strlist problems = {0};
    if (path && kc_config_set(&cfg, "plugin.path", path)) kc_note(&problems, "out of memory");
    kc_worker w;
    kc_worker_init(&w, &cfg, &problems);
    print_list("plugins", &problems, KC_LOG_ERROR);
    if (config_of) {
        const kc_plugin *p = kc_registry_find(&w.registry, config_of, 0);
        if (p) print_config_table(p->desc);
        else { /* the names that hold what was asked ("pcap": pcap-source) */
            kc_buf like = KC_BUF_INIT;
            for (size_t i = 0; i < w.registry.len; i++)
                if (strcasestr(w.registry.items[i].desc->name, config_of))
                    kc_buf_printf(&like, "%s%s", like.len ? ", " : "", w.registry.items[i].desc->name);
            fprintf(stderr, "kcd: no plugin named %s%s%s (kcd plugins lists them all)\n", config_of,
                    like.len ? "; did you mean " : "", like.len ? like.data : "");
            kc_buf_free(&like);
        }
        int rc = p ? 0 : 2;
        kc_strlist_free(&problems);
        kc_worker_free(&w);
        kc_config_free(&cfg);
        return rc;
    }
    printf("%-22s %-16s %-8s %s\n", "NAME", "KIND", "VERSION", "ALIASES");
    for (size_t i = 0; i < w.registry.len; i++) {
        const kc_plugin_desc *d = w.registry.items[i].desc;
        printf("%-22s %-16s %-8s ", d->name, kc_plugin_kind_name(d->kind), d->version ? d->version : "-");
        for (const char *const *a = d->aliases; a && *a; a++) printf("%s%s", a == d->aliases ? "" : ", ", *a);
        printf("\n");
    }
    int rc = kc_problems_found(&problems) ? 1 : 0;
    kc_strlist_free(&problems);
    kc_worker_free(&w);
    kc_config_free(&cfg);
    return rc;
}

/* Loads and checks the worker config (with the mode's own check, may be NULL), then starts the
 * worker (*ready set once it must be freed): 0, or the exit status, every problem printed. */
static int worker_setup(const char *path, kc_config *wcfg, void (*mode_check)(const kc_config *, kc_strlist *),
                        kc_worker *w, int *ready) {
    kc_error err;
    kc_strlist problems = {0}, warnings = {0};
    int status = 0;
    if (kc_props_load(path, wcfg, &err)) {
        fprintf(stderr, "kcd: worker config: %s\n", err.msg);
        return EXIT_CONFIG;
    }
    kc_worker_config_check(wcfg, &problems, &warnings);
    if (mode_check) mode_check(wcfg, &problems);
    print_list(path, &warnings, KC_LOG_WARN);
    if (!kc_problems_found(&problems)) {
        kc_worker_init(w, wcfg, &problems);
        w->leave_static_member = kc_static_member_leave; /* sink tasks' static members leave on a stop */
        *ready = 1;
    }
    if (kc_problems_found(&problems)) {
        print_list(path, &problems, KC_LOG_ERROR);
        status = EXIT_CONFIG;
    }
    kc_strlist_free(&problems);
    kc_strlist_free(&warnings);
    return status;
}

/* The REST listener, bound before any connector starts: a second kcd on a port in use stops
 * here, before it runs anything. NULL (the herder freed, the message printed) when it cannot. */
static kc_rest *start_rest(kc_herder *herder, kc_worker *w) {
    kc_error err;
    kc_rest *rest = kc_rest_start(herder, &w->config, &err);
    if (!rest) {
        fprintf(stderr, "kcd: REST server: %s\n", err.msg);
        kc_herder_free(herder);
    }
    return rest;
}

/* Serves REST until SIGINT or SIGTERM, then stops everything (the herder freed) and stores the
 * offsets of what was delivered. */
static int serve(kc_herder *herder, kc_rest *rest, kc_worker *w, const sigset_t *sigs, const char *doing) {
    kc_error err;
    int sig = 0;
    sigwait(sigs, &sig);
    KC_INFO("Worker", "Received %s, %s (graceful timeout %lld ms)", sig == SIGINT ? "SIGINT" : "SIGTERM", doing,
            (long long)w->shutdown_timeout_ms);
    kc_rest_stop(rest);
    kc_herder_free(herder);
    if (kc_offset_store_flush(w->offsets, &err)) KC_ERROR("Worker", "%s", err.msg);
    KC_INFO("Worker", "kcd stopped");
    return 0;
}

/* Blocks SIGINT and SIGTERM in every thread (they are waited for), before any thread exists. */
static sigset_t block_signals(void) {
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    return sigs;
}

/* Takes <path>.lock (flock, held until exit, with this pid in it; its name in lock[4096]): -1
 * with the message printed, naming the other process, when another kcd holds it. */
static int lock_offsets(const char *path, char *lock) {
    snprintf(lock, 4096, "%s.lock", path);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "kcd: offset.storage.file.filename: cannot open %s: %s\n", lock, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        fprintf(stderr, "kcd: offset.storage.file.filename %s is in use by another kcd (pid %s, holding %s): one "
                        "worker per offsets file\n", path, *pid ? pid : "unknown", lock);
        close(fd);
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n)
        KC_WARN("Worker", "cannot write this pid into %s: %s", lock, strerror(errno));
    return fd;
}

static int cmd_standalone(int argc, char **argv) {
    if (argc < 1) {
        usage(stderr);
        return EXIT_CONFIG;
    }
    int status = 0, offsets_lock = -1;
    kc_error err;
    kc_config wcfg = {0};
    kc_worker w;
    int worker_ready = 0;
    kc_config *conn_cfgs = calloc((size_t)argc, sizeof *conn_cfgs);
    const kc_plugin **plugins = calloc((size_t)argc, sizeof *plugins);
    const char *offsets_file = NULL;
    if (!conn_cfgs || !plugins) {
        fprintf(stderr, "kcd: out of memory\n");
        status = 1;
        goto out;
    }
    if ((status = worker_setup(argv[0], &wcfg, NULL, &w, &worker_ready))) goto out;
    /* Check every connector config before starting anything. */
    for (int i = 1; i < argc; i++) {
        kc_strlist cp = {0}, cw = {0};
        if (kc_connector_file_load(argv[i], &conn_cfgs[i], &err)) {
            fprintf(stderr, "kcd: connector config: %s\n", err.msg);
            status = EXIT_CONFIG;
            continue;
        }
        /* check a copy: the raw config (providers unresolved) is what REST shows and keeps */
        kc_config checked = {0};
        if (kc_config_copy(&checked, &conn_cfgs[i])) kc_note(&cp, "out of memory");
        else kc_connector_config_check(&w, &checked, &plugins[i], NULL, &cp, &cw);
        kc_config_free(&checked);
        print_list(argv[i], &cw, KC_LOG_WARN);
        print_list(argv[i], &cp, KC_LOG_ERROR);
        if (kc_problems_found(&cp)) status = EXIT_CONFIG;
        for (int j = 1; j < i && !kc_problems_found(&cp); j++) {
            const char *a = kc_config_get(&conn_cfgs[i], "name"), *b = kc_config_get(&conn_cfgs[j], "name");
            if (a && b && strcmp(a, b) == 0) {
                fprintf(stderr, "kcd: %s: Connector %s already exists (also in %s)\n", argv[i], a, argv[j]);
                status = EXIT_CONFIG;
            }
        }
        kc_strlist_free(&cp);
        kc_strlist_free(&cw);
    }
    if (status) goto out;

    offsets_file = kc_config_get(&wcfg, "offset.storage.file.filename");
    /* one worker per offsets file (and the connector store beside it): a second would run the
     * same connectors from the same offsets */
    char lock_path[4096], *lock_real = NULL;
    if (offsets_file && (offsets_lock = lock_offsets(offsets_file, lock_path)) < 0) {
        status = EXIT_CONFIG;
        goto out;
    }
    /* the offsets file is this worker's, one at a time: its sink tasks' static group members are
     * named after it, so a restart takes their places at once (no file: dynamic members) */
    if (offsets_file) lock_real = realpath(lock_path, NULL); /* it exists now: its real path is stable */
    kc_worker_set_static_member_key(&w, lock_real ? lock_real : offsets_file);
    free(lock_real);
    int offsets_on_topic = kc_worker_exactly_once(&wcfg);
    if (!offsets_file && !offsets_on_topic)
        KC_WARN("Worker", "No offset.storage.file.filename: source offsets are kept in memory only");
    /* exactly-once: source offsets live on the offsets topic, written in each transaction */
    w.offsets = kc_offset_store_open(offsets_on_topic ? NULL : offsets_file, &err);
    if (!w.offsets) {
        fprintf(stderr, "kcd: %s\n", err.msg);
        status = 1;
        goto out;
    }
    if (kc_worker_connect_kafka(&w, &err)) {
        fprintf(stderr, "kcd: %s\n", err.msg);
        status = 1;
        goto out;
    }
    if (offsets_on_topic) {
        kc_offset_store_set_writer(w.offsets, kc_offset_topic_write, &w);
        if (kc_offset_topic_create(&w, &err) || kc_offset_topic_read(&w, NULL, 0, 60000, w.offsets, &err)) {
            fprintf(stderr, "kcd: exactly-once source support: offsets topic %s: %s\n", kc_offset_topic_name(&w),
                    err.msg);
            status = 1;
            goto out;
        }
        KC_INFO("Worker", "Exactly-once source support enabled: source offsets on topic %s",
                kc_offset_topic_name(&w));
    }
    /* Signals go to this thread only: block them before any task thread exists. */
    sigset_t sigs = block_signals();
    KC_INFO("Worker", "kcd %s standalone worker starting, Kafka at %s", KCD_VERSION, w.bootstrap);
    /* Connectors created or changed over REST are kept beside the offsets. */
    char *store = NULL;
    if (offsets_file && asprintf(&store, "%s.connectors", offsets_file) < 0) store = NULL;
    kc_herder *herder = kc_herder_new(&w, store, &err);
    free(store);
    if (!herder) {
        fprintf(stderr, "kcd: %s\n", err.msg);
        status = 1;
        goto out;
    }
    kc_rest *rest = start_rest(herder, &w);
    if (!rest) {
        status = 1;
        goto out;
    }
    kc_strlist store_problems = {0};
    char *given_used = calloc((size_t)argc, 1);
    kc_herder_load_store(herder, conn_cfgs + 1, argc - 1, given_used ? given_used + 1 : NULL, &store_problems);
    print_list("connector store", &store_problems, KC_LOG_ERROR);
    kc_strlist_free(&store_problems);
    for (int i = 1; i < argc; i++) {
        if (given_used && given_used[i]) continue; /* started by the store with this config */
        int created;
        kc_strlist cp = {0};
        if (kc_herder_put(herder, &conn_cfgs[i], KC_TARGET_STARTED, 1, &created, &cp, &err))
            KC_ERROR("Worker", "Failed to start connector from %s: %s", argv[i], cp.len ? cp.items[0] : err.msg);
        kc_strlist_free(&cp);
    }
    free(given_used);
    status = serve(herder, rest, &w, &sigs, "stopping");
out:
    if (worker_ready) kc_worker_free(&w);
    for (int i = 0; conn_cfgs && i < argc; i++) kc_config_free(&conn_cfgs[i]);
    free(conn_cfgs);
    free(plugins);
    kc_config_free(&wcfg);
    if (offsets_lock >= 0) close(offsets_lock); /* the lock goes with it */
    return status;
}

/* Connect's connect-distributed: the worker joins group.id and runs its share of the
 * connectors the config topic holds; offsets, configs and statuses live in Kafka only. */
static int cmd_distributed(int argc, char **argv) {
    if (argc != 1) {
        usage(stderr);
        return EXIT_CONFIG;
    }
    int status = 0, worker_ready = 0;
    kc_topic_writer *offsets_writer = NULL;
    kc_error err;
    kc_config wcfg = {0};
    kc_worker w;
    if ((status = worker_setup(argv[0], &wcfg, kc_distributed_config_check, &w, &worker_ready))) goto out;
    sigset_t sigs = block_signals();
    /* source offsets: the offsets topic, read whole now, written at each flush */
    w.offsets = kc_offset_store_open(NULL, &err);
    if (!w.offsets || kc_worker_connect_kafka(&w, &err)) {
        fprintf(stderr, "kcd: %s\n", err.msg);
        status = 1;
        goto out;
    }
    static const char *const offsets_settings[] = {"message.timeout.ms", "30000", NULL};
    if (kc_offset_topic_create(&w, &err) || kc_offset_topic_read(&w, NULL, 0, 60000, w.offsets, &err) ||
        !(offsets_writer = kc_topic_writer_new(&w, kc_offset_topic_name(&w), "kcd-offsets-writer", offsets_settings, &err))) {
        fprintf(stderr, "kcd: offset.storage.topic %s: %s\n", kc_offset_topic_name(&w), err.msg);
        status = 1;
        goto out;
    }
    kc_offset_store_set_writer(w.offsets, kc_topic_writer_write_fn, offsets_writer);
    KC_INFO("Worker", "kcd %s distributed worker starting, Kafka at %s, group %s", KCD_VERSION, w.bootstrap,
            kc_config_get(&wcfg, "group.id"));
    kc_herder *herder = kc_distributed_herder_new(&w, &err);
    if (!herder) {
        fprintf(stderr, "kcd: %s\n", err.msg);
        status = 1;
        goto out;
    }
    kc_rest *rest = start_rest(herder, &w);
    if (!rest) {
        status = 1;
        goto out;
    }
    status = serve(herder, rest, &w, &sigs, "leaving the group and stopping");
out:
    if (worker_ready) kc_worker_free(&w); /* before the writer its offset store may call */
    kc_topic_writer_free(offsets_writer);
    kc_config_free(&wcfg);
    return status;
}

int kc_cmd_transform(int argc, char **argv);

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return EXIT_CONFIG;
    }
    if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) && strcmp(argv[1], "apply")) {
        usage(stdout); /* help asked for is an answer, not an error */
        return 0;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread: REST forwarding and apply use it */
    /* mongo-c-driver (the MongoDB plugin's) allocates statistics counters in /dev/shm/mongoc-<pid>
     * from a constructor when the plugin is loaded, before the plugin's init can say otherwise; a
     * killed kcd leaves the file behind and a later process given the same pid warns on stderr,
     * outside kcd's log. kcd reads none of them. Set here, before dlopen and before any thread. */
    setenv("MONGOC_DISABLE_SHM", "1", 0);
    if (strcmp(argv[1], "standalone") == 0 || strcmp(argv[1], "distributed") == 0) {
        /* a worker holds a descriptor per REST connection, Kafka socket and file: take what the
         * hard limit allows (the REST connection limit is sized from it) */
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
        return argv[1][0] == 's' ? cmd_standalone(argc - 2, argv + 2) : cmd_distributed(argc - 2, argv + 2);
    }
    if (strcmp(argv[1], "plugins") == 0) return cmd_plugins(argc - 2, argv + 2);
    if (strcmp(argv[1], "transform") == 0) return kc_cmd_transform(argc - 2, argv + 2);
    if (strcmp(argv[1], "apply") == 0) return kc_cmd_apply(argc - 2, argv + 2);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("kcd %s (plugin ABI %d.%d)\n", KCD_VERSION, KC_ABI_MAJOR, KC_ABI_MINOR);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "kcd: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_CONFIG;
}
