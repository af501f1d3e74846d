// Raw DEFLATE (RFC 1951) with a size limit, via DecompressionStream('deflate-raw').
import { FormatError, concat } from './encoding.js';

export async function inflateRaw(bytes, limit) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        reader.cancel().catch(() => {});
        throw new FormatError('too_large', `inflates to more than ${limit} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError('inflate', 'not valid raw DEFLATE data');
  }
  return concat(...chunks);
}
