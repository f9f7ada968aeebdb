/*
 * audit: the JSON Lines trail.  Each record is built in memory (bounded, json.h) and written
 * with one write(2) of the whole line, so a killed run leaves only whole lines.
 */
#ifndef SYSWARD_AUDIT_H
#define SYSWARD_AUDIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "supervisor/json.h"

#define AUDIT_RECORD_MAX (64 * 1024)

struct audit;

/* Open the trail ("-" means stderr).  NULL path: no trail (audit_begin returns NULL). */
int audit_open(struct audit **out, const char *path, double t0);
/* Start a record with ts, pid, tid, event.  NULL when there is no trail. */
struct jbuf *audit_begin(struct audit *a, const char *event, pid_t pid, pid_t tid);
/* Close the record and write it as one line.  0 or -errno. */
int audit_commit(struct audit *a);
/* Flush and close.  0 or -errno (a write that failed earlier is reported here). */
int audit_close(struct audit *a);
bool audit_enabled(const struct audit *a);

#endif
