/* A test source ("idle-source") whose connector runs and generates no task: it lets the REST
 * fuzz target and the herder's out-of-memory test create, reconfigure, pause, stop and validate
 * real connectors without any task thread or Kafka client. Its settings cover the kinds the
 * router and validation handle: a password, a host path, a bounded int, an enum, and one
 * cross-key rule; hold.descriptors makes the connector hold that many open descriptors (the
 * security tests' stand-in for a worker with many clients and files). */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <kc/kc_plugin.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const kc_host_api *host;

static const char *const modes[] = {"one", "two", NULL};
static const kc_config_def config[] = {
    {"secret", KC_CFG_PASSWORD, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL, "A password", NULL, NULL},
    {"path", KC_CFG_STRING, NULL, KC_CFG_F_HOST_PATH, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL, "A host file", NULL, NULL},
    {"level", KC_CFG_INT, "1", KC_CFG_F_HAS_MIN | KC_CFG_F_HAS_MAX, 0, 9, NULL, KC_IMPORTANCE_LOW, NULL, "0-9", NULL,
     NULL},
    {"mode", KC_CFG_ENUM, "one", 0, 0, 0, modes, KC_IMPORTANCE_LOW, NULL, "one or two", NULL, NULL},
    {"hold.descriptors", KC_CFG_INT, "0", KC_CFG_F_HAS_MIN | KC_CFG_F_HAS_MAX, 0, 100000, NULL, KC_IMPORTANCE_LOW,
     NULL, "Descriptors the connector keeps open while it runs", NULL, NULL},
    KC_CONFIG_END,
};

static int init(const kc_host_api *h, kc_error *err) {
    (void)err;
    host = h;
    return KC_OK;
}

static int validate(const kc_config *cfg, kc_error *err) {
    const char *mode = host->config_get(cfg, "mode");
    if (mode && !strcmp(mode, "two") && !host->config_get(cfg, "path"))
        return kc_error_set(err, KC_EINVAL, "mode=two needs path");
    return KC_OK;
}

typedef struct connector {
    int *fds;
    int64_t nfds;
} connector;

static void connector_stop(void *state) {
    connector *c = state;
    for (int64_t i = 0; c && i < c->nfds; i++) close(c->fds[i]);
    if (c) free(c->fds);
    free(c);
}

static int connector_start(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err) {
    (void)ctx;
    connector *c = calloc(1, sizeof *c);
    int64_t n = 0;
    host->config_get_long(cfg, "hold.descriptors", &n);
    if (!c || (n && !(c->fds = calloc((size_t)n, sizeof *c->fds)))) {
        free(c);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    for (; c->nfds < n; c->nfds++)
        if ((c->fds[c->nfds] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) break;
    if (c->nfds < n) {
        kc_error_set(err, KC_ERETRY, "idle-source: could open only %lld descriptors", (long long)c->nfds);
        connector_stop(c);
        return KC_ERETRY;
    }
    *state = c;
    return KC_OK;
}

static int no_tasks(void *state, int max_tasks, kc_config *out, int *n, kc_error *err) {
    (void)state, (void)max_tasks, (void)out, (void)err;
    *n = 0;
    return KC_OK;
}

static int task_start(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err) {
    (void)cfg, (void)ctx, (void)state;
    return kc_error_set(err, KC_EFATAL, "idle-source has no tasks");
}

static int task_poll(void *state, kc_records *out, int timeout_ms, kc_error *err) {
    (void)state, (void)out, (void)timeout_ms, (void)err;
    return KC_OK;
}

static void task_stop(void *state) { (void)state; }

static const kc_connector_ops connector_ops = {validate, connector_start, no_tasks, connector_stop};
static const kc_source_task_ops task_ops = {task_start, task_poll, NULL, NULL, task_stop};
static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER, KC_PLUGIN_SOURCE, "idle-source", "1.0.0", "test source with no tasks",
    (const char *const[]){"com.example.kcd.IdleSourceConnector", NULL},
    config, init, &connector_ops, &task_ops, NULL, NULL, NULL, NULL, 0,
};
KC_PLUGIN_DEFINE(desc)
