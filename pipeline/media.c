/*
 * media: the main process's side of the media workers.
 *
 * Workers are started lazily, one per running task up to the limit, and
 * kept for the next task: starting one (loading libav and its libraries)
 * costs milliseconds, which matters when probing thousands of files.  One
 * idle for MEDIA_IDLE_MS is let go.  mediaop.c has the typed call of
 * each op.
 */
#define _GNU_SOURCE /* pipe2 */
#include "mediaint.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "wire.h"

/* An idle worker is let go after this long: a worker holds libav and its
 * libraries (~40 MB), and a night of 12-minute jobs needs one only for a
 * moment every few minutes.  Starting one again costs milliseconds. */
#define MEDIA_IDLE_MS 5000

struct media_task {
    struct media_task *next;
    long id;
    char *line;          /* the task as one JSON line */
    char *label;
    media_fn *done;
    void *arg;
    enum wire_op op;
    int64_t started;     /* monotonic ms a worker took it */
};

struct media_worker {
    pid_t pid;           /* 0 when no process */
    int to_fd;           /* its stdin */
    int from_fd;         /* its stdout */
    struct buf in;       /* reply bytes read so far */
    struct media_task *task; /* the task it runs, or NULL when idle */
    int64_t deadline;    /* monotonic ms: the task's limit, or when idle,
                            when the process is let go */
};

struct media_pool {
    char *self;
    int64_t timeout_ms;
    int nworkers;
    struct media_worker *w;
    struct media_task *head, *tail; /* queued, not yet running */
    long next_id;
    int running;
};

/*
 * The worker program: beside this one (a build tree, or an install that put
 * both in one place), else in ../libexec/dubbatch/ (make install).  Found
 * from where this program is, so an installed tree can be moved.
 */
static char *media_program(void)
{
    char self[PATH_MAX], *slash, *path;
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (n <= 0)
        return xstrdup("dubbatch-media");
    self[n] = '\0';
    slash = strrchr(self, '/');
    *slash = '\0';
    path = xasprintf("%s/dubbatch-media", self);
    if (access(path, X_OK) == 0)
        return path;
    free(path);
    slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    return xasprintf("%s/libexec/dubbatch/dubbatch-media", self);
}

struct media_pool *media_pool_new(int workers, int64_t timeout_ms)
{
    struct media_pool *p = xcalloc(1, sizeof(*p));

    p->self = media_program();
    p->nworkers = workers > 0 ? workers : 1;
    p->timeout_ms = timeout_ms;
    p->w = xcalloc((size_t)p->nworkers, sizeof(*p->w));
    /* A worker that dies while we write its task must not kill us. */
    signal(SIGPIPE, SIG_IGN);
    return p;
}

static void media_task_free(struct media_task *t)
{
    free(t->line);
    free(t->label);
    free(t);
}

static void media_close(struct media_worker *w)
{
    if (w->to_fd >= 0)
        close(w->to_fd);
    if (w->from_fd >= 0)
        close(w->from_fd);
    w->to_fd = w->from_fd = -1;
    buf_release(&w->in);
}

/* Kills (when asked) and reaps a worker; returns its wait status. */
static int media_reap(struct media_worker *w, int kill_it)
{
    int status = 0;

    if (!w->pid)
        return 0;
    if (kill_it)
        kill(w->pid, SIGKILL);
    media_close(w);
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
        ;
    w->pid = 0;
    return status;
}

/* 1 for an environment entry a worker must not inherit: the fal key, and
 * anything named like a credential.  A worker parses hostile media; what
 * it never holds, a file that takes it over cannot leak. */
static int media_secret(const char *entry)
{
    static const char *const words[] = {"KEY", "SECRET", "TOKEN", "PASSW",
                                        "CREDENTIAL"};
    size_t n = strcspn(entry, "="), i, k;
    char name[128];

    if (n >= sizeof(name))
        return 1;
    for (i = 0; i < n; i++)
        name[i] = (char)((entry[i] >= 'a' && entry[i] <= 'z') ? entry[i] - 32
                                                              : entry[i]);
    name[n] = '\0';
    for (k = 0; k < DUB_ARRAY_LEN(words); k++)
        if (strstr(name, words[k]))
            return 1;
    return 0;
}

/* The parent's environment without its secrets; the strings are the
 * parent's own, so only the array is freed (before fork: the child of a
 * process with threads may not allocate). */
