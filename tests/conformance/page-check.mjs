// Opens a batch's index.html in Debian's chromium (headless, through
// playwright-core) and checks what a studio lead would see.  Prints
// PASS/FAIL lines.  Usage: node page-check.mjs INDEX.html EXPECTED.json
// SHOT_DIR, where EXPECTED maps job ids to states.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { chromium } from "playwright-core";

const [index, expectedFile, shots] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectedFile, "utf8"));
const dir = dirname(resolve(index));
let failed = 0;
const check = (name, ok, why) => {
  if (ok) console.log(`PASS ${name}`);
  else {
    failed++;
    console.log(`FAIL ${name}${why ? `\n  ${why}` : ""}`);
  }
};

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
await page.goto("file://" + resolve(index));
await page.waitForLoadState("load");
const info = await page.evaluate(() => ({
  cards: [...document.querySelectorAll(".card")].map((c) => ({ id: c.dataset.id, state: c.dataset.state })),
  images: [...document.images].map((i) => ({ src: i.getAttribute("src"), w: i.naturalWidth })),
  videos: [...document.querySelectorAll("video")].map((v) => v.getAttribute("src")),
  audios: [...document.querySelectorAll("audio")].map((a) => a.getAttribute("src")),
  times: [...document.querySelectorAll("time")].map((t) => ({ iso: t.getAttribute("datetime"), text: t.textContent })),
  scripts: document.scripts.length,
  pwned: window.__pwned === 1,
  text: document.body.innerText,
  external: [...document.querySelectorAll("[src],[href]")].some((e) => /^(https?:)?\/\//.test(e.getAttribute("src") || e.getAttribute("href") || "")),
}));
const got = Object.fromEntries(info.cards.map((c) => [c.id, c.state]));
const attention = (st) => !["DONE", "QUEUED", "RUNNING", "SUBMITTING", "COMPLETED"].includes(st);
const order = [...Object.keys(expected).filter((id) => attention(expected[id])),
               ...Object.keys(expected).filter((id) => !attention(expected[id]))];
check("every job has a card: those needing attention first, each group in manifest order",
      JSON.stringify(info.cards.map((c) => c.id)) === JSON.stringify(order),
      `${JSON.stringify(info.cards.map((c) => c.id))} vs ${JSON.stringify(order)}`);
for (const [id, state] of Object.entries(expected))
  check(`card ${id} shows ${state}`, got[id] === state, `got ${got[id]}`);
check("there are posters", info.images.length >= 2, `${info.images.length} images`);
for (const img of info.images) check(`poster ${img.src} loads`, img.w > 0, `naturalWidth ${img.w}`);
for (const v of info.videos) check(`video ${v} is a file in the folder`, existsSync(resolve(dir, decodeURIComponent(v))));
for (const a of info.audios) check(`audio ${a} is a file in the folder`,
                                   !a.startsWith("..") && !a.startsWith("/") && existsSync(resolve(dir, decodeURIComponent(a))));
check("the dubs play inline", info.audios.length > 0, `${info.audios.length} players`);
check("times are shown in the viewer's time", info.times.length > 0 && info.times.every((t) => t.text !== t.iso),
      JSON.stringify(info.times));
check("an injected <script> in an error shows as text", info.text.includes("<script>window.__pwned=1</script>"));
check("an injected <script> never runs", !info.pwned && info.scripts === 1, `scripts ${info.scripts}`);
check("nothing is loaded from outside the folder", !info.external);
await page.screenshot({ path: `${shots}/page.png`, fullPage: true });

await page.click('button[data-f="rejected"]');
const shown = await page.evaluate(() =>
  [...document.querySelectorAll(".card")].filter((c) => !c.hidden).map((c) => c.dataset.state));
check("the Rejected filter shows only rejected jobs", shown.length > 0 && shown.every((s) => s === "REJECTED"),
      JSON.stringify(shown));

const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
await phone.goto("file://" + resolve(index));
const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
check("readable on a phone: no sideways scrolling", overflow <= 0, `${overflow}px too wide`);
await phone.screenshot({ path: `${shots}/page-phone.png` });

const ctx = await browser.newContext({ javaScriptEnabled: false });
const nojs = await ctx.newPage();
await nojs.goto("file://" + resolve(index));
const nojsInfo = await nojs.evaluate(() => null).catch(() => null);
const visible = await nojs.locator(".card:visible").count();
check("with JavaScript off every card is shown", visible === Object.keys(expected).length, `${visible} visible`);
check("with JavaScript off the filter bar is hidden", !(await nojs.locator("#filters").isVisible()));
void nojsInfo;
await browser.close();
process.exit(failed ? 1 : 0);
