/*
 * cmd: the verbs of the dubbatch command line.  main.c picks one by name and
 * hands it the arguments after the verb (argv[0] is the verb).  Each returns
 * the process exit code (design.md section 8).
 */
#ifndef DUB_CMD_H
#define DUB_CMD_H

#define DUBBATCH_VERSION "0.1.0"

enum cmd_exit {
    EXIT_DONE = 0,        /* every job done / every input fits */
    EXIT_SOME_FAILED = 1, /* some jobs failed or were rejected */
    EXIT_USAGE = 2,       /* usage or configuration error */
    EXIT_MANIFEST = 3,    /* invalid manifest: nothing ran */
    EXIT_INTERRUPTED = 4, /* interrupted; safe to resume */
    EXIT_LOCKED = 5,      /* another run holds the output folder */
};

int cmd_validate(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_conform(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_cancel(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_doctor(int argc, char **argv);

#endif
