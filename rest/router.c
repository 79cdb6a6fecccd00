/* router.c - Kafka Connect's REST API without the transport: routing, request bodies, Connect's
 * status codes and {"error_code","message"} error bodies. Every answer comes from the herder.
 * server.c feeds it requests from libmicrohttpd; the fuzz target feeds it bytes. */
#define _GNU_SOURCE
#include "kc_rest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_buf.h"
#include "kc_commit.h"
#include "kc_log.h"

#define LOGGER "RestServer"
#define MAX_SEGMENTS 8

/* One request being answered: what came in, and where the answer goes. */
typedef struct rest_call {
    const kc_rest_request *rq;
    kc_rest_response *resp;
} rest_call;

/* rest/openapi.yaml, embedded at build time (cmake/embed.cmake) */
extern const char kc_openapi_yaml[];
extern const unsigned long kc_openapi_yaml_len;

static const char *arg(struct rest_call *c, const char *name);

/* ---- responses ---------------------------------------------------------------------------- */

/* The answer: status, a copy of body (NULL: none), a static content type, a Location. Returns
 * 0; out of memory becomes a bodiless 500. */
static int send_raw(rest_call *c, unsigned status, const char *body, const char *ctype, const char *location) {
    kc_rest_response *r = c->resp;
    kc_rest_response_free(r);
    r->status = status;
    r->content_type = body ? ctype : NULL;
    if ((body && !(r->body = strdup(body))) || (location && !(r->location = strdup(location)))) {
        kc_rest_response_free(r);
        r->status = 500;
    }
    return 0;
}

/* Sends j (reference taken) as JSON; NULL j (a reader that ran out of memory) is a 500. */
static int send_json(rest_call *c, unsigned status, json_t *j, const char *location) {
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    if (!text) return send_raw(c, 500, "{\"error_code\":500,\"message\":\"out of memory\"}", "application/json", NULL);
    int rc = send_raw(c, status, text, "application/json", location);
    free(text);
    return rc;
}