static char **media_env(void)
{
    extern char **environ;
    size_t n = 0, k = 0;
    char **env;

    while (environ[n])
        n++;
    env = xcalloc(n + 1, sizeof(*env));
    for (n = 0; environ[n]; n++)
        if (!media_secret(environ[n]))
            env[k++] = environ[n];
    return env;
}

static int media_spawn(struct media_pool *p, struct media_worker *w,
                       struct dub_err *e)
{
    int to[2], from[2];
    char **env;
    pid_t pid;

    if (access(p->self, X_OK) < 0)
        return dub_errf(e, DUB_EWORKER, "cannot start a media worker: %s: %s",
                        p->self, strerror(errno));
    if (pipe2(to, O_CLOEXEC) < 0)
        return dub_errf(e, DUB_EWORKER, "cannot start a media worker: %s",
                        strerror(errno));
    if (pipe2(from, O_CLOEXEC) < 0) {
        close(to[0]);
        close(to[1]);
        return dub_errf(e, DUB_EWORKER, "cannot start a media worker: %s",
                        strerror(errno));
    }
    env = media_env();
    pid = fork();
    if (pid != 0)
        free(env);
    if (pid < 0) {
        close(to[0]); close(to[1]); close(from[0]); close(from[1]);
        return dub_errf(e, DUB_EWORKER, "cannot start a media worker: %s",
                        strerror(errno));
    }
    if (pid == 0) {
        char *argv[] = {p->self, NULL};

        dup2(to[0], 0);
        dup2(from[1], 1);
        signal(SIGPIPE, SIG_DFL);
        execve(p->self, argv, env);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    w->pid = pid;
    w->to_fd = to[1];
    w->from_fd = from[0];
    buf_reset(&w->in);
    return 0;
}

static void media_finish(struct media_pool *p, struct media_worker *w,
                         const struct wire_reply *r)
{
    struct media_task *t = w->task;

    w->task = NULL;
    w->deadline = util_mono_ms() + MEDIA_IDLE_MS;
    p->running--;
    log_ev(LOG_DEBUG, NULL, NULL, "media", "media %s '%s': %s in %lld ms",
           wire_op_name(t->op), t->label, r->ok ? "ok" : r->err.msg,
           (long long)(util_mono_ms() - t->started));
    t->done(t->arg, r);
    media_task_free(t);
}

/* Fails the worker's task: "media worker <what> on '<file>'". */
static void media_fail(struct media_pool *p, struct media_worker *w,
                       const char *what)
{
    struct wire_reply r;

    memset(&r, 0, sizeof(r));
    dub_errf(&r.err, DUB_EWORKER, "media worker %s on '%s'", what,
             w->task->label);
    media_finish(p, w, &r);
}

static int media_write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, s, n);

        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        s += k;
        n -= (size_t)k;
    }
    return 0;
}

static struct media_task *media_pop(struct media_pool *p)
{
    struct media_task *t = p->head;

    p->head = t->next;
    if (!p->head)
        p->tail = NULL;
    return t;
}

/* Hands queued tasks to idle workers, starting processes as needed. */
static void media_start(struct media_pool *p)
{
    int i;

    for (i = 0; i < p->nworkers && p->head; i++) {
        struct media_worker *w = &p->w[i];
        struct media_task *t;
        struct wire_reply r;

        if (w->task)
            continue;
        memset(&r, 0, sizeof(r));
        if (!w->pid && media_spawn(p, w, &r.err) < 0) {
            t = media_pop(p);
            t->done(t->arg, &r);
            media_task_free(t);
            continue;
        }
        t = media_pop(p);
        w->task = t;
        t->started = util_mono_ms();
        w->deadline = t->started + p->timeout_ms;
        p->running++;
        if (media_write_all(w->to_fd, t->line, strlen(t->line)) < 0) {
            media_reap(w, 1);
            media_fail(p, w, "stopped (broken pipe) before taking the task");
        }
    }
}

/* Queues t (its id is set here) for done. */
void media_submit(struct media_pool *p, struct wire_task *t, media_fn *done,
                  void *arg)
{
    struct media_task *q = xcalloc(1, sizeof(*q));

    q->id = t->id = ++p->next_id;
    q->op = t->op;
    q->line = wire_task_line(t);
    q->label = xstrdup(t->path);
    q->done = done;
    q->arg = arg;
    if (p->tail)
        p->tail->next = q;
    else
        p->head = q;
    p->tail = q;
    media_start(p);
}

