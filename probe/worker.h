/*
 * worker: the media worker process.  media_main.c (the dubbatch-media
 * program) runs worker_main(); pipeline/media.c starts and feeds these
 * processes.  pipeline/wire.c encodes and decodes every line, so both
 * sides speak struct wire_task and struct wire_reply.
 *
 * Protocol: one JSON object per line on stdin, one reply line on stdout.
 *   {"id":N,"op":"probe","path":P}
 *     -> {"id":N,"ok":true,"facts":{...}}
 *   {"id":N,"op":"hash","path":P}
 *     -> {"id":N,"ok":true,"sha256":"<hex>"}
 *   {"id":N,"op":"thumb","path":P,"out":Q,"at":SECONDS,"max_w":PX}
 *     -> {"id":N,"ok":true}  (a JPEG poster frame at Q)
 *   {"id":N,"op":"conform","kind":"video"|"audio","in":P,"out":Q,
 *    "facts":{...},"plan":{...}}
 *     -> {"id":N,"ok":true,"facts":{facts of Q}}
 *   {"id":N,"op":"deliver","path":PICTURE,"dub":D,"model_audio":false,
 *    "mov":false,"fingerprint":F,"request":R,"out":Q}
 *     -> {"id":N,"ok":true,"facts":{facts of Q},"delivery":{...}}
 *   {"id":N,"op":"analyze","path":PICTURE,"dub":D}
 *     -> {"id":N,"ok":true,"analysis":{"audio_seconds":S,
 *         "picture_seconds":S,"levels":[dBFS every 10 ms...],
 *         "shots":[seconds...]}}
 *   {"id":N,"op":"stitch","parts":[{"path":P,"frames":F},...],
 *    "plan":{the scene's video plan},"out":Q}
 *     -> {"id":N,"ok":true,"stitch":{"copied":B,"frames":F,"mended":M,
 *         "got":[frames of each part...]}}
 *   {"id":N,"op":"verify","path":P,"frames":F,"fps_num":N,"fps_den":D,
 *    "audio_seconds":S}
 *     -> {"id":N,"ok":true,"facts":{...},"verify":{...}}
 *        (on a mismatch ok is false, with verify and the error)
 *   any failure -> {"id":N,"ok":false,"code":C,"error":"..."}
 *
 * Fault seams for tests (documented in the README): when the environment
 * names DUBBATCH_FAULT_CRASH or DUBBATCH_FAULT_HANG and a task's path
 * contains that text, the worker crashes with SIGSEGV or hangs.
 */
#ifndef DUB_WORKER_H
#define DUB_WORKER_H

/* Serves tasks until stdin closes; returns the process exit code. */
int worker_main(void);

#endif