static int send_error(rest_call *c, unsigned status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int send_error(rest_call *c, unsigned status, const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return send_json(c, status, json_pack("{s:i, s:s}", "error_code", (int)status, "message", msg), NULL);
}

static int send_empty(rest_call *c, unsigned status) { return send_raw(c, status, NULL, NULL, NULL); }

/* The call belongs to another worker (distributed mode): forwarded as Connect's
 * HerderRequestHandler forwards, forward=true on the first hop, false on the second, and a 409
 * when no worker is known or a second hop would be needed. */
static int forward(rest_call *c, const char *url) {
    const char *fwd = arg(c, "forward");
    if (!*url)
        return send_error(c, 409, "Cannot complete request momentarily due to no known leader URL, likely because a "
                                  "rebalance was underway.");
    if (fwd && strcasecmp(fwd, "true"))
        return send_error(c, 409, "Cannot complete request because of a conflicting operation (e.g. worker "
                                  "rebalance)");
    KC_DEBUG(LOGGER, "Forwarding %s %s to %s", c->rq->method, c->rq->path, url);
    kc_rest_forward(c->rq, url, fwd ? "false" : "true", c->resp);
    return 0;
}

/* Maps a herder error to Connect's status. */
static int send_herder_error(rest_call *c, int rc, const kc_error *err) {
    if (rc == KC_EFORWARD) return forward(c, err->msg);
    unsigned status = rc == KC_ENOTFOUND ? 404 : rc == KC_EEXIST || rc == KC_ECONFLICT ? 409
                      : rc == KC_EINVAL || rc == KC_ESTATE ? 400 : rc == KC_EFORBIDDEN ? 403
                      : rc == KC_EUNAVAILABLE ? 503 : 500;
    return send_error(c, status, "%s", err->msg);
}

/* A reader's answer: NULL is an unknown connector, or (when it exists) a reader that ran out of
 * memory, which must not pass for a 404. */
static int send_reading(rest_call *c, kc_herder *h, const char *name, json_t *j) {
    if (j) return send_json(c, 200, j, NULL);
    if (kc_herder_exists(h, name)) return send_error(c, 500, "out of memory");
    return send_error(c, 404, "Connector %s not found", name);
}

/* ---- request helpers ---------------------------------------------------------------------- */

/* The first value of a query argument, or NULL. */
static const char *arg(rest_call *c, const char *name) {
    for (size_t i = 0; i < c->rq->nargs; i++)
        if (!strcmp(c->rq->arg_names[i], name)) return c->rq->arg_values[i] ? c->rq->arg_values[i] : "";
    return NULL;
}

static int arg_bool(rest_call *c, const char *name) {
    const char *v = arg(c, name);
    return v && !strcasecmp(v, "true");
}

static int is_json_request(rest_call *c) {
    const char *ct = c->rq->content_type;
    return ct && !strncasecmp(ct, "application/json", 16);
}

/* Parses the body as a JSON object or answers 400/415: returns 0 with *out set (NULL for an
 * allowed empty body), or -1 when the answer is already made. */
static int parse_body(rest_call *c, json_t **out, int allow_empty) {
    *out = NULL;
    if (!c->rq->body_len && allow_empty) return 0;
    if (!is_json_request(c)) {
        send_error(c, 415, "HTTP 415 Unsupported Media Type: send Content-Type: application/json");
        return -1;
    }
    json_error_t jerr;
    json_t *j = json_loadb(c->rq->body ? c->rq->body : "", c->rq->body_len, 0, &jerr);
    if (!j) {
        send_error(c, 400, "Invalid JSON in request body: %s at line %d column %d", jerr.text, jerr.line, jerr.column);
        return -1;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        send_error(c, 400, "Request body must be a JSON object");
        return -1;
    }
    *out = j;
    return 0;
}

/* A config from a JSON object, or a 400 naming what is wrong (-1). */
static int config_from_body(rest_call *c, const json_t *obj, kc_config *cfg, int allow_null) {
    kc_error cerr;
    if (kc_config_from_json(obj, cfg, allow_null, &cerr)) {
        send_error(c, cerr.code == KC_ENOMEM ? 500 : 400, "%s", cerr.msg);
        return -1;
    }
    return 0;
}

/* ---- connectors --------------------------------------------------------------------------- */

/* Connect 4.1 (KIP-891) names the plugin's version in a status: the connector's and each task's
 * (status is a connector's status or one task's; returned as given) */
static json_t *with_versions(kc_herder *h, const char *name, json_t *status) {
    json_t *cfg = status ? kc_herder_config(h, name) : NULL;
    const kc_plugin *p = cfg ? kc_herder_find_connector_plugin(h, json_string_value(json_object_get(cfg, "connector.class")))
                             : NULL;
    json_decref(cfg);
    if (!p) return status;
    json_t *version = json_string(p->desc->version ? p->desc->version : "");
    json_t *conn = json_object_get(status, "connector");
    if (conn) {
        json_object_set(conn, "version", version);
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(status, "tasks"), i, t) json_object_set(t, "version", version);
    } else {
        json_object_set(status, "version", version);
    }
    json_decref(version);
    return status;
}

static int invalid_config(rest_call *c, kc_herder *h, const kc_config *cfg, const kc_strlist *problems) {
    const char *cls = kc_config_get(cfg, "connector.class");
    if (cls && !kc_herder_find_connector_plugin(h, cls)) /* Connect 4.1 answers an unknown class alone, 400 */
        for (size_t i = 0; i < problems->len; i++)
            if (strstr(problems->items[i], "Failed to find any class")) return send_error(c, 400, "%s", problems->items[i]);
    kc_buf b = KC_BUF_INIT;
    kc_buf_printf(&b, "Connector configuration is invalid and contains the following %zu error(s):\n", problems->len);
    for (size_t i = 0; i < problems->len; i++) kc_buf_printf(&b, "%s\n", problems->items[i]);
    const char *simple = cls ? (strrchr(cls, '.') ? strrchr(cls, '.') + 1 : cls) : "{connectorType}";
    kc_buf_printf(&b, "You can also find the above list of errors at the endpoint "
                      "`/connector-plugins/%s/config/validate`", simple);
    int rc = b.failed ? send_error(c, 500, "out of memory") : send_error(c, 400, "%s", b.data);
    kc_buf_free(&b);
    return rc;
}

