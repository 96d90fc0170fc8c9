/*
 * falcfg: the fal key and base URLs from flags, environment and defaults.
 */
#define _POSIX_C_SOURCE 200809L
#include "falcfg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fal.h"
#include "http.h"

/* A key file is a few dozen bytes; anything much larger is not one. */
#define FALCFG_MAX_KEY_FILE 4096

static void falcfg_wipe(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

int falcfg_key_clean(const char *raw, const char *what, char **key,
                     struct dub_err *e)
{
    const char *b = raw, *end = raw + strlen(raw), *p, *colon;

    *key = NULL;
    while (b < end && (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r'))
        b++;
    while (end > b && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' ||
                       end[-1] == '\r'))
        end--;
    if (b == end)
        return dub_errf(e, DUB_EUSAGE, "the fal key from %s is empty", what);
    for (p = b; p < end; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == ' ')
            return dub_errf(e, DUB_EUSAGE,
                            "the fal key from %s contains a control "
                            "character or a space",
                            what);
    colon = memchr(b, ':', (size_t)(end - b));
    if (!colon || colon == b || colon + 1 == end)
        return dub_errf(e, DUB_EUSAGE,
                        "the fal key from %s is not of the form "
                        "<key_id>:<key_secret>",
                        what);
    *key = xstrndup(b, (size_t)(end - b));
    return 0;
}

static int falcfg_key_file(const char *path, char **key, struct dub_err *e)
{
    char text[FALCFG_MAX_KEY_FILE + 1];
    struct stat st;
    char *what;
    ssize_t n;
    size_t len = 0;
    int fd, rc;

    /* One open file is checked and read, so the file judged private is
     * the file read; O_NONBLOCK so a FIFO fails the check instead of
     * waiting for a writer. */
    fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return dub_errf(e, DUB_EUSAGE, "cannot read the key file '%s': %s",
                        path, strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return dub_errf(e, DUB_EUSAGE,
                        "the key file '%s' is not a regular file", path);
    }
    if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
        close(fd);
        return dub_errf(e, DUB_EUSAGE,
                        "the key file '%s' can be read or changed by others "
                        "(mode %04o); run chmod 600 on it",
                        path, (unsigned)(st.st_mode & 07777));
    }
    for (;;) {
        n = read(fd, text + len, sizeof(text) - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == sizeof(text) - 1)
            break;
    }
    close(fd);
    if (n < 0)
        return dub_errf(e, DUB_EUSAGE, "cannot read the key file '%s': %s",
                        path, strerror(errno));
    if (len == sizeof(text) - 1) {
        memset(text, 0, sizeof(text));
        return dub_errf(e, DUB_EUSAGE,
                        "the key file '%s' is too large to hold a key", path);
    }
    text[len] = '\0';
    if (memchr(text, '\0', len)) {
        memset(text, 0, sizeof(text));
        return dub_errf(e, DUB_EUSAGE,
                        "the key file '%s' contains a NUL byte", path);
    }
    what = xasprintf("'%s'", path);
    rc = falcfg_key_clean(text, what, key, e);
    free(what);
    memset(text, 0, sizeof(text));
    return rc;
}

static int falcfg_url(const char *flag, const char *env, const char *def,
                      char **out, struct dub_err *e)
{
    const char *v = flag ? flag : getenv(env);
    size_t n;

    if (!v || !*v)
        v = def;
    if (http_base_allowed(v, e) < 0)
        return dub_err_prefix(e, "%s", flag ? "fal base URL flag" : env);
    if (util_starts_with(v, "http://"))
        http_allow_loopback();
    /* Paths are appended to a base: a query or fragment would swallow
     * them. */
    if (strpbrk(v, "?#"))
        return dub_errf(e, DUB_EUSAGE,
                        "%s: '%.200s' must not have a query or fragment",
                        flag ? "fal base URL flag" : env, v);
    n = strlen(v);
    while (n > 1 && v[n - 1] == '/')
        n--;
    *out = xstrndup(v, n);
    return 0;
}

int falcfg_load(struct falcfg *c, const char *key_file, const char *queue,
                const char *rest, const char *api, struct dub_err *e)
{
    const char *env;

    memset(c, 0, sizeof(*c));
    if (falcfg_url(queue, "FAL_QUEUE_URL", FAL_QUEUE_DEFAULT, &c->queue, e) < 0 ||
        falcfg_url(rest, "FAL_REST_URL", FAL_REST_DEFAULT, &c->rest, e) < 0 ||
        falcfg_url(api, "FAL_API_URL", FAL_API_DEFAULT, &c->api, e) < 0)
        goto fail;
    if (key_file) {
        if (falcfg_key_file(key_file, &c->key, e) < 0)
            goto fail;
        return 0;
    }
    env = getenv("FAL_KEY");
    if (env && *env) {
        if (falcfg_key_clean(env, "FAL_KEY", &c->key, e) < 0)
            goto fail;
        return 0;
    }
    if (getenv("FAL_KEY_ID") && getenv("FAL_KEY_SECRET")) {
        char *joined = xasprintf("%s:%s", getenv("FAL_KEY_ID"),
                                 getenv("FAL_KEY_SECRET"));
        int rc = falcfg_key_clean(joined, "FAL_KEY_ID and FAL_KEY_SECRET",
                                  &c->key, e);

        falcfg_wipe(joined);
        if (rc < 0)
            goto fail;
        return 0;
    }
    dub_errf(e, DUB_EUSAGE,
             "no fal key: set FAL_KEY (or FAL_KEY_ID and FAL_KEY_SECRET), or "
             "pass --key-file");
fail:
    falcfg_release(c);
    return -1;
}

void falcfg_release(struct falcfg *c)
{
    falcfg_wipe(c->key);
    free(c->queue);
    free(c->rest);
    free(c->api);
    memset(c, 0, sizeof(*c));
}
