// The same batch as dubbatch, written with fal's official JavaScript
// client the way a studio script would: for each job upload the audio (the
// video once), submit, poll, fetch the result, download; N jobs at a time.
// Used by scripts/bench-runner.sh.  Usage: node bench-client.mjs VIDEO
// AUDIO_DIR OUT_DIR CONCURRENCY  (FAKE_URL names the fake).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createFalClient } from "@fal-ai/client";

const [video, audioDir, outDir, conc] = process.argv.slice(2);
const base = process.env.FAKE_URL;
const fal = createFalClient({
  credentials: "bench:bench",
  fetch: (url, init) =>
    fetch(String(url).replace(/^https:\/\/(queue\.fal\.run|rest\.fal\.ai)/, base), init),
});
const A2V = "fal-ai/kling-video/lipsync/audio-to-video";
const audios = readdirSync(audioDir).filter((f) => f.endsWith(".wav")).sort();
const videoUrl = await fal.storage.upload(new Blob([readFileSync(video)], { type: "video/mp4" }));

async function one(name) {
  const audioUrl = await fal.storage.upload(
    new Blob([readFileSync(`${audioDir}/${name}`)], { type: "audio/wav" }));
  const { request_id } = await fal.queue.submit(A2V, { input: { video_url: videoUrl, audio_url: audioUrl } });
  for (;;) {
    const s = await fal.queue.status(A2V, { requestId: request_id });
    if (s.status === "COMPLETED") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const r = await fal.queue.result(A2V, { requestId: request_id });
  const body = new Uint8Array(await (await fetch(r.data.video.url)).arrayBuffer());
  writeFileSync(`${outDir}/${name}.mp4`, body);
}

let next = 0;
async function worker() {
  while (next < audios.length) await one(audios[next++]);
}
await Promise.all(Array.from({ length: Number(conc) }, worker));
