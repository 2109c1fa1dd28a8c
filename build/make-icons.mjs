#!/usr/bin/env node
/**
 * Draws the app and tray icons as PNGs (no image tools needed): `node build/make-icons.mjs`.
 * Tray: one image per state (idle, busy, mounted, partial, error, signed-out); macOS gets black template images
 * (`trayTemplate-*.png`, @2x too), Windows and Linux coloured ones (`tray-*.png`). App: icon.png (1024 px),
 * from which electron-builder makes the .icns and .ico.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), 'icons');
mkdirSync(out, { recursive: true });

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** Encodes RGBA pixels as a PNG. */
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Renders a shape given as coverage(x, y) in unit coordinates, 4×4 supersampled. */
function draw(size, layers) {
  const px = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (const [color, inside] of layers) {
        let hit = 0;
        for (let sy = 0; sy < 4; sy++)
          for (let sx = 0; sx < 4; sx++) if (inside((x + (sx + 0.5) / 4) / size, (y + (sy + 0.5) / 4) / size)) hit++;
        const cov = hit / 16;
        if (cov === 0) continue;
        // "over" compositing of this layer onto what is below.
        const na = cov + a * (1 - cov);
        r = (color[0] * cov + r * a * (1 - cov)) / na;
        g = (color[1] * cov + g * a * (1 - cov)) / na;
        b = (color[2] * cov + b * a * (1 - cov)) / na;
        a = na;
      }
      px.set([Math.round(r), Math.round(g), Math.round(b), Math.round(a * 255)], (y * size + x) * 4);
    }
  return png(size, px);
}

const d = (x, y, cx = 0.5, cy = 0.5) => Math.hypot(x - cx, y - cy);
const ring = (r0, r1) => (x, y) => d(x, y) >= r0 && d(x, y) <= r1;
const disc =
  (r, cx = 0.5, cy = 0.5) =>
  (x, y) =>
    d(x, y, cx, cy) <= r;
const halfDisc = (r) => (x, y) => d(x, y) <= r && x <= 0.5;
const dashedRing = (r0, r1) => (x, y) =>
  ring(r0, r1)(x, y) && Math.floor(((Math.atan2(y - 0.5, x - 0.5) + Math.PI) / (2 * Math.PI)) * 12) % 2 === 0;
const bang = (x, y) => (Math.abs(x - 0.5) < 0.07 && y > 0.27 && y < 0.58) || d(x, y, 0.5, 0.7) < 0.075;

/** Each state's shapes (unit square) and its colour on Windows/Linux. */
const STATES = {
  idle: [[ring(0.3, 0.42)], [0x5f, 0x63, 0x68]],
  busy: [
    [ring(0.3, 0.42), disc(0.12)],
    [0x0b, 0x57, 0xd0],
  ],
  mounted: [[disc(0.42)], [0x1e, 0x8e, 0x3e]],
  partial: [
    [ring(0.3, 0.42), halfDisc(0.42)],
    [0x1e, 0x8e, 0x3e],
  ],
  error: [
    [ring(0.33, 0.45), bang],
    [0xb3, 0x26, 0x1e],
  ],
  'signed-out': [[dashedRing(0.3, 0.42)], [0x5f, 0x63, 0x68]],
};

for (const [state, [shapes, color]] of Object.entries(STATES)) {
  for (const [suffix, size] of [
    ['', 16],
    ['@2x', 32],
  ]) {
    writeFileSync(
      join(out, `trayTemplate-${state}${suffix}.png`),
      draw(
        size,
        shapes.map((s) => [[0, 0, 0], s]),
      ),
    );
    writeFileSync(
      join(out, `tray-${state}${suffix}.png`),
      draw(
        size,
        shapes.map((s) => [color, s]),
      ),
    );
  }
}
// The app icon: the three shares as rings (flux blue, time amber, space violet) on a rounded tile.
const tile = (x, y) => {
  const r = 0.18,
    m = 0.06;
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - m - r), 0),
    qy = Math.max(Math.abs(y - 0.5) - (0.5 - m - r), 0);
  return Math.hypot(qx, qy) <= r;
};
const appLayers = [
  [[0xf5, 0xf6, 0xf8], tile],
  [[0x0b, 0x57, 0xd0], ring(0.3, 0.36)],
  [[0xe3, 0x9b, 0x00], ring(0.2, 0.26)],
  [[0x6a, 0x3d, 0xc8], disc(0.13)],
];
writeFileSync(join(out, 'icon.png'), draw(512, appLayers));
console.log(`icons written to ${out}`);