/* Creates or replaces; status 201 + Location when created, else 200. */
static int put_connector(rest_call *c, kc_herder *h, const char *name, kc_config *cfg, kc_target_state initial,
                         int allow_replace) {
    const char *in_cfg = kc_config_get(cfg, "name");
    if (in_cfg && strcmp(in_cfg, name) != 0)
        return send_error(c, 400, "Connector name configuration (%s) doesn't match connector name in the URL (%s)",
                          in_cfg, name);
    if (!in_cfg && kc_config_set(cfg, "name", name)) return send_error(c, 500, "out of memory");
    if (!kc_config_get(cfg, "connector.class"))
        return send_error(c, 400, "Connector config {%s} contains no connector type", name);
    kc_strlist problems = {0};
    kc_error err;
    int created = 0;
    int rc = kc_herder_put(h, cfg, initial, allow_replace, &created, &problems, &err);
    int r;
    if (rc == KC_EINVAL && problems.len) r = invalid_config(c, h, cfg, &problems);
    else if (rc) r = send_herder_error(c, rc, &err);
    else {
        kc_buf location = KC_BUF_INIT;
        kc_buf_printf(&location, "/connectors/%s", name);
        r = send_json(c, created ? 201 : 200, kc_herder_info(h, name), created ? location.data : NULL);
        kc_buf_free(&location);
    }
    kc_strlist_free(&problems);
    return r;
}

static int blank(const char *s) {
    for (; *s; s++)
        if (*s != ' ' && *s != '\t') return 0;
    return 1;
}

static int post_connectors(rest_call *c, kc_herder *h) {
    json_t *body;
    if (parse_body(c, &body, 0)) return 0;
    const char *name = json_string_value(json_object_get(body, "name"));
    json_t *config = json_object_get(body, "config");
    json_t *initial_j = json_object_get(body, "initial_state");
    const char *initial = json_string_value(initial_j);
    kc_target_state target = KC_TARGET_STARTED;
    kc_config cfg = {0};
    if (!name || blank(name)) send_error(c, 400, "Connector name is required");
    else if (!json_is_object(config)) send_error(c, 400, "Connector config is required and must be an object");
    else if (initial_j && !json_is_null(initial_j) && (!initial || kc_target_parse(initial, &target)))
        send_error(c, 400, "Invalid initial_state %s: expected RUNNING, PAUSED or STOPPED", initial ? initial : "");
    else if (!config_from_body(c, config, &cfg, 0)) put_connector(c, h, name, &cfg, target, 0);
    kc_config_free(&cfg);
    json_decref(body);
    return 0;
}

static int connectors_list(rest_call *c, kc_herder *h) {
    /* expand is repeatable; unknown values are ignored, but any expand gives the object form */
    int want_status = 0, want_info = 0, expand = 0;
    for (size_t i = 0; i < c->rq->nargs; i++) {
        if (strcmp(c->rq->arg_names[i], "expand") || !c->rq->arg_values[i]) continue;
        expand = 1;
        want_status |= !strcmp(c->rq->arg_values[i], "status");
        want_info |= !strcmp(c->rq->arg_values[i], "info");
    }
    json_t *names = kc_herder_list(h);
    if (!expand) return send_json(c, 200, names, NULL);
    json_t *out = json_object();
    size_t i;
    json_t *n;
    int failed = !names || !out;
    json_array_foreach(names, i, n) {
        const char *name = json_string_value(n);
        json_t *st = want_status ? with_versions(h, name, kc_herder_status(h, name)) : NULL;
        json_t *in = want_info ? kc_herder_info(h, name) : NULL;
        if ((want_status && !st) || (want_info && !in)) { /* deleted meanwhile: skipped */
            json_decref(st);
            json_decref(in);
            continue;
        }
        json_t *entry = json_object();
        if (!entry || (st && json_object_set_new(entry, "status", st)) || (in && json_object_set_new(entry, "info", in)) ||
            json_object_set_new(out, name, entry))
            failed = 1;
    }
    json_decref(names);
    if (failed) {
        json_decref(out);
        out = NULL;
    }
    return send_json(c, 200, out, NULL);
}

