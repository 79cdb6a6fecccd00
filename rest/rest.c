/* rest.c - Kafka Connect's REST API: routing, request bodies, Connect's status codes and
 * {"error_code","message"} error bodies. Every answer comes from the herder. */
#define _GNU_SOURCE
#include "kc_rest.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_buf.h"
#include "kc_log.h"

#define KCD_VERSION "0.1.0"
#define REST_MAX_BODY (4 * 1024 * 1024)
#define LOGGER "RestServer"

#if MHD_VERSION < 0x00097002
typedef int mhd_result;
#else
typedef enum MHD_Result mhd_result;
#endif

struct kc_rest {
    struct MHD_Daemon *daemon;
    kc_herder *h;
    int port;
    int https;
    char host[256];
    kc_config credentials; /* user -> password, from rest.basic.auth.credentials.file; empty: no auth */
    char *tls_key, *tls_cert; /* PEM, for https:// listeners */
};

typedef struct request {
    kc_buf body;
    int too_large;
} request;

/* rest/openapi.yaml, embedded at build time (cmake/embed.cmake) */
extern const char kc_openapi_yaml[];
extern const unsigned long kc_openapi_yaml_len;

int kc_rest_port(const kc_rest *r) { return r->port; }

/* ---- responses ---------------------------------------------------------------------------- */

