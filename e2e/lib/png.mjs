// A decoder for the PNGs the page exports (Go's image/png: 8-bit grey, no
// interlace), enough for tests to look at the ink.
import { inflateSync } from "node:zlib";

/**
 * decodeGray returns the pixels of an 8-bit greyscale PNG.
 *
 * @param {Buffer} png
 * @returns {{width: number, height: number, pix: Uint8Array}} pix is row-major, 0 black, 255 white
 */
export function decodeGray(png) {
  if (png.subarray(1, 4).toString() !== "PNG") throw new Error("not a PNG");
  let width = 0, height = 0;
  const idat = [];
  for (let off = 8; off < png.length; ) {
    const len = png.readUInt32BE(off);
    const type = png.subarray(off + 4, off + 8).toString();
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 0 || data[12] !== 0) throw new Error("not an 8-bit grey, non-interlaced PNG");
    } else if (type === "IDAT") {
      idat.push(data);
    }
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pix = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)];
    for (let x = 0; x < width; x++) {
      const v = raw[y * (width + 1) + 1 + x];
      const a = x > 0 ? pix[y * width + x - 1] : 0;
      const b = y > 0 ? pix[(y - 1) * width + x] : 0;
      const c = x > 0 && y > 0 ? pix[(y - 1) * width + x - 1] : 0;
      let p;
      switch (filter) {
        case 0: p = v; break;
        case 1: p = v + a; break;
        case 2: p = v + b; break;
        case 3: p = v + ((a + b) >> 1); break;
        case 4: {
          const q = a + b - c, pa = Math.abs(q - a), pb = Math.abs(q - b), pc = Math.abs(q - c);
          p = v + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default: throw new Error(`PNG filter ${filter}`);
      }
      pix[y * width + x] = p & 0xff;
    }
  }
  return { width, height, pix };
}

/**
 * inkIn sums the ink (255 − grey, in units of full pixels) of a decoded
 * image inside the rectangle [x0, x1) × [y0, y1).
 */
export function inkIn({ width, pix }, x0, y0, x1, y1) {
  let s = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += 255 - pix[y * width + x];
  return s / 255;
}
