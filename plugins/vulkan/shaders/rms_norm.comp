/* SPDX-License-Identifier: Apache-2.0
 *
 * dst = src / sqrt(mean(src^2) + eps) * gamma for every group of `group` elements of a
 * row (the whole row, or one head). One workgroup per group and token; dst may be src.
 * 256 invocations, so that a whole row (one workgroup per token in decode) is a few
 * loads per invocation rather than a long serial walk. With `rope` set (a per-head norm
 * fused with the rope after it, se-vk-record.c), each head is then rotated as rope.comp
 * rotates it.
 */
#version 450

#define WG 256u
#define MAXK 16u

layout (local_size_x = 256) in;

layout (std430, binding = 0) readonly buffer Src { float x[]; };
layout (std430, binding = 1) readonly buffer Gamma { float gamma[]; };
layout (std430, binding = 3) buffer Dst { float y[]; };
/* rope > 0: the rope table and positions, as rope.comp reads them */
layout (std430, binding = 4) readonly buffer Table { vec2 cs[]; };
layout (std430, binding = 6) readonly buffer Host { uint pos0; uint n; uint pad0; uint pad1; int tokens[]; } host;

layout (push_constant) uniform Params
{
  uint width;
  uint group;
  float eps;
  uint rope;        /* 0: none; 1, 2: then rotate the group (a head) as rope.comp, 2 = NEOX */
} p;

shared float red[WG];

void
main ()
{
  uint tid = gl_LocalInvocationID.x;
  uint base = gl_WorkGroupID.y * p.width + gl_WorkGroupID.x * p.group;
  float ss = 0.0, scale;
  float v[MAXK];
  bool in_regs = p.group <= WG * MAXK;

  /* a row of up to 4096 is loaded at once, all loads in flight together */
  if (in_regs)
    {
      for (uint k = 0u; k < MAXK; k++)
        {
          uint i = tid + k * WG;

          v[k] = i < p.group ? x[base + i] : 0.0;
        }
      for (uint k = 0u; k < MAXK; k++)
        ss += v[k] * v[k];
    }
  else
    for (uint i = tid; i < p.group; i += WG)
      {
        float e = x[base + i];

        ss += e * e;
      }
  red[tid] = ss;
  barrier ();
  for (uint s = WG / 2u; s > 0u; s >>= 1)
    {
      if (tid < s)
        red[tid] += red[tid + s];
      barrier ();
    }
  scale = 1.0 / sqrt (red[0] / float (p.group) + p.eps);
  if (p.rope == 0u && in_regs)
    {
      for (uint k = 0u; k < MAXK; k++)
        {
          uint i = tid + k * WG;

          if (i < p.group)
            y[base + i] = v[k] * scale * gamma[i];
        }
      return;
    }
  if (p.rope == 0u)
    {
      for (uint i = tid; i < p.group; i += WG)
        y[base + i] = x[base + i] * scale * gamma[i];
      return;
    }
  /* the normalised pair, rounded to float as the separate ops store it, then rotated */
  uint half_dim = p.group / 2u;

  for (uint i = tid; i < half_dim; i += WG)
    {
      uint a = p.rope == 2u ? i : 2u * i;
      uint b = p.rope == 2u ? i + half_dim : 2u * i + 1u;
      vec2 c = cs[(host.pos0 + gl_WorkGroupID.y) * half_dim + i];
      float x0 = x[base + a] * scale * gamma[a];
      float x1 = x[base + b] * scale * gamma[b];

      y[base + a] = x0 * c.x - x1 * c.y;
      y[base + b] = x0 * c.y + x1 * c.x;
    }
}