/* PUT .../config also takes the body POST /connectors takes, {"name","config"} (a kcd
 * convenience: connector files kept in git have that shape). Returns the flat config to use,
 * or NULL with the answer made. */
static json_t *unwrap_config(rest_call *c, json_t *body, const char *name) {
    json_t *inner = json_object_get(body, "config");
    if (!json_is_object(inner)) return body; /* a flat map, as Connect takes it */
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        if (strcmp(key, "name") && strcmp(key, "config")) {
            send_error(c, 400, "A body with \"config\" as an object is a {\"name\", \"config\"} connector file; it "
                               "cannot also have \"%s\"", key);
            return NULL;
        }
    }
    const char *body_name = json_string_value(json_object_get(body, "name"));
    if (json_object_get(body, "name") && (!body_name || strcmp(body_name, name))) {
        send_error(c, 400, "The body names connector %s but the URL names %s", body_name ? body_name : "(not a string)",
                   name);
        return NULL;
    }
    return inner;
}

static int put_config(rest_call *c, kc_herder *h, const char *name, int patch) {
    json_t *body;
    if (parse_body(c, &body, 0)) return 0;
    json_t *flat = patch ? body : unwrap_config(c, body, name);
    if (!flat) {
        json_decref(body);
        return 0;
    }
    kc_config cfg = {0};
    json_t *current = patch ? kc_herder_config(h, name) : NULL;
    if (patch && !current) send_error(c, 404, "Connector %s not found", name);
    else if ((!current || !config_from_body(c, current, &cfg, 0)) && !config_from_body(c, flat, &cfg, patch)) {
        /* PATCH: a key set to null is removed */
        for (size_t i = 0; i < cfg.len;)
            if (!cfg.items[i].value) kc_config_remove(&cfg, cfg.items[i].key);
            else i++;
        put_connector(c, h, name, &cfg, KC_TARGET_STARTED, 1);
    }
    json_decref(current);
    json_decref(body);
    kc_config_free(&cfg);
    return 0;
}

