/* SPDX-License-Identifier: Apache-2.0
 *
 * dst[t][r] = W[r] . src[t] for one weight type (WT). One workgroup per NR rows and
 * tile of up to TT tokens, LANES invocations per row: each dequantizes its 32-weight
 * units once and uses them for every token of the tile, then each row's lanes reduce
 * in shared memory. Decode is a tile of one token; prefill re-reads each row once per
 * TT tokens.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define WG 64u
#define NR 4u
#define LANES 16u
#define TT 8u

layout (local_size_x = 64) in;

layout (std430, binding = 0) readonly buffer Src { float x[]; };
layout (std430, binding = 3) writeonly buffer Dst { float y[]; };

layout (push_constant) uniform Params
{
  uint ne0;         /* row length */
  uint ne1;         /* rows */
  uint n_tokens;
  uint src_off;     /* floats */
  uint src_stride;
  uint dst_off;
  uint dst_stride;
  uint soff;        /* word offset of the block scales */
} p;

shared float red[TT][WG];

void
main ()
{
  uint tid = gl_LocalInvocationID.x, lane = tid % LANES;
  uint row = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * NR + tid / LANES;
  bool live = row < p.ne1;
  uint t0 = gl_WorkGroupID.z * TT;
  uint nt = min (TT, p.n_tokens - t0);
  uint n_units = (p.ne0 + 31u) / 32u;
  float acc[TT];

  for (uint t = 0u; t < TT; t++)
    acc[t] = 0.0;
  for (uint u = lane; live && u < n_units; u += LANES)
    {
      float v[32];
      uint lim = min (32u, p.ne0 - u * 32u);

      se_dequant_unit (row, u, p.ne0, p.soff, v);
      for (uint t = 0u; t < nt; t++)
        {
          uint xo = p.src_off + (t0 + t) * p.src_stride + u * 32u;
          float s = 0.0;

          if (lim == 32u)
            for (uint i = 0u; i < 32u; i++)
              s += v[i] * x[xo + i];
          else
            for (uint i = 0u; i < lim; i++)
              s += v[i] * x[xo + i];
          acc[t] += s;
        }
    }
  for (uint t = 0u; t < TT; t++)
    red[t][tid] = acc[t];
  barrier ();
  for (uint s = LANES / 2u; s > 0u; s >>= 1)
    {
      if (lane < s)
        for (uint t = 0u; t < TT; t++)
          red[t][tid] += red[t][tid + s];
      barrier ();
    }
  if (live && lane < nt)
    y[p.dst_off + (t0 + lane) * p.dst_stride + row] = red[lane][tid - lane];
}
