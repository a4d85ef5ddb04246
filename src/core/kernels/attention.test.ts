import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createUniformBuffer, packUniform, readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { ATTENTION_VARIANTS, attentionReference, defaultKvHeadOf, prepareAttention } from './attention.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();
const POISON = 1e4; // cache rows after pos0 + T - 1: any causal leak moves the output far off

describe.each(ATTENTION_VARIANTS)('attention kernel (%s)', (variant) => {
  it('matches the float64 causal GQA reference over random caches (chunk boundaries, head dims up to 256, sliding windows, score scales)', async () => {
    const arb = fc.record({ T: fc.integer({ min: 1, max: 5 }), nKv: fc.integer({ min: 1, max: 2 }),
      window: fc.option(fc.integer({ min: 1, max: 90 }), { nil: undefined }),
      scale: fc.option(fc.constantFrom(1 / 16, 0.3), { nil: undefined }),
      group: fc.integer({ min: 1, max: 3 }), hd: fc.oneof(fc.integer({ min: 1, max: 70 }), fc.constantFrom(128, 200, 256)),
      pos0: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 60, max: 140 })), spare: fc.integer({ min: 0, max: 3 }) })
      .chain((s) => {
        const nH = s.nKv * s.group, width = s.nKv * s.hd, rows = s.pos0 + s.T + s.spare;
        return fc.record({ q: nonZeroF32Array(s.T * nH * s.hd, 0.3), k: nonZeroF32Array(rows * width, 0.3),
          v: nonZeroF32Array(rows * width) }).map((d) => ({ ...s, ...d, nH, width, rows }));
      });
    await fc.assert(fc.asyncProperty(arb, async ({ T, nKv, nH, hd, pos0, width, rows, q, k, v, window, scale }) => {
      const filled = (pos0 + T) * width;
      k.fill(POISON, filled); v.fill(POISON, filled);
      const owned: GPUBuffer[] = [];
      const out = await upload(gpu(), 'out', new Float32Array(T * nH * hd), owned);
      const position = await createUniformBuffer(gpu(), 'position', packUniform([{ u32: pos0 }]));
      owned.push(position);
      await runCalls(gpu(), [await prepareAttention(gpu(), {
        q: await upload(gpu(), 'q', q, owned), kCache: await upload(gpu(), 'k', k, owned),
        vCache: await upload(gpu(), 'v', v, owned), out, T, nHeads: nH, nKvHeads: nKv, headDim: hd, position, variant, window, scale,
      })]);
      const got = await readF32(gpu(), out, T * nH * hd);
      owned.forEach((b) => b.destroy());
      // Scores are f32 dot products of hd terms (|q k| <= 0.36): their error bound, doubled for the softmax
      // ratio, scales the largest |v| (2); plus a few ulps for the weighted sum itself.
      const scoreErr = (hd + 2) * 2 ** -24 * hd * 0.36 * (scale ?? 1 / Math.sqrt(hd));
      const tol = 2 * 2 * scoreErr * 2 + 1e-5;
      expectWithin(got, attentionReference(q, k, v, T, nH, nKv, hd, pos0, undefined, window, scale), tol, `out (rows ${rows}, window ${window})`);
    }), { numRuns: 30 });
  });

  it('batched windows (position.seq): each window attends only to its own cache rows, bit for bit as when run alone', async () => {
    const arb = fc.record({ B: fc.integer({ min: 2, max: 3 }), S: fc.integer({ min: 1, max: 70 }), nKv: fc.integer({ min: 1, max: 2 }),
      group: fc.integer({ min: 1, max: 2 }), hd: fc.integer({ min: 1, max: 40 }),
      window: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }) })
      .chain((s) => {
        const nH = s.nKv * s.group, width = s.nKv * s.hd, T = s.B * s.S;
        return fc.record({ q: nonZeroF32Array(T * nH * s.hd, 0.3), k: nonZeroF32Array(T * width, 0.3), v: nonZeroF32Array(T * width) })
          .map((d) => ({ ...s, ...d, nH, width, T }));
      });
    await fc.assert(fc.asyncProperty(arb, async ({ B, S, nKv, nH, hd, width, T, q, k, v, window }) => {
      const owned: GPUBuffer[] = [];
      const run = async (qs: Float32Array, ks: Float32Array, vs: Float32Array, rows: number, seq: number) => {
        const out = await upload(gpu(), 'out', new Float32Array(rows * nH * hd), owned);
        const position = await createUniformBuffer(gpu(), 'position', packUniform([{ u32: 0 }, { u32: seq }]));
        owned.push(position);
        await runCalls(gpu(), [await prepareAttention(gpu(), {
          q: await upload(gpu(), 'q', qs, owned), kCache: await upload(gpu(), 'k', ks, owned),
          vCache: await upload(gpu(), 'v', vs, owned), out, T: rows, nHeads: nH, nKvHeads: nKv, headDim: hd, position, variant, window,
        })]);
        return readF32(gpu(), out, rows * nH * hd);
      };
      const batched = await run(q, k, v, T, S);
      const qRow = nH * hd;
      for (let b = 0; b < B; b++) {
        const qb = q.slice(b * S * qRow, (b + 1) * S * qRow);
        const kb = k.slice(b * S * width, (b + 1) * S * width), vb = v.slice(b * S * width, (b + 1) * S * width);
        const alone = await run(qb, kb, vb, S, 0);
        const mine = batched.subarray(b * S * qRow, (b + 1) * S * qRow);
        expect(Array.from(mine)).toEqual(Array.from(alone));
        // and it is attention at all (not two equal wrong answers): the float64 reference of the window alone
        expectWithin(mine, attentionReference(qb, kb, vb, S, nH, nKv, hd, 0, undefined, window), 1e-4, `window ${b}`);
      }
      owned.forEach((x) => x.destroy());
    }), { numRuns: 12 });
  });

  it('reads each query head\'s kv head from a kvHeadOf map (pruned heads: any count, any grouping)', async () => {
    const arb = fc.record({ T: fc.integer({ min: 1, max: 4 }), nKv: fc.integer({ min: 1, max: 4 }),
      nH: fc.integer({ min: 1, max: 7 }), hd: fc.integer({ min: 1, max: 40 }), pos0: fc.integer({ min: 0, max: 70 }) })
      .chain((s) => {
        const width = s.nKv * s.hd, rows = s.pos0 + s.T;
        return fc.record({ map: fc.array(fc.integer({ min: 0, max: s.nKv - 1 }), { minLength: s.nH, maxLength: s.nH }),
          q: nonZeroF32Array(s.T * s.nH * s.hd, 0.3), k: nonZeroF32Array(rows * width, 0.3), v: nonZeroF32Array(rows * width) })
          .map((d) => ({ ...s, ...d, rows }));
      });
    await fc.assert(fc.asyncProperty(arb, async ({ T, nKv, nH, hd, pos0, map, q, k, v }) => {
      const owned: GPUBuffer[] = [];
      const out = await upload(gpu(), 'out', new Float32Array(T * nH * hd), owned);
      const position = await createUniformBuffer(gpu(), 'position', packUniform([{ u32: pos0 }]));
      owned.push(position);
      const kvHeadOf = await upload(gpu(), 'kvHeadOf', Uint32Array.from(map), owned);
      await runCalls(gpu(), [await prepareAttention(gpu(), {
        q: await upload(gpu(), 'q', q, owned), kCache: await upload(gpu(), 'k', k, owned),
        vCache: await upload(gpu(), 'v', v, owned), out, T, nHeads: nH, nKvHeads: nKv, headDim: hd, position, variant, kvHeadOf,
      })]);
      const got = await readF32(gpu(), out, T * nH * hd);
      owned.forEach((b) => b.destroy());
      const scoreErr = (hd + 2) * 2 ** -24 * hd * 0.36 / Math.sqrt(hd);
      expectWithin(got, attentionReference(q, k, v, T, nH, nKv, hd, pos0, map), 2 * 2 * scoreErr * 2 + 1e-5, 'out');
    }), { numRuns: 25 });
  });
});

describe('defaultKvHeadOf', () => {
  it('groups consecutive query heads: head h reads kv head floor(h / group)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), (nKv, group) => {
      const m = defaultKvHeadOf(nKv * group, nKv);
      m.forEach((kv, h) => { if (kv !== Math.floor(h / group)) throw new Error(`head ${h} -> ${kv}`); });
    }));
  });
});