/* The restart answer (includeTasks/onlyFailed): the status with what restarts marked RESTARTING. */
static json_t *restart_plan(kc_herder *h, const char *name, int include_tasks, int only_failed) {
    json_t *plan = with_versions(h, name, kc_herder_status(h, name));
    json_t *conn = json_object_get(plan, "connector");
    const char *cs = json_string_value(json_object_get(conn, "state"));
    if (conn && (!only_failed || (cs && !strcmp(cs, "FAILED")))) {
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
    return plan;
}

static int task_routes(rest_call *c, kc_herder *h, const char *method, char **seg, int nseg) {
    const char *name = seg[1];
    kc_error err;
    char *end;
    long id = strtol(seg[3], &end, 10);
    if (*end || end == seg[3] || id < 0 || id > 100000) return send_error(c, 404, "Task %s-%s not found", name, seg[3]);
    if (nseg == 5 && !strcmp(seg[4], "status") && !strcmp(method, "GET")) {
        json_t *j = with_versions(h, name, kc_herder_task_status(h, name, (int)id));
        return j ? send_json(c, 200, j, NULL) : send_error(c, 404, "Task %s-%ld not found", name, id);
    }
    if (nseg == 5 && !strcmp(seg[4], "restart") && !strcmp(method, "POST")) {
        int rc = kc_herder_restart_task(h, name, (int)id, &err);
        return rc ? send_herder_error(c, rc, &err) : send_empty(c, 204);
    }
    return nseg == 5 && (!strcmp(seg[4], "status") || !strcmp(seg[4], "restart"))
               ? send_error(c, 405, "HTTP 405 Method Not Allowed")
               : send_error(c, 404, "HTTP 404 Not Found");
}

static int offsets_routes(rest_call *c, kc_herder *h, const char *name, const char *method) {
    if (!strcmp(method, "GET")) {
        json_t *j = kc_herder_offsets(h, name);
        json_t *code = json_object_get(j, "error_code"); /* a sink's group the broker did not list */
        if (code) return send_json(c, (unsigned)json_integer_value(code), j, NULL);
        return send_reading(c, h, name, j);
    }
    if (strcmp(method, "PATCH") && strcmp(method, "DELETE")) return send_error(c, 405, "HTTP 405 Method Not Allowed");
    json_t *body = NULL;
    int patch = !strcmp(method, "PATCH");
    kc_error err;
    if (patch && parse_body(c, &body, 0)) return 0;
    int rc = kc_herder_alter_offsets(h, name, body, &err);
    json_decref(body);
    if (rc) return send_herder_error(c, rc, &err);
    return send_json(c, 200,
                     json_pack("{s:s}", "message",
                               patch ? "The offsets for this connector have been altered successfully"
                                     : "The offsets for this connector have been reset successfully"),
                     NULL);
}

static int connector_routes(rest_call *c, kc_herder *h, const char *method, char **seg, int nseg) {
    const char *name = seg[1];
    kc_error err;
    int rc;
    if (nseg == 2) {
        if (!strcmp(method, "GET")) {
            json_t *j = kc_herder_info(h, name);
            return send_reading(c, h, name, j);
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
            return send_reading(c, h, name, j);
        }
        if (!strcmp(method, "PUT") || !strcmp(method, "PATCH")) return put_config(c, h, name, !strcmp(method, "PATCH"));
        return send_error(c, 405, "HTTP 405 Method Not Allowed");
    }
    if (!kc_herder_exists(h, name)) return send_error(c, 404, "Connector %s not found", name);
    if (nseg == 3 && !strcmp(what, "status") && !strcmp(method, "GET")) {
        json_t *j = with_versions(h, name, kc_herder_status(h, name));
        return send_reading(c, h, name, j);
    }
    if (nseg == 3 && !strcmp(what, "restart") && !strcmp(method, "POST")) {
        int include_tasks = arg_bool(c, "includeTasks"), only_failed = arg_bool(c, "onlyFailed");
        /* answer with what is being restarted, as Connect does */
        json_t *plan = include_tasks || only_failed ? restart_plan(h, name, include_tasks, only_failed) : NULL;
        rc = kc_herder_restart(h, name, include_tasks, only_failed, &err);
        if (rc) {
            json_decref(plan);
            return send_herder_error(c, rc, &err);
        }
        return include_tasks || only_failed ? send_json(c, 202, plan, NULL) : send_empty(c, 204);
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
        return send_reading(c, h, name, j);
    }
    if (nseg == 3 && !strcmp(what, "tasks") && !strcmp(method, "POST")) { /* internal: distributed mode */
        rc = kc_herder_put_task_configs(h, name, c->rq->body, c->rq->body_len, c->rq->signature_algorithm,
                                        c->rq->signature, &err);
        return rc ? send_herder_error(c, rc, &err) : send_empty(c, 204);
    }
    if (nseg == 3 && !strcmp(what, "fence") && !strcmp(method, "PUT")) { /* internal: distributed mode */
        rc = kc_herder_fence(h, name, c->rq->body, c->rq->body_len, c->rq->signature_algorithm, c->rq->signature, &err);
        return rc ? send_herder_error(c, rc, &err) : send_empty(c, 204);
    }
    if (nseg >= 4 && nseg <= 5 && !strcmp(what, "tasks")) return task_routes(c, h, method, seg, nseg);
    if (nseg == 3 && !strcmp(what, "topics") && !strcmp(method, "GET")) {
        json_t *j = kc_herder_topics(h, name);
        return send_reading(c, h, name, j);
    }
    if (nseg == 4 && !strcmp(what, "topics") && !strcmp(seg[3], "reset") && !strcmp(method, "PUT")) {
        rc = kc_herder_reset_topics(h, name, &err);
        return rc ? send_herder_error(c, rc, &err) : send_empty(c, 202);
    }
    if (nseg == 3 && !strcmp(what, "offsets")) return offsets_routes(c, h, name, method);
    return send_error(c, 404, "HTTP 404 Not Found");
}

/* ---- plugins, loggers --------------------------------------------------------------------- */

/* The length of a plugin name without its "Connector" suffix (Connect's normalizedPluginName:
 * FileStreamSource and FileStreamSourceConnector name the same plugin). */
static size_t normalized_length(const char *name) {
    size_t n = strlen(name), suffix = strlen("Connector");
    return n > suffix && !strcmp(name + n - suffix, "Connector") ? n - suffix : n;
}

static int validate_route(rest_call *c, kc_herder *h, const char *plugin) {
    json_t *body;
    if (parse_body(c, &body, 0)) return 0;
    kc_config cfg = {0};
    const char *cls = json_string_value(json_object_get(body, "connector.class"));
    size_t cl = cls ? normalized_length(cls) : 0, pl = normalized_length(plugin);
    if (config_from_body(c, body, &cfg, 0)) {
        /* answered */
    } else if (cls && (cl < pl || strncmp(cls + cl - pl, plugin, pl) != 0)) {
        send_error(c, 400, "Included connector type %s does not match request type %s", cls, plugin);
    } else if (!cls && kc_config_set(&cfg, "connector.class", plugin)) {
        send_error(c, 500, "out of memory");
    } else {
        json_t *j = kc_herder_validate(h, plugin, &cfg);
        if (j || !kc_herder_find_connector_plugin(h, plugin)) {
            if (j) send_json(c, 200, j, NULL);
            else send_error(c, 404, "Unknown plugin %s.", plugin);
        } else {
            send_error(c, 500, "out of memory");
        }
    }
    kc_config_free(&cfg);
    json_decref(body);
    return 0;
}

static int plugin_routes(rest_call *c, kc_herder *h, const char *method, char **seg, int nseg) {
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
        return validate_route(c, h, seg[1]);
    }
    return send_error(c, 404, "HTTP 404 Not Found");
}

