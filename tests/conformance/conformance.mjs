// Runs fal's official JavaScript client against the fake fal server: if the
// client rejects something the fake says, the fake is wrong.  FAKE_URL names
// the fake; FIX the fixture folder.  Prints PASS/FAIL lines.
import { readFileSync } from "node:fs";
import { createFalClient, ApiError } from "@fal-ai/client";

const base = process.env.FAKE_URL;
const fix = process.env.FIX;
const A2V = "fal-ai/kling-video/lipsync/audio-to-video";
const T2V = "fal-ai/kling-video/lipsync/text-to-video";

// The client hard-codes fal's https hosts; its fetch hook points them here.
const rewrite = (u) =>
  String(u).replace(/^https:\/\/(queue\.fal\.run|rest\.fal\.ai|fal\.run)/, base);
const fal = createFalClient({
  credentials: "testid:testsecret",
  fetch: (url, init) => fetch(rewrite(url), init),
});

let failed = 0;
async function check(name, fn) {
  try {
    const why = await fn();
    if (why) throw new Error(why);
    console.log(`PASS ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n  ${e && e.stack ? e.stack.split("\n").slice(0, 3).join("\n  ") : e}`);
  }
}
const blob = (file, type) => new Blob([readFileSync(`${fix}/${file}`)], { type });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let video, audio, small, requestId;
await check("storage.upload of a video", async () => {
  video = await fal.storage.upload(blob("ok_1080p_5s.mp4", "video/mp4"));
  if (!video.startsWith(`${base}/cdn/`)) return `unexpected url ${video}`;
});
await check("storage.upload of an audio file", async () => {
  audio = await fal.storage.upload(blob("speech.mp3", "audio/mpeg"));
  small = await fal.storage.upload(blob("small_640x360.mp4", "video/mp4"));
});
await check("storage.upload over 90 MiB takes the multipart path", async () => {
  const size = 91 * 1024 * 1024 + 12345;
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) data[i] = (i / 4096) & 255;
  const url = await fal.storage.upload(new Blob([data], { type: "application/octet-stream" }));
  const back = new Uint8Array(await (await fetch(url)).arrayBuffer());
  if (back.length !== size) return `got ${back.length} bytes back, want ${size}`;
  for (let i = 0; i < size; i += 4096) if (back[i] !== data[i]) return `byte ${i} differs`;
});
await check("queue.submit", async () => {
  const r = await fal.queue.submit(A2V, { input: { video_url: video, audio_url: audio } });
  requestId = r.request_id;
  if (!/^[0-9a-f-]{36}$/.test(requestId || "")) return `bad request id ${requestId}`;
});
await check("queue.status with logs", async () => {
  const s = await fal.queue.status(A2V, { requestId, logs: true });
  if (!["IN_QUEUE", "IN_PROGRESS", "COMPLETED"].includes(s.status)) return `status ${s.status}`;
});
await check("queue.status until COMPLETED, then queue.result", async () => {
  for (let i = 0; i < 200; i++) {
    const s = await fal.queue.status(A2V, { requestId, logs: true });
    if (s.status === "COMPLETED") break;
    await sleep(100);
  }
  const r = await fal.queue.result(A2V, { requestId });
  if (!r.data?.video?.url) return `no video in ${JSON.stringify(r.data)}`;
  if (r.requestId !== requestId) return `requestId ${r.requestId}`;
  const res = await fetch(r.data.video.url);
  if (res.status !== 200) return `download: ${res.status}`;
});
await check("subscribe (submit, poll, result) on text-to-video", async () => {
  const r = await fal.subscribe(T2V, {
    input: { video_url: video, text: "Hello there", voice_id: "uk_man2", voice_language: "en", voice_speed: 1 },
    logs: true,
    pollInterval: 100,
  });
  if (!r.data?.video?.url) return `no video in ${JSON.stringify(r.data)}`;
});
await check("a model rejection surfaces as a 422 with fal's detail", async () => {
  const s = await fal.queue.submit(A2V, { input: { video_url: small, audio_url: audio } });
  for (let i = 0; i < 200; i++) {
    const st = await fal.queue.status(A2V, { requestId: s.request_id });
    if (st.status === "COMPLETED") break;
    await sleep(100);
  }
  try {
    await fal.queue.result(A2V, { requestId: s.request_id });
  } catch (e) {
    if (!(e instanceof ApiError)) return `not an ApiError: ${e}`;
    if (e.status !== 422) return `status ${e.status}`;
    if (e.body?.detail?.[0]?.type !== "image_too_small") return `detail ${JSON.stringify(e.body)}`;
    return;
  }
  return "no error thrown";
});
await check("queue.cancel", async () => {
  const s = await fal.queue.submit(A2V, { input: { video_url: video, audio_url: audio } });
  await fal.queue.cancel(A2V, { requestId: s.request_id });
});
await check("the fake saw no auth violations", async () => {
  const st = await (await fetch(`${base}/__stats`)).json();
  if (st.violations.length) return JSON.stringify(st.violations);
});
process.exit(failed ? 1 : 0);
