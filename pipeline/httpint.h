/*
 * httpint: what the parts of the http module share (http.c, httpurl.c);
 * not for other modules, which use http.h and see no curl type.
 */
#ifndef DUB_HTTPINT_H
#define DUB_HTTPINT_H

#include <stddef.h>

#include <curl/curl.h>

#include "http.h"

struct http_xfer;

/* A URL's origin as libcurl's parser sees it: what it will connect to. */
struct http_origin {
    char scheme[8];
    char host[256];     /* as in the URL: "[::1]" keeps its brackets */
    char port[8];       /* always set: the scheme's default when absent */
    int explicit_port;
};

struct http {
    CURLM *multi;
    char *key;
    struct http_origin auth[HTTP_MAX_AUTH_BASES];
    int nauth;
    long connect_timeout_ms, low_speed_limit, low_speed_time_s;
    int running;
    struct http_xfer *xfers; /* live transfers (curl 7.88 cannot list them) */
};

/* Parses url with libcurl's own URL parser; 0 when it has no usable
 * origin, or names a user or password. */
int http_parse(const char *url, struct http_origin *o);
/* Refuses a URL either parser dislikes, and answers whether it is
 * loopback and whether it may carry the key (h's fal bases); fills
 * origin (scheme://host[:port]) for messages. */
int http_judge(struct http *h, const char *url, int *loopback,
               int *may_auth, char *origin, size_t on,
               struct dub_err *e);

#endif