static void logger_entry(const char *name, kc_log_level level, int64_t modified, void *arg) {
    json_t *entry = json_pack("{s:s, s:o}", "level", kc_log_level_name(level), "last_modified",
                              modified ? json_integer(modified) : json_null());
    if (!entry || json_object_set_new(arg, name, entry)) json_object_clear(arg); /* sent as it is: partial is wrong */
}

static int set_logger(rest_call *c, const char *name) {
    json_t *body;
    if (parse_body(c, &body, 0)) return 0;
    const char *lv = json_string_value(json_object_get(body, "level"));
    kc_log_level level;
    if (!lv) send_error(c, 400, "The request body must specify a log level");
    else if (kc_log_parse_level(lv, &level)) send_error(c, 404, "invalid log level '%s'.", lv);
    else if (kc_log_set_named(name, level)) send_error(c, 400, "Too many loggers");
    else {
        KC_INFO(LOGGER, "Log level of %s set to %s", name, kc_log_level_name(level));
        const char *scope = arg(c, "scope");
        if (scope && !strcasecmp(scope, "cluster")) send_empty(c, 204);
        else send_json(c, 200, json_pack("[s]", name), NULL);
    }
    json_decref(body);
    return 0;
}

static int logger_routes(rest_call *c, const char *method, char **seg, int nseg) {
    if (nseg == 2) {
        if (strcmp(method, "GET")) return send_error(c, 405, "HTTP 405 Method Not Allowed");
        json_t *all = json_object();
        if (all) kc_log_each(logger_entry, all);
        return send_json(c, 200, all, NULL);
    }
    if (nseg != 3) return send_error(c, 404, "HTTP 404 Not Found");
    const char *name = seg[2];
    if (!strcmp(method, "GET")) {
        kc_log_level level;
        int64_t modified;
        if (kc_log_get_named(name, &level, &modified)) return send_error(c, 404, "Logger %s not found.", name);
        json_t *j = json_object();
        if (j) logger_entry(name, level, modified, j);
        json_t *entry = json_incref(json_object_get(j, name));
        json_decref(j);
        return send_json(c, 200, entry, NULL);
    }
    if (!strcmp(method, "PUT")) return set_logger(c, name);
    return send_error(c, 405, "HTTP 405 Method Not Allowed");
}

/* ---- dispatch ----------------------------------------------------------------------------- */

