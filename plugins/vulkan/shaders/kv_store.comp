/* SPDX-License-Identifier: Apache-2.0
 *
 * Stores k and v rows of n_tokens tokens as fp16 into one layer's cache at positions
 * pos0 + t, rounding to nearest even exactly as se_fp32_to_fp16 does. One invocation
 * per pair of elements, so each writes one whole 32-bit word.
 */
#version 450

layout (local_size_x = 64) in;

layout (std430, binding = 1) readonly buffer K { float k[]; };
layout (std430, binding = 2) readonly buffer V { float v[]; };
layout (std430, binding = 4) writeonly buffer KCache { uint kc[]; };
layout (std430, binding = 5) writeonly buffer VCache { uint vc[]; };
layout (std430, binding = 6) readonly buffer Host { uint pos0; uint n; uint pad0; uint pad1; int tokens[]; } host;

layout (push_constant) uniform Params
{
  uint kv_width;
  uint n_tokens;
} p;

uint
to_half (float f)
{
  uint x = floatBitsToUint (f);
  uint sign = (x >> 16) & 0x8000u, absx = x & 0x7fffffffu;

  if (absx > 0x7f800000u)
    return sign | 0x7e00u | ((absx >> 13) & 0x3ffu);
  if (absx >= 0x38800000u)
    {
      int e = int (absx >> 23) - 112;
      uint h, rem;

      if (e >= 31)
        return sign | 0x7c00u;
      h = (uint (e) << 10) | ((absx & 0x7fffffu) >> 13);
      rem = absx & 0x1fffu;
      if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) != 0u))
        h++;
      return sign | h;
    }
  int e = int (absx >> 23);
  if (e < 102)
    return sign;
  {
    uint shift = uint (126 - e);
    uint m = (absx & 0x7fffffu) | 0x800000u;
    uint h = m >> shift;
    uint rem = m & ((1u << shift) - 1u), halfway = 1u << (shift - 1u);

    if (rem > halfway || (rem == halfway && (h & 1u) != 0u))
      h++;
    return sign | h;
  }
}

void
main ()
{
  uint i = gl_GlobalInvocationID.x, t = gl_GlobalInvocationID.y;
  uint src, dst;

  if (2u * i >= p.kv_width || t >= p.n_tokens)
    return;
  src = t * p.kv_width + 2u * i;
  dst = ((host.pos0 + t) * p.kv_width) / 2u + i;
  kc[dst] = to_half (k[src]) | (to_half (k[src + 1u]) << 16);
  vc[dst] = to_half (v[src]) | (to_half (v[src + 1u]) << 16);
}