static mhd_result send_raw(struct MHD_Connection *c, unsigned status, const char *body, const char *ctype,
                           const char *location) {
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(body ? strlen(body) : 0, (void *)(body ? body : ""), MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    if (body) MHD_add_response_header(resp, "Content-Type", ctype);
    if (location) MHD_add_response_header(resp, "Location", location);
    mhd_result rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* Sends j (reference taken) as JSON. */
static mhd_result send_json(struct MHD_Connection *c, unsigned status, json_t *j, const char *location) {
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    if (!text) return send_raw(c, 500, "{\"error_code\":500,\"message\":\"out of memory\"}", "application/json", NULL);
    mhd_result rc = send_raw(c, status, text, "application/json", location);
    free(text);
    return rc;
}

static mhd_result send_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static mhd_result send_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return send_json(c, status, json_pack("{s:i, s:s}", "error_code", (int)status, "message", msg), NULL);
}

static mhd_result send_empty(struct MHD_Connection *c, unsigned status) { return send_raw(c, status, NULL, NULL, NULL); }

/* Maps a herder error to Connect's status. */
static mhd_result send_herder_error(struct MHD_Connection *c, int rc, const kc_error *err) {
    unsigned status = rc == KC_ENOTFOUND ? 404 : rc == KC_EEXIST ? 409 : rc == KC_EINVAL || rc == KC_ESTATE ? 400 : 500;
    return send_error(c, status, "%s", err->msg);
}

/* ---- request helpers ---------------------------------------------------------------------- */

static const char *arg(struct MHD_Connection *c, const char *name) {
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

static int arg_bool(struct MHD_Connection *c, const char *name) {
    const char *v = arg(c, name);
    return v && !strcasecmp(v, "true");
}

static int is_json_request(struct MHD_Connection *c) {
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    return ct && !strncasecmp(ct, "application/json", 16);
}

/* Parses the body as a JSON object or sends 400/415; *out NULL means a response was queued. */
static mhd_result parse_body(struct MHD_Connection *c, request *rq, json_t **out, int allow_empty, mhd_result *sent) {
    *out = NULL;
    if (!rq->body.len && allow_empty) return MHD_YES;
    if (!is_json_request(c)) {
        *sent = send_error(c, 415, "HTTP 415 Unsupported Media Type: send Content-Type: application/json");
        return MHD_NO;
    }
    json_error_t jerr;
    json_t *j = json_loadb(rq->body.data ? rq->body.data : "", rq->body.len, 0, &jerr);
    if (!j) {
        *sent = send_error(c, 400, "Invalid JSON in request body: %s at line %d column %d", jerr.text, jerr.line,
                           jerr.column);
        return MHD_NO;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        *sent = send_error(c, 400, "Request body must be a JSON object");
        return MHD_NO;
    }
    *out = j;
    return MHD_YES;
}

/* ---- connectors --------------------------------------------------------------------------- */

static mhd_result invalid_config(struct MHD_Connection *c, kc_herder *h, const kc_config *cfg,
                                 const kc_strlist *problems) {
    const char *cls = kc_config_get(cfg, "connector.class");
    if (cls && !kc_herder_find_connector_plugin(h, cls)) /* Connect answers an unknown class with 500 */
        for (size_t i = 0; i < problems->len; i++)
            if (strstr(problems->items[i], "Failed to find any class")) return send_error(c, 500, "%s", problems->items[i]);
    kc_buf b = KC_BUF_INIT;
    kc_buf_printf(&b, "Connector configuration is invalid and contains the following %zu error(s):\n", problems->len);
    for (size_t i = 0; i < problems->len; i++) kc_buf_printf(&b, "%s\n", problems->items[i]);
    const char *simple = cls ? (strrchr(cls, '.') ? strrchr(cls, '.') + 1 : cls) : "{connectorType}";
    kc_buf_printf(&b, "You can also find the above list of errors at the endpoint "
                      "`/connector-plugins/%s/config/validate`", simple);
    mhd_result rc = send_error(c, 400, "%s", b.data ? b.data : "invalid configuration");
    kc_buf_free(&b);
    return rc;
}

/* Creates or replaces; status 201 + Location when created, else 200. */
static mhd_result put_connector(struct MHD_Connection *c, kc_herder *h, const char *name, kc_config *cfg,
                                kc_target_state initial, int allow_replace) {
    const char *in_cfg = kc_config_get(cfg, "name");
    if (in_cfg && strcmp(in_cfg, name) != 0)
        return send_error(c, 400, "Connector name configuration (%s) doesn't match connector name in the URL (%s)",
                          in_cfg, name);
    if (!in_cfg) kc_config_set(cfg, "name", name);
    if (!kc_config_get(cfg, "connector.class"))
        return send_error(c, 400, "Connector config {%s} contains no connector type", name);
    kc_strlist problems = {0};
    kc_error err;
    int created = 0;
    int rc = kc_herder_put(h, cfg, initial, allow_replace, &created, &problems, &err);
    mhd_result r;
    if (rc == KC_EINVAL && problems.len) r = invalid_config(c, h, cfg, &problems);
    else if (rc) r = send_herder_error(c, rc, &err);
    else {
        char location[1024];
        snprintf(location, sizeof location, "/connectors/%s", name);
        r = send_json(c, created ? 201 : 200, kc_herder_info(h, name), created ? location : NULL);
    }
    kc_strlist_free(&problems);
    return r;
}

static mhd_result post_connectors(struct MHD_Connection *c, kc_herder *h, request *rq) {
    json_t *body;
    mhd_result sent;
    if (!parse_body(c, rq, &body, 0, &sent)) return sent;
    const char *name = json_string_value(json_object_get(body, "name"));
    json_t *config = json_object_get(body, "config");
    const char *initial = json_string_value(json_object_get(body, "initial_state"));
    kc_target_state target = KC_TARGET_STARTED;
    mhd_result r;
    kc_error cerr;
    kc_config cfg = {0};
    if (!name || !*name) r = send_error(c, 400, "Connector name is required");
    else if (!json_is_object(config)) r = send_error(c, 400, "Connector config is required and must be an object");
    else if (json_object_get(body, "initial_state") && !json_is_null(json_object_get(body, "initial_state")) &&
             (kc_target_parse(initial, &target) || !initial))
        r = send_error(c, 400, "Invalid initial_state %s: expected RUNNING, PAUSED or STOPPED", initial ? initial : "");
    else if (kc_config_from_json(config, &cfg, 0, &cerr)) r = send_error(c, 400, "%s", cerr.msg);
    else r = put_connector(c, h, name, &cfg, target, 0);
    kc_config_free(&cfg);
    json_decref(body);
    return r;
}

typedef struct expand_args {
    int status, info;
} expand_args;

static mhd_result collect_expand(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind;
    expand_args *e = cls;
    if (key && value && !strcmp(key, "expand")) { /* repeatable; unknown values are ignored */
        if (!strcmp(value, "status")) e->status = 1;
        if (!strcmp(value, "info")) e->info = 1;
    }
    return MHD_YES;
}

static mhd_result connectors_list(struct MHD_Connection *c, kc_herder *h) {
    expand_args e = {0, 0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_expand, &e);
    int want_status = e.status, want_info = e.info;
    json_t *names = kc_herder_list(h);
    if (!want_status && !want_info) return send_json(c, 200, names, NULL);
    json_t *out = json_object();
    size_t i;
    json_t *n;
    json_array_foreach(names, i, n) {
        const char *name = json_string_value(n);
        json_t *entry = json_object();
        json_t *st = want_status ? kc_herder_status(h, name) : NULL;
        json_t *in = want_info ? kc_herder_info(h, name) : NULL;
        if ((want_status && !st) || (want_info && !in)) { /* deleted meanwhile: skipped */
            json_decref(st);
            json_decref(in);
            json_decref(entry);
            continue;
        }
        if (st) json_object_set_new(entry, "status", st);
        if (in) json_object_set_new(entry, "info", in);
        json_object_set_new(out, name, entry);
    }
    json_decref(names);
    return send_json(c, 200, out, NULL);
}

static mhd_result connector_routes(struct MHD_Connection *c, kc_herder *h, request *rq, const char *method,
                                   char **seg, int nseg) {
    const char *name = seg[1];
    kc_error err;
    int rc;
    if (nseg == 2) {
        if (!strcmp(method, "GET")) {
            json_t *j = kc_herder_info(h, name);
            return j ? send_json(c, 200, j, NULL) : send_error(c, 404, "Connector %s not found", name);
        }
        if (!strcmp(method, "DELETE")) {
            rc = kc_herder_delete(h, name, &err);
            return rc ? send_herder_error(c, rc, &err) : send_empty(c, 204);
        }
        return send_error(c, 405, "HTTP 405 Method Not Allowed");
    }
    const char *what = seg[2];
    if (nseg == 3 && !strcmp(what, "config")) {
        if (!strcmp(method, "GET")) {
            json_t *j = kc_herder_config(h, name);
            return j ? send_json(c, 200, j, NULL) : send_error(c, 404, "Connector %s not found", name);
        }
        if (!strcmp(method, "PUT") || !strcmp(method, "PATCH")) {
            json_t *body;
            mhd_result sent;
            if (!parse_body(c, rq, &body, 0, &sent)) return sent;
            int patch = !strcmp(method, "PATCH");
            kc_config cfg = {0};
            kc_error cerr;
            mhd_result r;
            json_t *current = patch ? kc_herder_config(h, name) : NULL;
            if (patch && !current) {
                r = send_error(c, 404, "Connector %s not found", name);
            } else {
                if (current) kc_config_from_json(current, &cfg, 0, &cerr);
                if (kc_config_from_json(body, &cfg, patch, &cerr)) {
                    r = send_error(c, 400, "%s", cerr.msg);
                } else {
                    /* PATCH: a key set to null is removed */
                    for (size_t i = 0; i < cfg.len;)
                        if (!cfg.items[i].value) kc_config_remove(&cfg, cfg.items[i].key);
                        else i++;
                    r = put_connector(c, h, name, &cfg, KC_TARGET_STARTED, 1);
                }
            }
            json_decref(current);
            json_decref(body);
            kc_config_free(&cfg);
            return r;
        }
        return send_error(c, 405, "HTTP 405 Method Not Allowed");
    }
    if (!kc_herder_exists(h, name)) return send_error(c, 404, "Connector %s not found", name);
    if (nseg == 3 && !strcmp(what, "status") && !strcmp(method, "GET")) {
        json_t *j = kc_herder_status(h, name);
        return j ? send_json(c, 200, j, NULL) : send_error(c, 404, "Connector %s not found", name);
    }
    if (nseg == 3 && !strcmp(what, "restart") && !strcmp(method, "POST")) {
        int include_tasks = arg_bool(c, "includeTasks"), only_failed = arg_bool(c, "onlyFailed");
        json_t *plan = NULL;
        if (include_tasks || only_failed) { /* answer with what is being restarted, as Connect does */
            plan = kc_herder_status(h, name);
            json_t *conn = json_object_get(plan, "connector");
            const char *cs = json_string_value(json_object_get(conn, "state"));
            if (!only_failed || (cs && !strcmp(cs, "FAILED"))) {
                json_object_set_new(conn, "state", json_string("RESTARTING"));
                json_object_del(conn, "trace");
            }
            size_t i;
            json_t *t;
            json_array_foreach(json_object_get(plan, "tasks"), i, t) {
                const char *ts = json_string_value(json_object_get(t, "state"));
                if (include_tasks && (!only_failed || (ts && !strcmp(ts, "FAILED")))) {
                    json_object_set_new(t, "state", json_string("RESTARTING"));
                    json_object_del(t, "trace");
                }
            }
        }
        rc = kc_herder_restart(h, name, include_tasks, only_failed, &err);
        if (rc) {
            json_decref(plan);
            return send_herder_error(c, rc, &err);
        }
        return plan ? send_json(c, 202, plan, NULL) : send_empty(c, 204);
    }
    if (nseg == 3 && !strcmp(method, "PUT") && (!strcmp(what, "pause") || !strcmp(what, "resume") || !strcmp(what, "stop"))) {
        kc_target_state t = !strcmp(what, "pause") ? KC_TARGET_PAUSED : !strcmp(what, "stop") ? KC_TARGET_STOPPED
                                                                                             : KC_TARGET_STARTED;
        rc = kc_herder_set_target(h, name, t, &err);
        if (rc) return send_herder_error(c, rc, &err);
        return send_empty(c, t == KC_TARGET_STOPPED ? 204 : 202);
    }
    if (nseg == 3 && !strcmp(what, "tasks") && !strcmp(method, "GET")) {
        json_t *j = kc_herder_tasks(h, name);
        return j ? send_json(c, 200, j, NULL) : send_error(c, 404, "Connector %s not found", name);
    }
    if (nseg >= 4 && nseg <= 5 && !strcmp(what, "tasks")) {
        char *end;
        long id = strtol(seg[3], &end, 10);
        if (*end || id < 0 || id > 100000) return send_error(c, 404, "Task %s-%s not found", name, seg[3]);
        if (nseg == 5 && !strcmp(seg[4], "status") && !strcmp(method, "GET")) {
            json_t *j = kc_herder_task_status(h, name, (int)id);
            return j ? send_json(c, 200, j, NULL) : send_error(c, 404, "Task %s-%ld not found", name, id);
        }
        if (nseg == 5 && !strcmp(seg[4], "restart") && !strcmp(method, "POST")) {
            rc = kc_herder_restart_task(h, name, (int)id, &err);
            return rc ? send_herder_error(c, rc, &err) : send_empty(c, 204);
        }
        return nseg == 5 && (!strcmp(seg[4], "status") || !strcmp(seg[4], "restart"))
                   ? send_error(c, 405, "HTTP 405 Method Not Allowed")
                   : send_error(c, 404, "HTTP 404 Not Found");
    }
    if (nseg == 3 && !strcmp(what, "topics") && !strcmp(method, "GET")) {
        json_t *j = kc_herder_topics(h, name);
        return j ? send_json(c, 200, j, NULL) : send_error(c, 404, "Connector %s not found", name);
    }
    if (nseg == 4 && !strcmp(what, "topics") && !strcmp(seg[3], "reset") && !strcmp(method, "PUT")) {
        rc = kc_herder_reset_topics(h, name, &err);
        return rc ? send_herder_error(c, rc, &err) : send_empty(c, 202);
    }
    if (nseg == 3 && !strcmp(what, "offsets")) {
        if (!strcmp(method, "GET")) {
            json_t *j = kc_herder_offsets(h, name);
            return j ? send_json(c, 200, j, NULL) : send_error(c, 404, "Connector %s not found", name);
        }
        if (!strcmp(method, "PATCH") || !strcmp(method, "DELETE")) {
            json_t *body = NULL;
            mhd_result sent;
            int patch = !strcmp(method, "PATCH");
            if (patch && !parse_body(c, rq, &body, 0, &sent)) return sent;
            rc = kc_herder_alter_offsets(h, name, body, &err);
            json_decref(body);
            if (rc) return send_herder_error(c, rc, &err);
            return send_json(c, 200,
                             json_pack("{s:s}", "message",
                                       patch ? "The offsets for this connector have been altered successfully"
                                             : "The offsets for this connector have been reset successfully"),
                             NULL);
        }
        return send_error(c, 405, "HTTP 405 Method Not Allowed");
    }
    return send_error(c, 404, "HTTP 404 Not Found");
}

/* ---- plugins, loggers --------------------------------------------------------------------- */

static mhd_result plugin_routes(struct MHD_Connection *c, kc_herder *h, request *rq, const char *method,
                                char **seg, int nseg) {
    if (nseg == 1) {
        if (strcmp(method, "GET")) return send_error(c, 405, "HTTP 405 Method Not Allowed");
        const char *co = arg(c, "connectorsOnly");
        return send_json(c, 200, kc_herder_plugins(h, !co || strcasecmp(co, "false")), NULL);
    }
    if (nseg == 3 && !strcmp(seg[2], "config")) {
        if (strcmp(method, "GET")) return send_error(c, 405, "HTTP 405 Method Not Allowed");
        json_t *j = kc_herder_plugin_config(h, seg[1]);
        return j ? send_json(c, 200, j, NULL) : send_error(c, 404, "Unknown plugin %s.", seg[1]);
    }
    if (nseg == 4 && !strcmp(seg[2], "config") && !strcmp(seg[3], "validate")) {
        if (strcmp(method, "PUT")) return send_error(c, 405, "HTTP 405 Method Not Allowed");
        json_t *body;
        mhd_result sent;
        if (!parse_body(c, rq, &body, 0, &sent)) return sent;
        kc_config cfg = {0};
        kc_error cerr;
        mhd_result r;
        const char *cls = json_string_value(json_object_get(body, "connector.class"));
        size_t cl = cls ? strlen(cls) : 0, pl = strlen(seg[1]);
        if (kc_config_from_json(body, &cfg, 0, &cerr)) {
            r = send_error(c, 400, "%s", cerr.msg);
        } else if (cls && (cl < pl || strcmp(cls + cl - pl, seg[1]) != 0)) {
            r = send_error(c, 400, "Connector class %s does not match the plugin %s in the URL", cls, seg[1]);
        } else {
            if (!cls) kc_config_set(&cfg, "connector.class", seg[1]);
            json_t *j = kc_herder_validate(h, seg[1], &cfg);
            r = j ? send_json(c, 200, j, NULL) : send_error(c, 404, "Unknown plugin %s.", seg[1]);
        }
        kc_config_free(&cfg);
        json_decref(body);
        return r;
    }
    return send_error(c, 404, "HTTP 404 Not Found");
}

static void logger_entry(const char *name, kc_log_level level, int64_t modified, void *arg) {
    json_t *entry = json_pack("{s:s}", "level", kc_log_level_name(level));
    json_object_set_new(entry, "last_modified", modified ? json_integer(modified) : json_null());
    json_object_set_new(arg, name, entry);
}

static mhd_result logger_routes(struct MHD_Connection *c, request *rq, const char *method, char **seg, int nseg) {
    if (nseg == 2) {
        if (strcmp(method, "GET")) return send_error(c, 405, "HTTP 405 Method Not Allowed");
        json_t *all = json_object();
        kc_log_each(logger_entry, all);
        return send_json(c, 200, all, NULL);
    }
    if (nseg != 3) return send_error(c, 404, "HTTP 404 Not Found");
    const char *name = seg[2];
    if (!strcmp(method, "GET")) {
        kc_log_level level;
        int64_t modified;
        if (kc_log_get_named(name, &level, &modified)) return send_error(c, 404, "Logger %s not found.", name);
        json_t *j = json_object();
        logger_entry(name, level, modified, j);
        json_t *entry = json_incref(json_object_get(j, name));
        json_decref(j);
        return send_json(c, 200, entry, NULL);
    }
    if (!strcmp(method, "PUT")) {
        json_t *body;
        mhd_result sent;
        if (!parse_body(c, rq, &body, 0, &sent)) return sent;
        const char *lv = json_string_value(json_object_get(body, "level"));
        kc_log_level level;
        mhd_result r;
        if (!lv) r = send_error(c, 400, "The request body must specify a log level");
        else if (kc_log_parse_level(lv, &level)) r = send_error(c, 404, "invalid log level '%s'.", lv);
        else if (kc_log_set_named(name, level)) r = send_error(c, 400, "Too many loggers");
        else {
            KC_INFO(LOGGER, "Log level of %s set to %s", name, kc_log_level_name(level));
            const char *scope = arg(c, "scope");
            r = scope && !strcasecmp(scope, "cluster") ? send_empty(c, 204)
                                                       : send_json(c, 200, json_pack("[s]", name), NULL);
        }
        json_decref(body);
        return r;
    }
    return send_error(c, 405, "HTTP 405 Method Not Allowed");
}

/* ---- dispatch ----------------------------------------------------------------------------- */

static mhd_result dispatch(kc_rest *r, struct MHD_Connection *c, const char *url, const char *method, request *rq) {
    char path[2048];
    snprintf(path, sizeof path, "%s", url);
    char *seg[8];
    int nseg = 0;
    for (char *save = NULL, *p = strtok_r(path, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
        if (nseg == 8) return send_error(c, 404, "HTTP 404 Not Found");
        seg[nseg++] = p;
    }
    kc_herder *h = r->h;
    if (nseg == 0) {
        if (strcmp(method, "GET")) return send_error(c, 405, "HTTP 405 Method Not Allowed");
        const char *cluster = kc_herder_cluster_id(h);
        return send_json(c, 200, json_pack("{s:s, s:s, s:o}", "version", KCD_VERSION, "commit", "kcd",
                                           "kafka_cluster_id", cluster ? json_string(cluster) : json_null()),
                         NULL);
    }
    if (nseg == 1 && !strcmp(seg[0], "openapi.yaml")) {
        if (strcmp(method, "GET")) return send_error(c, 405, "HTTP 405 Method Not Allowed");
        return send_raw(c, 200, kc_openapi_yaml, "application/yaml", NULL);
    }
    if (nseg == 1 && !strcmp(seg[0], "health")) {
        if (strcmp(method, "GET")) return send_error(c, 405, "HTTP 405 Method Not Allowed");
        return send_json(c, 200, json_pack("{s:s, s:s}", "status", "healthy", "message",
                                           "Worker has completed startup and is ready to handle requests."), NULL);
    }
    if (!strcmp(seg[0], "connectors")) {
        if (nseg == 1) {
            if (!strcmp(method, "GET")) return connectors_list(c, h);
            if (!strcmp(method, "POST")) return post_connectors(c, h, rq);
            return send_error(c, 405, "HTTP 405 Method Not Allowed");
        }
        return connector_routes(c, h, rq, method, seg, nseg);
    }
    if (!strcmp(seg[0], "connector-plugins")) return plugin_routes(c, h, rq, method, seg, nseg);
    if (!strcmp(seg[0], "admin") && nseg >= 2 && !strcmp(seg[1], "loggers")) return logger_routes(c, rq, method, seg, nseg);
    return send_error(c, 404, "HTTP 404 Not Found");
}

#define UNAUTHORIZED_BODY "{\"error_code\":401,\"message\":\"Credentials are required (HTTP basic authentication)\"}"

/* Constant-time: how long a comparison takes says nothing about the password. */
static int same_secret(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < la; i++) diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    return diff == 0;
}

static int authorized(kc_rest *r, struct MHD_Connection *c) {
    char *pass = NULL;
    char *user = MHD_basic_auth_get_username_password(c, &pass);
    const char *want = user ? kc_config_get(&r->credentials, user) : NULL;
    int ok = want && pass && same_secret(pass, want);
    if (user) MHD_free(user);
    if (pass) MHD_free(pass);
    return ok;
}

static mhd_result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                             const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    (void)version;
    kc_rest *r = cls;
    request *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq) return MHD_NO;
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_size) {
        if (rq->body.len + *upload_size > REST_MAX_BODY) rq->too_large = 1;
        else kc_buf_append(&rq->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->credentials.len && !authorized(r, c)) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(
            strlen(UNAUTHORIZED_BODY), (void *)UNAUTHORIZED_BODY, MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, "Content-Type", "application/json");
        MHD_add_response_header(resp, "WWW-Authenticate", "Basic realm=\"kcd\"");
        mhd_result rc = MHD_queue_response(c, 401, resp);
        MHD_destroy_response(resp);
        return rc;
    }
    if (rq->too_large) return send_error(c, 413, "Request body larger than %d bytes", REST_MAX_BODY);
    if (rq->body.failed) return send_error(c, 500, "out of memory");
    KC_DEBUG(LOGGER, "%s %s", method, url);
    return dispatch(r, c, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
    (void)cls, (void)c, (void)toe;
    request *rq = *con_cls;
    if (rq) {
        kc_buf_free(&rq->body);
        free(rq);
    }
    *con_cls = NULL;
}

