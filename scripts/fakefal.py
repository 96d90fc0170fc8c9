#!/usr/bin/env python3
"""A fake fal.ai for tests, benchmarks and the demo (fal-protocol.md).

One process on 127.0.0.1 serves the three fal hosts dubbatch talks to:
the queue (submit, status, result, cancel), storage (upload initiate, the
signed PUT, multipart) and the platform API (request listing), plus the CDN
that serves files without auth.  It behaves like the Kling LipSync model:
inputs are probed with ffprobe and checked against the model's limits, jobs
queue behind an account concurrency limit, a 12-minute job takes
--job-seconds, and the output is a real MP4.

Faults are injected with --fault ROUTE:KIND[:count=N|:p=P][:delay=S] (or
POST /__faults at run time); GET /__stats reports what happened.

Standard library only (pip cannot reach PyPI here); the ffmpeg CLI is used
by the fake, never by dubbatch.
"""

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlparse

ENDPOINTS = ("fal-ai/kling-video/lipsync/audio-to-video",
             "fal-ai/kling-video/lipsync/text-to-video")
OWNER_APP = "fal-ai/kling-video"
VOICES = {
    "genshin_vindi2", "zhinen_xuesheng", "AOT", "ai_shatang", "genshin_klee2",
    "genshin_kirara", "ai_kaiya", "oversea_male1", "ai_chenjiahao_712",
    "girlfriend_4_speech02", "chat1_female_new-3", "chat_0407_5-1",
    "cartoon-boy-07", "uk_boy1", "cartoon-girl-01", "PeppaPig_platform",
    "ai_huangzhong_712", "ai_huangyaoshi_712", "ai_laoguowang_712",
    "chengshu_jiejie", "you_pingjing", "calm_story1", "uk_man2",
    "laopopo_speech02", "heainainai_speech02", "reader_en_m-v1",
    "commercial_lady_en_f-v1", "tiyuxi_xuedi", "tiexin_nanyou",
    "girlfriend_1_speech02", "girlfriend_2_speech02", "zhuxi_speech02",
    "uk_oldman3", "dongbeilaotie_speech02", "chongqingxiaohuo_speech02",
    "chuanmeizi_speech02", "chaoshandashu_speech02", "ai_taiwan_man2_speech02",
    "xianzhanggui_speech02", "tianjinjiejie_speech02",
    "diyinnansang_DB_CN_M_04-v2", "yizhipiannan-v1", "guanxiaofang-v2",
    "tianmeixuemei-v1", "daopianyansang-v1", "mengwa-v1",
}
ROUTES = ("submit", "status", "result", "cancel", "initiate", "upload", "cdn",
          "list", "model")
KINDS = ("500", "502", "503", "503ingress", "504", "429", "401", "403",
         "html502", "xml500", "xml503", "xmltimeout", "expired", "empty", "drop",
         "slow", "reset", "slowbody", "badjson", "truncate", "lost",
         "expire", "fail", "faildetail", "failstring", "timeout", "short")
# Faults that bend the real reply instead of replacing it.
BODY_KINDS = ("reset", "slowbody", "badjson", "truncate")
# Routes served by storage and the CDN, whose errors are S3-shaped XML.
STORAGE_ROUTES = ("upload", "cdn")
LIST_PAGE = 3  # small, so clients must follow next_cursor
MULTIPART_CHUNK = 10 * 1024 * 1024


