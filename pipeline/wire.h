/*
 * wire: the media worker protocol, and facts and plans as JSON.  The only
 * place that knows the JSON names of their fields, so a worker and the
 * main process cannot disagree; every other module speaks the C structs.
 *
 * A task is one JSON object on one line, a reply likewise (probe/worker.h
 * lists the ops).  The main process builds a struct wire_task and turns it
 * into a line (wire_task_line); the worker parses it (wire_task_parse),
 * fills a struct wire_reply and sends it back (wire_reply_line), which the
 * main process parses (wire_reply_parse).
 */
#ifndef DUB_WIRE_H
#define DUB_WIRE_H

#include "facts.h"
#include "plan.h"
#include "scene.h"
#include "util.h"

struct cJSON;

/* The worker's ops; probe/worker.c has one handler per entry. */
enum wire_op {
    WIRE_PROBE,    /* path -> facts */
    WIRE_HASH,     /* path -> sha256 */
    WIRE_THUMB,    /* path, at, max_w -> a JPEG at out */
    WIRE_CONFORM,  /* path (the input), facts, plan -> out, facts of out */
    WIRE_DELIVER,  /* path (the picture), dub or its own audio -> out,
                      facts of out, delivery */
    WIRE_ANALYZE,  /* path (the picture), dub -> analysis */
    WIRE_STITCH,   /* parts, pv (the scene) -> out, stitch */
    WIRE_VERIFY,   /* path, frames, fps, audio_seconds -> facts, verify */
    WIRE_NOPS
};

/*
 * One task.  For a task being built the strings are the caller's; a parsed
 * task owns them (wire_task_release).
 */
struct wire_task {
    long id;
    enum wire_op op;
    const char *path;
    const char *out;
    double at;                 /* thumb: seconds into the clip */
    int max_w;                 /* thumb: widest poster, pixels */
    int audio;                 /* conform: pa (1) or pv (0) is the plan */
    struct facts facts;        /* conform: of path */
    struct plan_video pv;
    struct plan_audio pa;
    const char *dub;           /* deliver, analyze: the studio's audio */
    int model_audio;           /* deliver: 1 takes path's own audio */
    int mov;                   /* deliver: 1 QuickTime, 0 MP4 */
    const char *fingerprint;   /* deliver: tags written into out */
    const char *request;
    int nparts;                /* stitch: the windows in order */
    struct scene_part *parts;
    int64_t frames;            /* verify: the scene's frames and rate */
    int fps_num, fps_den;
    double audio_seconds;      /* verify: the audio's length; 0: the
                                  picture's */
};

/* One reply.  err is set when ok is 0.  A parsed reply may own arrays
 * (wire_reply_release). */
struct wire_reply {
    long id;
    int ok;
    struct dub_err err;
    int has_facts;
    struct facts facts;        /* probe, conform */
    char sha256[65];           /* hash */
    int has_delivery;
    struct scene_delivery delivery; /* deliver */
    int has_analysis;
    struct scene_analysis analysis; /* analyze */
    int has_stitch;
    struct scene_stitch stitch;     /* stitch */
    int has_verify;
    struct scene_verify verify;     /* verify, also when it failed */
};

/* "probe", "hash", ... */
const char *wire_op_name(enum wire_op op);
/* The task as one line with its newline; caller frees. */
char *wire_task_line(const struct wire_task *t);
/* -1 and e when line is not a task; t->id is still set when it was
 * readable, so the reply can name it (-1 otherwise). */
int wire_task_parse(const char *line, struct wire_task *t, struct dub_err *e);
void wire_task_release(struct wire_task *t);

/* The reply as one line, without a newline; caller frees. */
char *wire_reply_line(const struct wire_reply *r);
/* -1 when line is not a reply. */
int wire_reply_parse(const char *line, struct wire_reply *r);
void wire_reply_release(struct wire_reply *r);

/* Facts as compact JSON text, for messages that show both probes;
 * caller frees. */
char *wire_facts_text(const struct facts *f);
/* The video (audio 0) or audio part of a plan as compact JSON text: what
 * names a conformed file in the work folder; caller frees. */
char *wire_plan_text(const struct plan *p, int audio);

/* For report.c, which nests them in report.json. */
struct cJSON *wire_facts(const struct facts *f);
struct cJSON *wire_plan_video(const struct plan_video *v);
struct cJSON *wire_plan_audio(const struct plan_audio *a);

#endif