/* Every PEM block of `kind` ("PRIVATE KEY" also matches "RSA PRIVATE KEY", "EC PRIVATE KEY"). */
static char *pem_blocks(const char *pem, const char *kind) {
    kc_buf b = KC_BUF_INIT;
    const char *p = pem;
    while ((p = strstr(p, "-----BEGIN "))) {
        const char *label_end = strstr(p + 11, "-----");
        if (!label_end) break;
        char endmark[128];
        snprintf(endmark, sizeof endmark, "-----END %.*s-----", (int)(label_end - (p + 11)), p + 11);
        const char *end = strstr(label_end, endmark);
        if (!end) break;
        end += strlen(endmark);
        int label_len = (int)(label_end - (p + 11));
        int klen = (int)strlen(kind);
        if (label_len >= klen && !strncmp(label_end - klen, kind, (size_t)klen)) {
            kc_buf_append(&b, p, (size_t)(end - p));
            kc_buf_putc(&b, '\n');
        }
        p = end;
    }
    return b.len ? kc_buf_detach(&b) : (kc_buf_free(&b), NULL);
}

/* Basic authentication credentials and the TLS key and certificate. */
static int rest_security(kc_rest *r, const kc_config *cfg, kc_error *err) {
    const char *creds = kc_config_get(cfg, "rest.basic.auth.credentials.file");
    if (creds && *creds) {
        if (kc_props_load(creds, &r->credentials, err)) return KC_EINVAL;
        if (!r->credentials.len)
            return kc_error_set(err, KC_EINVAL, "rest.basic.auth.credentials.file %s holds no user", creds);
    }
    if (!r->https) return KC_OK;
    const char *store = kc_config_get(cfg, "listeners.https.ssl.keystore.location");
    if (!store) store = kc_config_get(cfg, "ssl.keystore.location");
    const char *type = kc_config_get(cfg, "listeners.https.ssl.keystore.type");
    if (!type) type = kc_config_get(cfg, "ssl.keystore.type");
    if (!store) return kc_error_set(err, KC_EINVAL, "An https:// listener needs listeners.https.ssl.keystore.location "
                                                    "(a PEM file with the private key and certificate chain)");
    if (type && strcasecmp(type, "PEM"))
        return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration listeners.https.ssl.keystore.type: kcd "
                                            "reads PEM keystores", type);
    char *pem;
    size_t pem_len;
    if (kc_read_file(store, &pem, &pem_len, err)) return KC_EIO;
    r->tls_key = pem_blocks(pem, "PRIVATE KEY");
    r->tls_cert = pem_blocks(pem, "CERTIFICATE");
    free(pem);
    if (!r->tls_key || !r->tls_cert)
        return kc_error_set(err, KC_EINVAL, "keystore %s must hold an unencrypted PEM private key and a certificate",
                            store);
    return KC_OK;
}