int media_pool_pollfds(struct media_pool *p, struct pollfd *fds, int max)
{
    int i, n = 0;

    for (i = 0; i < p->nworkers && n < max; i++) {
        if (!p->w[i].task)
            continue;
        fds[n].fd = p->w[i].from_fd;
        fds[n].events = POLLIN;
        fds[n].revents = 0;
        n++;
    }
    return n;
}

static void media_crashed(struct media_pool *p, struct media_worker *w)
{
    int status = media_reap(w, 1);
    char why[128];

    if (WIFSIGNALED(status))
        snprintf(why, sizeof(why), "crashed (killed by signal %d: %s)",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        snprintf(why, sizeof(why), "could not be executed");
    else
        snprintf(why, sizeof(why), "crashed (exited with status %d)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    media_fail(p, w, why);
}

/* Reads what a worker wrote; finishes its task on a whole line. */
static void media_read(struct media_pool *p, struct media_worker *w)
{
    char chunk[16384];
    ssize_t n = read(w->from_fd, chunk, sizeof(chunk));
    char *nl;

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        media_crashed(p, w);
        return;
    }
    buf_append(&w->in, chunk, (size_t)n);
    nl = memchr(w->in.data, '\n', w->in.len);
    if (!nl)
        return;
    *nl = '\0';
    {
        struct wire_reply r;

        if (wire_reply_parse(w->in.data, &r) < 0) {
            buf_reset(&w->in);
            media_reap(w, 1);
            media_fail(p, w, "sent a reply that is not JSON");
            return;
        }
        buf_reset(&w->in);
        media_finish(p, w, &r);
        wire_reply_release(&r);
    }
}

void media_pool_handle(struct media_pool *p, const struct pollfd *fds, int n)
{
    int64_t now = util_mono_ms();
    int i, j;

    for (j = 0; j < n; j++) {
        if (!(fds[j].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        for (i = 0; i < p->nworkers; i++)
            if (p->w[i].task && p->w[i].from_fd == fds[j].fd)
                media_read(p, &p->w[i]);
    }
    for (i = 0; i < p->nworkers; i++) {
        struct media_worker *w = &p->w[i];
        char why[64];

        if (!w->pid || w->deadline > now)
            continue;
        if (!w->task) {
            media_reap(w, 0); /* idle: end of input, it exits */
            continue;
        }
        media_reap(w, 1);
        snprintf(why, sizeof(why), "timed out after %.1f s (killed)",
                 p->timeout_ms / 1000.0);
        media_fail(p, w, why);
    }
    media_start(p);
}

int media_pool_timeout(struct media_pool *p)
{
    int64_t now = util_mono_ms(), best = -1;
    int i;

    for (i = 0; i < p->nworkers; i++) {
        int64_t left;

        if (!p->w[i].pid)
            continue;
        left = p->w[i].deadline - now;
        if (left < 0)
            left = 0;
        if (best < 0 || left < best)
            best = left;
    }
    return best > INT32_MAX ? INT32_MAX : (int)best;
}

int media_pool_pending(struct media_pool *p)
{
    struct media_task *t;
    int n = p->running;

    for (t = p->head; t; t = t->next)
        n++;
    return n;
}

void media_pool_drain(struct media_pool *p)
{
    struct pollfd *fds = xcalloc((size_t)p->nworkers, sizeof(*fds));

    while (media_pool_pending(p)) {
        int n = media_pool_pollfds(p, fds, p->nworkers);

        if (poll(fds, (nfds_t)n, media_pool_timeout(p)) < 0 && errno != EINTR)
            dub_fatal("poll:");
        media_pool_handle(p, fds, n);
    }
    free(fds);
}

const char *media_pool_program(const struct media_pool *p)
{
    return p->self;
}

void media_pool_free(struct media_pool *p)
{
    struct media_task *t, *next;
    int i;

    if (!p)
        return;
    for (i = 0; i < p->nworkers; i++)
        media_reap(&p->w[i], p->w[i].task != NULL);
    for (t = p->head; t; t = next) {
        next = t->next;
        media_task_free(t);
    }
    free(p->w);
    free(p->self);
    free(p);
}