static int dispatch(kc_herder *h, rest_call *c, char *path) {
    const char *method = c->rq->method;
    /* Segments as they are: "a//b" is no route (collapsing slashes let a cut or padded URL
     * reach another route); one trailing slash is allowed, as clients add it. */
    size_t len = strlen(path);
    if (len > 1 && path[len - 1] == '/') path[--len] = '\0';
    if (path[0] != '/') return send_error(c, 404, "HTTP 404 Not Found");
    char *seg[MAX_SEGMENTS];
    int nseg = 0;
    for (char *p = path + 1; *p;) {
        char *slash = strchr(p, '/');
        if (slash) *slash = '\0';
        if (!*p || nseg == MAX_SEGMENTS) return send_error(c, 404, "HTTP 404 Not Found");
        seg[nseg++] = p;
        if (!slash) break;
        p = slash + 1;
        if (!*p) return send_error(c, 404, "HTTP 404 Not Found");
    }
    if (nseg == 0) {
        if (strcmp(method, "GET")) return send_error(c, 405, "HTTP 405 Method Not Allowed");
        const char *cluster = kc_herder_cluster_id(h);
        return send_json(c, 200, json_pack("{s:s, s:s, s:o}", "version", KC_VERSION_STRING, "commit", KC_COMMIT,
                                           "kafka_cluster_id", cluster ? json_string(cluster) : json_null()),
                         NULL);
    }
    if (nseg == 1 && !strcmp(seg[0], "openapi.yaml")) {
        if (strcmp(method, "GET")) return send_error(c, 405, "HTTP 405 Method Not Allowed");
        return send_raw(c, 200, kc_openapi_yaml, "application/yaml", NULL);
    }
    if (nseg == 1 && !strcmp(seg[0], "metrics")) { /* Prometheus's scrape */
        if (strcmp(method, "GET")) return send_error(c, 405, "HTTP 405 Method Not Allowed");
        kc_buf text = KC_BUF_INIT;
        kc_herder_metrics(h, &text);
        if (text.failed) {
            kc_buf_free(&text);
            return send_error(c, 500, "out of memory");
        }
        send_raw(c, 200, text.data ? text.data : "", "text/plain; version=0.0.4; charset=utf-8", NULL);
        kc_buf_free(&text);
        return 0;
    }
    if (nseg == 1 && !strcmp(seg[0], "health")) {
        if (strcmp(method, "GET")) return send_error(c, 405, "HTTP 405 Method Not Allowed");
        if (!kc_herder_ready(h)) /* Connect's answer while a worker has not joined its group yet */
            return send_json(c, 503, json_pack("{s:s, s:s}", "status", "starting", "message",
                                               "Worker is still starting up."), NULL);
        return send_json(c, 200, json_pack("{s:s, s:s}", "status", "healthy", "message",
                                           "Worker has completed startup and is ready to handle requests."), NULL);
    }
    if (!strcmp(seg[0], "connectors")) {
        if (nseg == 1) {
            if (!strcmp(method, "GET")) return connectors_list(c, h);
            if (!strcmp(method, "POST")) return post_connectors(c, h);
            return send_error(c, 405, "HTTP 405 Method Not Allowed");
        }
        return connector_routes(c, h, method, seg, nseg);
    }
    if (!strcmp(seg[0], "connector-plugins")) return plugin_routes(c, h, method, seg, nseg);
    if (!strcmp(seg[0], "admin") && nseg >= 2 && !strcmp(seg[1], "loggers")) return logger_routes(c, method, seg, nseg);
    return send_error(c, 404, "HTTP 404 Not Found");
}

void kc_rest_handle(kc_herder *h, const kc_rest_request *rq, kc_rest_response *out) {
    memset(out, 0, sizeof *out);
    rest_call c = {rq, out};
    size_t len = rq->path ? strlen(rq->path) : 0;
    if (len > KC_REST_MAX_PATH) {
        /* refused whole, never cut: a cut path can name another route */
        send_error(&c, 414, "URI Too Long: the path has %zu bytes, at most %d are read", len, KC_REST_MAX_PATH);
        return;
    }
    char *path = strdup(rq->path ? rq->path : "");
    if (!path) {
        send_raw(&c, 500, NULL, NULL, NULL);
        return;
    }
    KC_DEBUG(LOGGER, "%s %s", rq->method, path);
    dispatch(h, &c, path);
    free(path);
}

void kc_rest_response_free(kc_rest_response *r) {
    free(r->body);
    free(r->location);
    r->body = r->location = NULL;
}