kc_rest *kc_rest_start(kc_herder *h, const kc_config *worker_cfg, kc_error *err) {
    kc_rest *r = calloc(1, sizeof *r);
    if (!r) {
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    r->h = h;
    kc_strlist listeners = {0};
    kc_list_split(kc_config_get(worker_cfg, "listeners"), &listeners);
    const char *l = listeners.len ? listeners.items[0] : "http://127.0.0.1:8083";
    char listener[512];
    snprintf(listener, sizeof listener, "%s", l);
    kc_strlist_free(&listeners);
    l = listener;
    const char *hp;
    if (!strncmp(l, "http://", 7)) {
        hp = l + 7;
    } else if (!strncmp(l, "https://", 8)) {
        hp = l + 8;
        r->https = 1;
    } else {
        kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration listeners: expected http:// or https://", l);
        free(r);
        return NULL;
    }
    const char *colon = strrchr(hp, ':');
    snprintf(r->host, sizeof r->host, "%.*s", colon ? (int)(colon - hp) : (int)strlen(hp), hp);
    int port = colon ? atoi(colon + 1) : 8083;
    if (rest_security(r, worker_cfg, err)) {
        kc_rest_stop(r);
        return NULL;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (!*r->host) addr.sin_addr.s_addr = htonl(INADDR_ANY); /* "http://:8083" binds every interface, as Connect */
    else if (!strcmp(r->host, "localhost")) addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, r->host, &addr.sin_addr) != 1) {
        kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration listeners: host must be an IPv4 address", l);
        kc_rest_stop(r);
        return NULL;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
    if (r->https)
        r->daemon = MHD_start_daemon(flags | MHD_USE_TLS, (uint16_t)port, NULL, NULL,
                                     (MHD_AccessHandlerCallback)on_request, r, MHD_OPTION_SOCK_ADDR,
                                     (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, r,
                                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_CONNECTION_LIMIT,
                                     (unsigned)256, MHD_OPTION_HTTPS_MEM_KEY, r->tls_key, MHD_OPTION_HTTPS_MEM_CERT,
                                     r->tls_cert, MHD_OPTION_END);
    else
        r->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, (MHD_AccessHandlerCallback)on_request, r,
                                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED,
                                     on_completed, r, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                                     MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_END);
    if (!r->daemon) {
        kc_error_set(err, KC_EIO, "cannot listen on %s (address in use%s?)", l,
                     r->https ? ", or a bad certificate or key" : "");
        kc_rest_stop(r);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->daemon, MHD_DAEMON_INFO_BIND_PORT);
    r->port = info ? info->port : port;
    KC_INFO(LOGGER, "REST server listening on %s://%s:%d%s", r->https ? "https" : "http",
            *r->host ? r->host : "0.0.0.0", r->port, r->credentials.len ? " (basic authentication)" : "");
    return r;
}

void kc_rest_stop(kc_rest *r) {
    if (!r) return;
    if (r->daemon) MHD_stop_daemon(r->daemon);
    kc_config_free(&r->credentials);
    free(r->tls_key);
    free(r->tls_cert);
    free(r);
}
