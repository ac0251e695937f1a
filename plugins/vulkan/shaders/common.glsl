/* SPDX-License-Identifier: Apache-2.0
 *
 * Shared by the weight-reading shaders: exact half decoding and the dequantization of
 * one "unit" of 32 consecutive weights of a row, for the weight type WT (GGML's type
 * number, set by glslc -DWT=n). Block types are stored re-packed by the host
 * (se-vk-weights.c): every block's payload as whole 32-bit words, then all fp16 scales
 * from word `soff` on. Float types are stored as in the file.
 */

/* Bit-exact with se_fp16_to_fp32, subnormals included (no reliance on unpackHalf2x16,
 * which a driver may flush). */
float
se_half (uint h)
{
  uint sign = (h & 0x8000u) << 16;
  uint e = (h >> 10) & 0x1fu;
  uint m = h & 0x3ffu;

  if (e == 0u)
    {
      float f = float (m) * 5.9604644775390625e-8;
      return sign != 0u ? -f : f;
    }
  if (e == 31u)
    return uintBitsToFloat (sign | 0x7f800000u | (m << 13));
  return uintBitsToFloat (sign | ((e + 112u) << 23) | (m << 13));
}

#ifdef WT
layout (std430, binding = 1) readonly buffer Weights { uint w[]; };

float
se_scale (uint soff, uint b)
{
  return se_half ((w[soff + (b >> 1)] >> ((b & 1u) * 16u)) & 0xffffu);
}

uint
se_wbyte (uint word0, uint p)
{
  return (w[word0 + (p >> 2)] >> ((p & 3u) * 8u)) & 0xffu;
}

/* Weights [32u, 32u + 32) of `row`; zero past ne0 (float types only can end early). */
void
se_dequant_unit (uint row, uint u, uint ne0, uint soff, out float v[32])
{
#if WT == 41   /* Q1_0: 128 per block, 4 words of sign bits */
  uint b = row * (ne0 / 128u) + (u >> 2);
  uint bits = w[b * 4u + (u & 3u)];
  float d = se_scale (soff, b);

  for (uint i = 0u; i < 32u; i++)
    v[i] = ((bits >> i) & 1u) != 0u ? d : -d;
#elif WT == 8  /* Q8_0: 32 per block, 8 words of int8 */
  uint b = row * (ne0 / 32u) + u;
  float d = se_scale (soff, b);

  for (uint k = 0u; k < 8u; k++)
    {
      int q = int (w[b * 8u + k]);
      for (uint i = 0u; i < 4u; i++)
        v[k * 4u + i] = float (bitfieldExtract (q, int (i * 8u), 8)) * d;
    }
#elif WT == 35 /* TQ2_0: 256 per block, 16 words; byte 32c+m bits 2n = element 128c+32n+m */
  uint b = row * (ne0 / 256u) + (u >> 3);
  uint c = (u & 7u) >> 2, n = u & 3u;
  float d = se_scale (soff, b);

  for (uint k = 0u; k < 8u; k++)
    {
      uint q = w[b * 16u + c * 8u + k];
      for (uint i = 0u; i < 4u; i++)
        v[k * 4u + i] = float (int ((q >> (i * 8u + 2u * n)) & 3u) - 1) * d;
    }
#elif WT == 34 /* TQ1_0: 256 per block, 13 words (qs[48], qh[4]); 5 trits per byte */
  uint b = row * (ne0 / 256u) + (u >> 3);
  float d = se_scale (soff, b);

  for (uint i = 0u; i < 32u; i++)
    {
      uint j = (u & 7u) * 32u + i, p, n;

      if (j < 160u)
        {
          p = j & 31u;
          n = j >> 5;
        }
      else if (j < 240u)
        {
          p = 32u + ((j - 160u) & 15u);
          n = (j - 160u) >> 4;
        }
      else
        {
          p = 48u + ((j - 240u) & 3u);
          n = (j - 240u) >> 2;
        }
      uint pow3 = n == 0u ? 1u : n == 1u ? 3u : n == 2u ? 9u : n == 3u ? 27u : 81u;
      uint q = (se_wbyte (b * 13u, p) * pow3) & 0xffu;
      v[i] = float (int ((q * 3u) >> 8) - 1) * d;
    }
#elif WT == 0  /* F32 */
  uint base = row * ne0 + u * 32u;

  for (uint i = 0u; i < 32u; i++)
    {
      v[i] = 0.0;
      if (u * 32u + i < ne0)
        v[i] = uintBitsToFloat (w[base + i]);
    }
#elif WT == 1 || WT == 30  /* F16, BF16: two per word */
  uint base = row * ne0 + u * 32u;

  for (uint i = 0u; i < 32u; i++)
    {
      uint idx = base + i, h;

      v[i] = 0.0;
      if (u * 32u + i >= ne0)
        continue;
      h = (w[idx >> 1] >> ((idx & 1u) * 16u)) & 0xffffu;
#if WT == 1
      v[i] = se_half (h);
#else
      v[i] = uintBitsToFloat (h << 16);
#endif
    }
#else
#error unknown WT
#endif
}
#endif