def now_iso(t=None):
    t = time.time() if t is None else t
    return datetime.fromtimestamp(t, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_iso(s):
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        return None


class Fault:
    """One injected behaviour on one route: the first `count` requests, or
    each request with probability p."""

    def __init__(self, route, kind, count=None, p=None, delay=2.0,
                 after=False, rate=20000):
        if route not in ROUTES or kind not in KINDS:
            raise ValueError("unknown fault %s:%s" % (route, kind))
        self.route, self.kind = route, kind
        self.count = count if count is not None else (None if p else 1)
        self.p, self.delay = p, delay
        # submit: the job is created first, then the fault is played (a
        # proxy that gives up on a backend that did the work).
        self.after = after or kind in BODY_KINDS
        self.rate = rate  # slowbody: bytes per second

    @classmethod
    def parse(cls, text):
        parts = text.split(":")
        if len(parts) < 2:
            raise ValueError("fault wants ROUTE:KIND[:count=N|:p=P]")
        kw = {}
        for opt in parts[2:]:
            k, _, v = opt.partition("=")
            if k == "count":
                kw["count"] = int(v)
            elif k == "p":
                kw["p"] = float(v)
            elif k == "delay":
                kw["delay"] = float(v)
            elif k == "rate":
                kw["rate"] = int(v)
            elif k == "after" and not v:
                kw["after"] = True
            else:
                raise ValueError("unknown fault option %r" % k)
        return cls(parts[0], parts[1], **kw)

    def fires(self, rng):
        if self.p is not None:
            return rng.random() < self.p
        if self.count and self.count > 0:
            self.count -= 1
            return True
        return False


class Fal:
    """The whole fake: uploads, CDN files, jobs, faults and statistics."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.rng = random.Random(args.seed)
        self.dir = tempfile.mkdtemp(prefix="fakefal.")
        self.faults = [Fault.parse(f) for f in args.fault]
        self.uploads = {}   # token -> {"name", "ctype", "path", "parts"}
        self.files = {}     # cdn name -> {"path", "ctype", "time"}
        self.jobs = {}      # request id -> job dict
        self.order = []     # request ids in submission order
        self.reset_stats()
        threading.Thread(target=self.scheduler, daemon=True).start()

    def reset_stats(self):
        self.stats = {"requests": {}, "status_codes": {}, "submissions": {},
                      "uploads": 0, "uploaded": [], "violations": [],
                      "outcomes": {}}

    # ---- faults and stats ------------------------------------------------

    def fault(self, route):
        with self.lock:
            for f in self.faults:
                if f.route == route and f.fires(self.rng):
                    return f
        return None

    def count(self, route, code):
        with self.lock:
            r = self.stats["requests"]
            r[route] = r.get(route, 0) + 1
            c = self.stats["status_codes"].setdefault(route, {})
            c[str(code)] = c.get(str(code), 0) + 1

    def violation(self, route, reason):
        with self.lock:
            self.stats["violations"].append({"route": route,
                                             "reason": reason})

    def outcome(self, what):
        with self.lock:
            o = self.stats["outcomes"]
            o[what] = o.get(what, 0) + 1

    # ---- storage ---------------------------------------------------------

    def store_file(self, name, ctype, path):
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name or "file.bin")[-80:]
        cdn = "%s/%s" % (uuid.uuid4().hex[:8], safe)
        with self.lock:
            self.files[cdn] = {"path": path, "ctype": ctype,
                               "time": time.time()}
        return cdn

    def uploaded(self, token, path):
        """An upload is complete: its content names it from now on, so a
        piece of work uploaded again (a lost database) is still known."""
        with open(path, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        with self.lock:
            up = self.uploads[token]
            self.files[up["cdn"]]["sha"] = sha
            self.stats["uploads"] += 1
            self.stats["uploaded"].append(sha)

    def work_key(self, endpoint, inp):
        """What a submission asks for, by content: the input with each of
        our CDN URLs replaced by the hash of the file behind it.  Counting
        submissions per key is counting what was paid for per piece of
        work, however often its files were uploaded."""
        def content(v):
            if isinstance(v, str):
                m = re.match(r"^https?://[^/]+/cdn/(.+)$", v)
                with self.lock:
                    f = self.files.get(m.group(1)) if m else None
                if f and f.get("sha"):
                    return "sha256:" + f["sha"]
            return v
        return endpoint + " " + json.dumps(
            {k: content(v) for k, v in inp.items()}, sort_keys=True)

    def local_file(self, url):
        """The stored file behind one of our CDN URLs, or None (a URL the
        model could not download)."""
        u = urlparse(url or "")
        m = re.match(r"^/cdn/(.+)$", u.path)
        if u.scheme not in ("http", "https") or not m:
            return None
        with self.lock:
            f = self.files.get(m.group(1))
        if not f or self.cdn_expired(f):
            return None
        return f["path"]

    def cdn_expired(self, f):
        return (self.args.cdn_ttl is not None and
                time.time() - f["time"] > self.args.cdn_ttl)

    # ---- the model -------------------------------------------------------

    def probe(self, path):
        try:
            out = subprocess.run(
                ["ffprobe", "-v", "error", "-show_format", "-show_streams",
                 "-of", "json", path], capture_output=True, timeout=30)
            return json.loads(out.stdout or b"{}")
        except (OSError, ValueError, subprocess.TimeoutExpired):
            return {}

    @staticmethod
    def detail(field, msg, typ, **ctx):
        d = {"loc": ["body", field], "msg": msg, "type": typ,
             "url": "https://docs.fal.ai/errors#" + typ}
        if ctx:
            d["ctx"] = ctx
        return d

    def validate(self, job):
        """Checks a job's input as the Kling app would: returns a list of
        error details (empty when the input is fine) and the probes."""
        inp, errs = job["input"], []
        t2v = job["endpoint"].endswith("text-to-video")
        vpath = self.local_file(inp.get("video_url"))
        if not isinstance(inp.get("video_url"), str):
            return [self.detail("video_url", "field required", "missing")], {}
        if not vpath:
            return [self.detail("video_url", "Failed to download the file",
                                "file_download_error")], {}
        vp = self.probe(vpath)
        fmt = vp.get("format", {})
        # A clip titled "noface" has no face the model can find (the test
        # fixture noface_720p.mov): the content says so, not its name.
        if "noface" in fmt.get("tags", {}).get("title", ""):
            return [self.detail("video_url", "No face detected in the video",
                                "face_detection_error")], {}
        video = [s for s in vp.get("streams", [])
                 if s.get("codec_type") == "video" and
                 not s.get("disposition", {}).get("attached_pic")]
        if not video or not fmt.get("format_name", "").startswith("mov"):
            errs.append(self.detail("video_url", "Unsupported video format",
                                    "unsupported_video_format"))
            return errs, {"video": vp}
        dur = float(fmt.get("duration", 0))
        vmax = 60.0 if t2v else 10.0
        if dur > vmax:
            errs.append(self.detail(
                "video_url", "Video duration must be at most %g seconds" % vmax,
                "video_duration_too_long", le=vmax))
        if dur < 2.0:
            errs.append(self.detail(
                "video_url", "Video duration must be at least 2 seconds",
                "video_duration_too_short", ge=2))
        w, h = int(video[0].get("width", 0)), int(video[0].get("height", 0))
        if not (720 <= w <= 1920 and 720 <= h <= 1920):
            errs.append(self.detail(
                "video_url", "Video width and height must be 720-1920px, "
                "got %dx%d" % (w, h), "image_too_small"
                if min(w, h) < 720 else "image_too_large"))
        if os.path.getsize(vpath) > 100_000_000:
            errs.append(self.detail("video_url", "File too large",
                                    "file_too_large", max_size=100_000_000))
        probes = {"video": vp, "video_path": vpath, "duration": dur}
        if t2v:
            text = inp.get("text")
            if not isinstance(text, str) or not text:
                errs.append(self.detail("text", "field required", "missing"))
            elif len(text) > 120:
                errs.append(self.detail("text", "String too long",
                                        "string_too_long", max_length=120))
            if inp.get("voice_id") not in VOICES:
                errs.append(self.detail("voice_id", "Invalid voice id",
                                        "one_of"))
            if inp.get("voice_language", "en") not in ("zh", "en"):
                errs.append(self.detail("voice_language", "Invalid language",
                                        "one_of", expected=["zh", "en"]))
            sp = inp.get("voice_speed", 1)
            if not isinstance(sp, (int, float)) or not 0.8 <= sp <= 2:
                errs.append(self.detail("voice_speed", "Out of range",
                                        "less_than_equal", ge=0.8, le=2))
            return errs, probes
        apath = self.local_file(inp.get("audio_url"))
        if not apath:
            errs.append(self.detail("audio_url", "Failed to download the file",
                                    "file_download_error"))
            return errs, probes
        ap = self.probe(apath)
        afmt = ap.get("format", {})
        if (not any(s.get("codec_type") == "audio"
                    for s in ap.get("streams", [])) or
                afmt.get("format_name", "").split(",")[0] not in
                ("mp3", "wav", "mov", "aac", "ogg")):
            errs.append(self.detail("audio_url", "Unsupported audio format",
                                    "unsupported_audio_format"))
            return errs, probes
        adur = float(afmt.get("duration", 0))
        if adur > 60.0:
            errs.append(self.detail("audio_url", "Audio too long",
                                    "audio_duration_too_long", le=60))
        if adur < 2.0:
            errs.append(self.detail("audio_url", "Audio too short",
                                    "audio_duration_too_short", ge=2))
        if os.path.getsize(apath) > 5_000_000:
            errs.append(self.detail("audio_url", "File too large",
                                    "file_too_large", max_size=5_000_000))
        probes.update(audio_path=apath, audio_duration=adur)
        return errs, probes

    def render(self, job, probes):
        """The output MP4: the input video looped or cut to the audio's
        length, with the new audio (text-to-video: a tone as long as the
        text would take to say)."""
        out = os.path.join(self.dir, job["id"] + ".mp4")
        if self.args.output == "copy" and not job.get("short"):
            shutil.copyfile(probes["video_path"], out)
            return out
        if "audio_path" in probes:
            length = probes["audio_duration"]
            audio = ["-i", probes["audio_path"]]
        else:
            length = max(2.0, min(60.0, 0.06 * len(job["input"]["text"])))
            audio = ["-f", "lavfi", "-i", "sine=frequency=220"]
        if job.get("short"):
            length = 1.0  # a cut render: COMPLETED, but not the whole clip
        cmd = (["ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop",
                "-1", "-i", probes["video_path"]] + audio +
               ["-map", "0:v:0", "-map", "1:a:0", "-t", "%.3f" % length,
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt",
                "yuv420p", "-c:a", "aac", "-movflags", "+faststart", out])
        subprocess.run(cmd, capture_output=True, timeout=300, check=True)
        return out

    def run_model(self, job):
        fault = self.fault("model")
        if fault and fault.kind == "short":
            job["short"] = True
        elif fault:
            job["error"] = self.model_error(fault.kind)
            return
        errs, probes = self.validate(job)
        if errs:
            job["error"] = {"code": 422, "body": {"detail": errs},
                            "msg": errs[0]["msg"],
                            "type": errs[0]["type"]}
            return
        try:
            path = self.render(job, probes)
        except (OSError, subprocess.SubprocessError) as e:
            job["error"] = self.model_error("fail", str(e))
            return
        cdn = self.store_file(job["id"] + ".mp4", "video/mp4", path)
        job["result"] = {"video": {
            "url": "%s/cdn/%s" % (job["base"], cdn),
            "content_type": "video/mp4", "file_name": job["id"] + ".mp4",
            "file_size": os.path.getsize(path)}}

    @staticmethod
    def model_error(kind, why=None):
        if kind == "faildetail":
            d = {"loc": ["body"], "msg": "No face detected in the video",
                 "type": "face_detection_error"}
            return {"code": 422, "body": {"detail": [d]}, "msg": d["msg"],
                    "type": d["type"]}
        if kind == "failstring":
            return {"code": 422, "body": {"detail": "Generation failed"},
                    "msg": "Generation failed", "type": "value_error"}
        if kind == "timeout":
            return {"code": 504, "body": {"detail": "Request timed out",
                                          "error_type": "request_timeout"},
                    "msg": "Request timed out", "type": "request_timeout",
                    "header": "request_timeout"}
        msg = why or "Runner disconnected"
        return {"code": 503, "body": {"detail": msg,
                                      "error_type": "runner_disconnected"},
                "msg": msg, "type": "runner_disconnected",
                "header": "runner_disconnected"}

    def scheduler(self):
        """Moves jobs IN_QUEUE -> IN_PROGRESS (within the concurrency
        limit) -> COMPLETED --job-seconds later.  The model (validation and
        the output, which take ffprobe and ffmpeg time) runs while the job
        is IN_PROGRESS, not after it, so a job takes --job-seconds as a
        fal job takes its run time, not that plus the fake's own work."""
        while True:
            time.sleep(0.01)
            finished = []
            with self.lock:
                running = [j for j in self.jobs.values()
                           if j["status"] == "IN_PROGRESS"]
                queued = [self.jobs[i] for i in self.order
                          if self.jobs[i]["status"] == "IN_QUEUE"]
                t = time.time()
                for j in queued[:max(0, self.args.concurrency - len(running))]:
                    j["status"], j["started"] = "IN_PROGRESS", t
                    j["logs"].append(self.log("Starting Kling LipSync"))
                    n = self.args.log_lines
                    j["logs"].extend(self.log("sampling step %d of %d" %
                                              (k + 1, n)) for k in range(n))
                    threading.Thread(target=self.model, args=(j,),
                                     daemon=True).start()
                for j in running:
                    if (j.get("modelled") and
                            t - j["started"] >= self.args.job_seconds):
                        j["logs"].append(self.log(
                            "Done" if "result" in j else "Failed"))
                        j["status"], j["completed"] = "COMPLETED", t
                        finished.append(j)
            for j in finished:
                self.outcome("completed" if "result" in j else "failed")

    def model(self, j):
        """Runs the model for one job in its own thread: rendering takes
        seconds and must not hold up the queue."""
        self.run_model(j)
        with self.lock:
            j["modelled"] = True

    @staticmethod
    def log(msg):
        return {"message": msg, "level": "INFO", "source": "USER",
                "timestamp": now_iso()}

    def queue_position(self, job):
        with self.lock:
            q = [i for i in self.order
                 if self.jobs[i]["status"] == "IN_QUEUE"]
        return q.index(job["id"]) if job["id"] in q else 0

    def urls(self, job):
        base = "%s/%s/requests/%s" % (job["base"], OWNER_APP, job["id"])
        return {"request_id": job["id"], "response_url": base,
                "status_url": base + "/status",
                "cancel_url": base + "/cancel"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakefal/1"

    def log_message(self, fmt, *args):
        if self.server.fal.args.verbose:
            sys.stderr.write("fakefal: " + fmt % args + "\n")

    # ---- plumbing --------------------------------------------------------

    @property
    def fal(self):
        return self.server.fal

    def base(self):
        return "http://%s" % (self.headers.get("Host") or
                              "127.0.0.1:%d" % self.server.server_port)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else b""
        key = self.fal.args.key
        if key and key.encode() in data:
            self.fal.violation(self.route, "the key appears in a request body")
        return data

    def reply(self, code, obj=None, headers=None, raw=None, ctype=None):
        data = raw if raw is not None else (
            b"" if obj is None else json.dumps(obj).encode())
        bend, self.bend = self.bend, None
        if bend and bend.kind == "badjson" and obj is not None:
            # A whole reply whose JSON stops halfway: the transfer is
            # clean, the body is not.
            data = data[:len(data) // 2]
        self.fal.count(self.route, bend.kind if bend else code)
        self.send_response(code)
        self.send_header("Content-Type", ctype or "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command == "HEAD":
            return
        if not bend or bend.kind == "badjson":
            self.wfile.write(data)
            return
        if bend.kind == "slowbody":
            step = max(1, bend.rate // 20)
            for i in range(0, len(data), step):
                self.wfile.write(data[i:i + step])
                self.wfile.flush()
                time.sleep(0.05)
            return
        # truncate and reset: half the promised body, then the connection
        # ends, cleanly (FIN) or with a reset (RST), as proxies and
        # crashing servers do.
        self.wfile.write(data[:len(data) // 2])
        self.wfile.flush()
        self.close_connection = True
        if bend.kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def drop(self):
        """Closes the connection without a reply."""
        self.fal.count(self.route, "dropped")
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def apply_fault(self, route):
        """Draws a fault for route and plays it; True when the request was
        answered (or dropped) by it."""
        return self.play(self.fal.fault(route))

    def play(self, f):
        """Plays a fault (the model's and a few route-specific ones are
        played by their route); returns True when the request is answered
        (or dropped) by it.  Faults that bend the real reply are kept for
        reply()."""
        if not f:
            return False
        if f.kind == "slow":
            time.sleep(f.delay)
            return False
        if f.kind in BODY_KINDS:
            self.bend = f
            return False
        if f.kind == "drop":
            self.drop()
            return True
        storage = self.route in STORAGE_ROUTES
        if f.kind in ("xml500", "xml503", "xmltimeout", "expired") or \
                (storage and f.kind in ("500", "502", "503", "504")):
            code, s3, msg = {
                "xml500": (500, "InternalError", "We encountered an "
                           "internal error. Please try again."),
                "xml503": (503, "SlowDown", "Please reduce your request "
                           "rate."),
                "xmltimeout": (400, "RequestTimeout", "Your socket "
                               "connection to the server was not read from "
                               "or written to within the timeout period."),
                "expired": (403, "AccessDenied", "Request has expired"),
                "500": (500, "InternalError", "We encountered an internal "
                        "error. Please try again."),
                "502": (502, "BadGateway", "Bad gateway"),
                "503": (503, "ServiceUnavailable", "Reduce your request "
                        "rate."),
                "504": (504, "GatewayTimeout", "Gateway timeout"),
            }[f.kind]
            body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s'
                    '</Code><Message>%s</Message><RequestId>%s</RequestId>'
                    '</Error>' % (s3, msg, uuid.uuid4().hex[:16].upper()))
            self.reply(code, raw=body.encode(), ctype="application/xml")
            return True
        if f.kind == "html502":
            self.reply(502, raw=b"<html>\r\n<head><title>502 Bad Gateway"
                       b"</title></head>\r\n<body>\r\n<center><h1>502 Bad "
                       b"Gateway</h1></center>\r\n<hr><center>cloudflare"
                       b"</center>\r\n</body>\r\n</html>\r\n",
                       ctype="text/html")
            return True
        if f.kind in ("500", "502", "504"):
            self.reply(int(f.kind), {"detail": "Internal error (injected)",
                                     "error_type": "runner_server_error"},
                       {"X-Fal-Error-Type": "runner_server_error",
                        "x-fal-request-id": str(uuid.uuid4())})
            return True
        if f.kind == "503":
            self.reply(503, {"detail": "Runner unavailable",
                             "error_type": "runner_scheduling_failure"},
                       {"X-Fal-Error-Type": "runner_scheduling_failure",
                        "x-fal-request-id": str(uuid.uuid4())})
            return True
        if f.kind == "503ingress":
            self.reply(503, raw=b"<html><body><center><h1>503 Service "
                       b"Temporarily Unavailable</h1></center><hr><center>"
                       b"nginx</center></body></html>", ctype="text/html")
            return True
        if f.kind == "429":
            self.reply(429, {"detail": "Too many requests",
                             "error_type": "concurrent_requests_limit"},
                       {"X-Fal-Needs-Retry": "1", "Retry-After": "1"})
            return True
        if f.kind == "401":
            self.reply(401, {"detail": "No user found for Key ID and Secret"})
            return True
        if f.kind == "403":
            self.reply(403, {"detail": "User is locked. Reason: Exhausted "
                             "balance. Top up your balance at "
                             "fal.ai/dashboard/billing"})
            return True
        return False

    def auth(self, missing_detail="Authorization header is required"):
        h = self.headers.get("Authorization")
        if not h:
            self.reply(401, {"detail": missing_detail})
            return False
        m = re.match(r"^Key ([^:\s]+):(\S+)$", h)
        if not m:
            self.reply(401, {"detail": "Invalid Key Authorization header "
                             "format. Expected '<key_id>:<key_secret>'."})
            return False
        key = self.fal.args.key
        if key and "%s:%s" % m.groups() != key:
            self.reply(401, {"detail": "No user found for Key ID and Secret"})
            return False
        return True

    def no_auth_here(self):
        """Storage PUTs and the CDN never see the fal key in real life."""
        if self.headers.get("Authorization"):
            self.fal.violation(self.route, "Authorization header sent to %s %s"
                               % (self.command, self.path.split("?")[0]))

    # ---- routing ---------------------------------------------------------

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def dispatch(self):
        u = urlparse(self.path)
        path, q = u.path, parse_qs(u.query)
        self.route = "other"
        self.bend = None
        key = self.fal.args.key
        if key and key in self.path:
            self.fal.violation("url", "the key appears in a URL")
        try:
            self.route_request(path, q)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def route_request(self, path, q):
        m_req = re.match(r"^/fal-ai/kling-video(?:/lipsync/[a-z-]+)?/requests/"
                         r"([0-9a-f-]{36})(/status|/cancel|/response)?$", path)
        if path == "/__stats":
            self.route = "stats"
            return self.stats_reply()
        if path == "/__faults" and self.command == "POST":
            self.route = "faults"
            return self.set_faults()
        if path == "/__reset" and self.command == "POST":
            self.route = "reset"
            with self.fal.lock:
                self.fal.reset_stats()
            return self.reply(200, {"ok": True})
        if self.command == "POST" and path.lstrip("/") in ENDPOINTS:
            self.route = "submit"
            return self.submit(path.lstrip("/"))
        if m_req:
            rid, tail = m_req.group(1), m_req.group(2) or ""
            if tail == "/status" and self.command == "GET":
                self.route = "status"
                return self.status(rid, q)
            if tail == "/cancel" and self.command == "PUT":
                self.route = "cancel"
                return self.cancel(rid)
            if tail in ("", "/response") and self.command == "GET":
                self.route = "result"
                return self.result(rid)
        if path in ("/storage/upload/initiate",
                    "/storage/upload/initiate-multipart") and \
                self.command == "POST":
            self.route = "initiate"
            return self.initiate(path.endswith("multipart"))
        m_up = re.match(r"^/upload/([0-9a-f]{32})(?:/(\d+|complete))?$", path)
        if m_up:
            self.route = "upload"
            return self.upload(m_up.group(1), m_up.group(2))
        if path.startswith("/cdn/") and self.command in ("GET", "HEAD"):
            self.route = "cdn"
            return self.cdn(path[5:])
        if path == "/v1/models/requests/by-endpoint" and self.command == "GET":
            self.route = "list"
            return self.listing(q)
        self.reply(404, {"detail": "Not Found"})

    # ---- queue -----------------------------------------------------------

    def submit(self, endpoint):
        data = self.body()
        if not self.auth(missing_detail="Cannot access application "
                         "'fal-ai/kling-video': Authorization required"):
            return
        f = self.fal.fault("submit")
        if f and f.kind != "lost" and not f.after and self.play(f):
            return
        try:
            inp = json.loads(data or b"null")
        except ValueError:
            return self.reply(422, {"detail": [{
                "loc": ["body"], "msg": "Invalid JSON", "type":
                "value_error.jsondecode"}]})
        if not isinstance(inp, dict):
            return self.reply(422, {"detail": [{
                "loc": ["body"], "msg": "value is not a valid dict",
                "type": "type_error.dict"}]})
        job = {"id": str(uuid.uuid4()), "endpoint": endpoint, "input": inp,
               "status": "IN_QUEUE", "sent": time.time(), "started": None,
               "completed": None, "logs": [], "base": self.base(),
               "fetched": None}
        canon = self.fal.work_key(endpoint, inp)
        with self.fal.lock:
            self.fal.jobs[job["id"]] = job
            self.fal.order.append(job["id"])
            s = self.fal.stats["submissions"]
            s[canon] = s.get(canon, 0) + 1
        if f and f.kind == "lost":
            # The job exists; the client never hears of it.
            return self.drop()
        if f and f.after and self.play(f):
            return
        body = dict(self.fal.urls(job), status="IN_QUEUE",
                    queue_position=self.fal.queue_position(job),
                    _fake=True)
        self.reply(200, body, {"x-fal-request-id": job["id"]})

    def job_or_404(self, rid):
        with self.fal.lock:
            job = self.fal.jobs.get(rid)
        if not job:
            self.reply(404, {"status": "NOT_FOUND"})
        return job

    def status(self, rid, q):
        if not self.auth() or self.apply_fault("status"):
            return
        job = self.job_or_404(rid)
        if not job:
            return
        logs = (q.get("logs", ["0"])[0] in ("1", "true"))
        with self.fal.lock:
            st = job["status"]
            body = dict(self.fal.urls(job), status=st, _fake=True)
            if st == "IN_QUEUE":
                body["queue_position"] = self.fal.queue_position(job)
            else:
                body["logs"] = list(job["logs"]) if logs else []
            if st == "COMPLETED":
                body["metrics"] = {"inference_time":
                                   round(job["completed"] - job["started"], 3)
                                   if job["started"] else None}
                if "error" in job:
                    body["error"] = job["error"]["msg"]
                    body["error_type"] = job["error"]["type"]
        self.reply(200 if st == "COMPLETED" else 202, body)

    def result(self, rid):
        if not self.auth():
            return
        f = self.fal.fault("result")
        if f and f.kind != "expire" and self.play(f):
            return
        job = self.job_or_404(rid)
        if not job:
            return
        if job["status"] != "COMPLETED":
            return self.reply(400, {"detail": "Request is still in progress"})
        ttl = self.fal.args.result_ttl
        if (f and f.kind == "expire") or \
                (ttl is not None and time.time() - job["completed"] > ttl):
            return self.reply(404, {"detail": "Request not found or expired"})
        err = job.get("error")
        if err:
            hdr = {"x-fal-request-id": rid}
            if err.get("header"):
                hdr["X-Fal-Error-Type"] = err["header"]
            return self.reply(err["code"], err["body"], hdr)
        self.reply(200, job["result"], {"x-fal-request-id": rid})

    def cancel(self, rid):
        if not self.auth() or self.apply_fault("cancel"):
            return
        job = self.job_or_404(rid)
        if not job:
            return
        with self.fal.lock:
            st = job["status"]
            if st == "COMPLETED":
                return self.reply(400, {"status": "ALREADY_COMPLETED"})
            if st == "IN_QUEUE":
                job["status"], job["completed"] = "COMPLETED", time.time()
                job["error"] = {"code": 499, "body": {
                    "detail": "Request cancelled by the client",
                    "error_type": "client_cancelled"},
                    "msg": "Request cancelled by the client",
                    "type": "client_cancelled", "header": "client_cancelled"}
        if st == "IN_QUEUE":
            self.fal.outcome("cancelled")
        self.reply(202, {"status": "CANCELLATION_REQUESTED"})

    # ---- storage and CDN -------------------------------------------------

    def initiate(self, multipart):
        data = self.body()
        if not self.auth() or self.apply_fault("initiate"):
            return
        try:
            req = json.loads(data or b"{}")
        except ValueError:
            req = None
        if not isinstance(req, dict):
            return self.reply(422, {"detail": [{"loc": ["body"], "msg":
                                                "invalid body", "type":
                                                "value_error"}]})
        token = uuid.uuid4().hex
        name = str(req.get("file_name") or "upload.bin")
        ctype = str(req.get("content_type") or "application/octet-stream")
        path = os.path.join(self.fal.dir, "up-" + token)
        cdn = self.fal.store_file(name, ctype, path)
        with self.fal.lock:
            self.fal.uploads[token] = {"name": name, "ctype": ctype,
                                       "path": path, "cdn": cdn,
                                       "multipart": multipart, "parts": {}}
        self.reply(200, {"upload_url": "%s/upload/%s?sig=fake" %
                         (self.base(), token),
                         "file_url": "%s/cdn/%s" % (self.base(), cdn)})

    def upload(self, token, part):
        self.no_auth_here()
        with self.fal.lock:
            up = self.fal.uploads.get(token)
        data = self.body()
        if not up:
            return self.reply(403, raw=b"<Error><Code>AccessDenied</Code>"
                              b"</Error>", ctype="application/xml")
        if self.apply_fault("upload"):
            return
        if part is None and self.command == "PUT" and not up["multipart"]:
            with open(up["path"], "wb") as f:
                f.write(data)
            self.fal.uploaded(token, up["path"])
            return self.reply(200, {"ok": True})
        if part and part.isdigit() and self.command == "PUT" and \
                up["multipart"]:
            etag = hashlib.md5(data).hexdigest()
            with self.fal.lock:
                up["parts"][int(part)] = (etag, data)
            return self.reply(200, {"partNumber": int(part), "etag": etag},
                              {"ETag": '"%s"' % etag})
        if part == "complete" and self.command == "POST" and up["multipart"]:
            try:
                parts = json.loads(data)["parts"]
                order = [(p["partNumber"], p["etag"]) for p in parts]
            except (ValueError, KeyError, TypeError):
                return self.reply(400, {"detail": "invalid parts"})
            with open(up["path"], "wb") as f:
                for n, etag in sorted(order):
                    have = up["parts"].get(n)
                    if not have or have[0] != etag:
                        return self.reply(400, {"detail":
                                                "part %d missing" % n})
                    f.write(have[1])
            self.fal.uploaded(token, up["path"])
            return self.reply(200, {"ok": True})
        self.reply(405, {"detail": "Method Not Allowed"})

    def cdn(self, name):
        self.no_auth_here()
        with self.fal.lock:
            f = self.fal.files.get(name)
        if not f or not os.path.exists(f["path"]) or self.fal.cdn_expired(f):
            return self.reply(404, raw=b"Not Found", ctype="text/plain")
        if self.apply_fault("cdn"):
            return
        with open(f["path"], "rb") as fh:
            data = fh.read()
        self.reply(200, raw=data, ctype=f["ctype"])

    # ---- platform API ----------------------------------------------------

    def listing(self, q):
        if not self.auth():
            return
        f = self.fal.fault("list")
        if f and f.kind == "empty":
            # A listing that lags behind the queue: nothing yet.
            return self.reply(200, {"items": [], "has_more": False,
                                    "next_cursor": None})
        if self.play(f):
            return
        ep = q.get("endpoint_id", [None])[0]
        if ep not in ENDPOINTS:
            return self.reply(422, {"detail": [{
                "loc": ["query", "endpoint_id"], "msg": "field required",
                "type": "missing"}]})
        start = parse_iso(q.get("start", [""])[0]) or 0
        end = parse_iso(q.get("end", [""])[0]) or float("inf")
        limit = min(int(q.get("limit", [LIST_PAGE])[0] or LIST_PAGE),
                    LIST_PAGE)
        cursor = int(q.get("cursor", ["0"])[0] or 0)
        expand = "payloads" in q.get("expand", [""])[0]
        with self.fal.lock:
            rows = [self.fal.jobs[i] for i in self.fal.order
                    if self.fal.jobs[i]["endpoint"] == ep and
                    start <= self.fal.jobs[i]["sent"] <= end]
            page = rows[cursor:cursor + limit]
            items = []
            for j in page:
                it = {"request_id": j["id"], "endpoint_id": ep,
                      "sent_at": now_iso(j["sent"]),
                      "started_at": now_iso(j["started"])
                      if j["started"] else None,
                      "status": ("error" if "error" in j else "success")
                      if j["status"] == "COMPLETED" else
                      j["status"].lower()}
                if expand:
                    it["json_input"] = j["input"]
                    it["json_output"] = j.get("result")
                items.append(it)
        more = cursor + limit < len(rows)
        self.reply(200, {"items": items, "has_more": more,
                         "next_cursor": str(cursor + limit) if more else None})

    # ---- test controls ---------------------------------------------------

    def stats_reply(self):
        with self.fal.lock:
            st = json.loads(json.dumps(self.fal.stats))
            st["queue"] = sum(1 for j in self.fal.jobs.values()
                              if j["status"] == "IN_QUEUE")
            st["running"] = sum(1 for j in self.fal.jobs.values()
                                if j["status"] == "IN_PROGRESS")
            st["jobs"] = len(self.fal.jobs)
            st["duplicates"] = sum(1 for n in st["submissions"].values()
                                   if n > 1)
        self.fal.count("stats", 200)
        data = json.dumps(st, indent=1).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def set_faults(self):
        try:
            specs = json.loads(self.body() or b"[]")
            faults = [Fault.parse(s) for s in specs]
        except (ValueError, TypeError) as e:
            return self.reply(400, {"detail": str(e)})
        with self.fal.lock:
            self.fal.faults = faults
        self.reply(200, {"faults": len(faults)})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--key", help="the only key accepted (ID:SECRET); "
                    "default: any well-formed key")
    ap.add_argument("--concurrency", type=int, default=2,
                    help="account concurrency limit (fal's default: 2)")
    ap.add_argument("--job-seconds", type=float, default=1.0,
                    help="time one job runs (the real one: about 720)")
    ap.add_argument("--log-lines", type=int, default=0,
                    help="extra log lines each job writes (a chatty model)")
    ap.add_argument("--output", choices=("render", "copy"), default="render",
                    help="render a real lip-sync stand-in with ffmpeg, or "
                    "serve the input video (fast, for benchmarks)")
    ap.add_argument("--result-ttl", type=float,
                    help="seconds a result stays fetchable")
    ap.add_argument("--cdn-ttl", type=float,
                    help="seconds a CDN file stays downloadable")
    ap.add_argument("--fault", action="append", default=[],
                    metavar="ROUTE:KIND[:count=N|:p=P][:delay=S]")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        ap.error("the fake serves loopback only")
    try:
        fal = Fal(args)
    except ValueError as e:
        ap.error(str(e))
    srv = ThreadingHTTPServer((args.host, args.port), Handler)
    srv.daemon_threads = True
    srv.fal = fal
    port = srv.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(args.port_file + ".tmp", args.port_file)
    print("fakefal listening on http://%s:%d" % (args.host, port), flush=True)
    # Tests stop the fake with SIGTERM: without this its storage (every
    # upload and result, megabytes a test) stayed behind in /tmp.
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(0))
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        shutil.rmtree(fal.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
