/*
 * report: `sysward report [--json] [--html OUT] [--diff OTHER.jsonl] AUDIT.jsonl`, a
 * streaming reader of the audit trail (INTERFACE.md): statistics, the process tree, the
 * files, addresses and programs a run touched, and its denials; with --diff, what changed
 * from OTHER (the base run) to AUDIT (the new run).
 *
 * The trail is read one line at a time and never held: memory is bounded by the caps below
 * whatever the trail's size.  What does not fit is counted, not dropped silently: the
 * report says how many processes, paths or denials it could not name.
 */
#ifndef SYSWARD_REPORT_H
#define SYSWARD_REPORT_H

#define REPORT_MAX_LINE (1u << 20)     /* longer lines are skipped and counted */
#define REPORT_MAX_DEPTH 64	       /* JSON nesting of one line */
#define REPORT_MAX_VALUES (1u << 16)   /* JSON values in one line */
#define REPORT_MAX_PROCS 100000	       /* processes in the tree */
#define REPORT_MAX_SYSCALLS 2048       /* distinct syscall names */
#define REPORT_MAX_TARGETS 10000       /* distinct paths or addresses, per class */
#define REPORT_MAX_DENIALS 10000       /* distinct (syscall, target, rule, errno) */
#define REPORT_MAX_LIMITS 64	       /* limit events kept */
#define REPORT_STR_MAX 4096	       /* longest string kept; longer ones are cut */
#define REPORT_POOL_BUDGET (48u << 20) /* all strings kept of one trail */

/*
 * Run the report command; argv[0] is "report".  Returns the exit status: 0 done (invalid
 * lines are skipped with a warning), 1 a trail could not be read or held no event, or the
 * output could not be written, 125 bad usage (the message names the option).
 */
int report_main(int argc, char **argv);

#endif
