/* kc_lifecycle.h - starting and stopping what runs on this worker (Connect's Worker): a
 * connector's instance, the task configs it generates, and its tasks, apart from deciding what
 * should run (the herder: standalone today; a distributed herder runs tasks from configs the
 * config topic gives). Calls on one connector are serialized by the caller (the herder's lock). */
#ifndef KC_LIFECYCLE_H
#define KC_LIFECYCLE_H

#include "kc_worker_int.h"

/* A new connector, not running (status UNASSIGNED), owning a copy of name; NULL out of memory. */
kc_connector *kc_connector_new(kc_worker *w, const char *name, const kc_plugin *plugin, kc_target_state initial);
/* Frees a connector kc_connector_halt stopped. */
void kc_connector_free(kc_connector *c);

/* Marks the connector FAILED with "what: msg" as its trace, logged. */
void kc_connector_fail(kc_connector *c, const char *what, const char *msg);
/* Starts the connector's instance (the plugin's start). 0, or the connector FAILED and the code. */
int kc_connector_start_instance(kc_connector *c, kc_error *err);
/* Stops the instance, if it runs; the tasks are left alone. */
void kc_connector_stop_instance(kc_connector *c);
/* The task configs the running instance generates now, at most tasks.max; *cfgs handed over
 * (*n of them), each freed with kc_config_free. */
int kc_connector_task_configs(kc_connector *c, kc_config **cfgs, int *n, kc_error *err);
/* Starts tasks 0..n-1 from these configs (moved into the tasks; cfgs itself stays the
 * caller's). The connector must have no tasks. A task that cannot start is FAILED. */
int kc_connector_launch_tasks(kc_connector *c, kc_config *cfgs, int n, kc_error *err);
/* All of it as the target state says (what a standalone worker does): nothing for STOPPED, else
 * the instance, its task configs and its tasks (paused for PAUSED). */
void kc_connector_run(kc_connector *c);
/* Stops the tasks and the instance within the worker's graceful timeout; -1 when a task would
 * not stop (its memory is then kept: its thread may still use it). */
int kc_connector_halt(kc_connector *c);
/* Stops task i and starts it again with the same config. */
int kc_task_restart(kc_connector *c, int i, kc_error *err);

/* A distributed worker runs some of a connector's tasks, not all: n task slots, none running
 * (any running task must be halted first). KC_ENOMEM, or 0. */
int kc_connector_task_slots(kc_connector *c, int n, kc_error *err);
/* Starts slot i from cfg (moved into the task). A task that cannot start is FAILED. */
void kc_task_launch(kc_connector *c, int i, kc_config *cfg);
/* Stops slot i (if it runs) within the graceful timeout and frees its config; -1 when it would
 * not stop (its memory is then kept). */
int kc_task_halt(kc_connector *c, int i);
/* 1 while slot i has a task thread. */
int kc_task_running(const kc_connector *c, int i);

#endif
