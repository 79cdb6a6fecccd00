/* kc_metrics_int.h - the registry behind kc_metrics.h, shared by metrics.c and prometheus.c. */
#ifndef KC_METRICS_INT_H
#define KC_METRICS_INT_H

#include "kc_metrics.h"

typedef struct plugin_counter {
    char *name;
    double value;
} plugin_counter;

struct kc_connector_metrics {
    kc_metrics *registry;
    kc_connector_metrics *next;
    char *name, *cls, *type, *version;
    int state; /* kc_state (atomics) */
};

struct kc_metrics {
    pthread_mutex_t lock; /* the lists, and what kc_task_metrics says is guarded by it */
    kc_task_metrics *tasks;
    kc_connector_metrics *connectors;
    /* connect-worker-metrics' startup counters (atomics) */
    int64_t connector_start_ok, connector_start_failed, task_start_ok, task_start_failed;
    /* connect-worker-rebalance-metrics (under lock); distributed: 1 once a rebalance completed */
    int distributed;
    int64_t rebalances, rebalance_ms_total, rebalance_ms_max, rebalance_began_ms, last_rebalance_ms;
    int32_t epoch;
    char *leader;
    char protocol[16];
};

/* Wall-clock milliseconds since the epoch (last-error-timestamp). */
int64_t kc_wall_ms(void);

#endif
