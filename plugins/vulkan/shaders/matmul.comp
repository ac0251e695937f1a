/* SPDX-License-Identifier: Apache-2.0
 *
 * dst[t][r] = W[r] . src[t] for one weight type (WT), many tokens (prefill): a tiled
 * matrix product, so that each weight is read and dequantized once per BN tokens, not
 * once per token. A workgroup of 256 computes a tile of BM rows x BN tokens; per step of
 * BK weights along the rows it dequantizes the BM x BK weights (one 32-weight unit per
 * invocation) and loads the BN x BK activations into shared memory, then each
 * invocation accumulates a TM x TN block of the tile with plain FMAs. Decode (one or two
 * tokens) goes to matvec.comp when the device has subgroup arithmetic; without, here.
 * Shared memory: 25.6 KiB (SE_VK_MATMUL_SHARED_BYTES).
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define WG 256u
#define BM 128u
#define BN 64u
#define BK 32u
#define TM 8u
#define TN 4u

layout (local_size_x = 256) in;

/* 1: the matmul absorbs the residual add after it (SE_VK_FUSE_ADD). Fixed per pipeline,
 * so that the plain product compiles to the plain loop: as push-constant flags (with a
 * fused SwiGLU, which the tiled product no longer takes: it would compute the gate once
 * per 128-row tile) the fused code cost the plain product a third of its speed on an
 * H100. */
layout (constant_id = 0) const uint FLAGS = 0u;

layout (std430, binding = 0) readonly buffer Src { float x[]; };
layout (std430, binding = 3) writeonly buffer Dst { float y[]; };
/* FLAGS & 1: dst += W . x; each invocation reads the elements it then writes */
layout (std430, binding = 3) readonly buffer DstIn { float y_in[]; };

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

/* [k][row] and [k][token], each row padded by 4 floats against bank conflicts of the
 * transposing stores while keeping vec4 reads aligned */
shared vec4 ws[BK * (BM + 4u) / 4u];
shared vec4 xs[BK * (BN + 4u) / 4u];

void
main ()
{
  uint tid = gl_LocalInvocationID.x;
  uint tile = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  uint r0 = tile * BM, t0 = gl_WorkGroupID.z * BN;
  uint tm = (tid / (BN / TN)) * TM, tn = (tid % (BN / TN)) * TN;
  uint n_units = (p.ne0 + 31u) / 32u;
  vec4 acc[TM];

  if (r0 >= p.ne1)
    return;
  for (uint i = 0u; i < TM; i++)
    acc[i] = vec4 (0.0);
  for (uint k0 = 0u; k0 < p.ne0; k0 += BK)
    {
      /* weights: BM rows x BK / 32 units, one unit per invocation */
      if (tid < BM * (BK / 32u))
        {
          uint lr = tid % BM, lu = tid / BM;
          uint row = r0 + lr, u = k0 / 32u + lu;
          float v[32];

          if (row < p.ne1 && u < n_units)
            se_dequant_unit (row, u, p.ne0, p.soff, v);
          else
            for (uint i = 0u; i < 32u; i++)
              v[i] = 0.0;
          for (uint i = 0u; i < 32u; i++)
            {
              uint k = lu * 32u + i, e = k * (BM + 4u) + lr;

              ws[e / 4u][e % 4u] = v[i];
            }
        }
      /* activations: BN tokens x BK, coalesced along k, stored transposed */
      for (uint e = tid; e < BN * BK; e += WG)
        {
          uint lt = e / BK, k = e % BK, s = k * (BN + 4u) + lt;
          uint t = t0 + lt, kk = k0 + k;

          xs[s / 4u][s % 4u] = t < p.n_tokens && kk < p.ne0
                               ? x[p.src_off + t * p.src_stride + kk] : 0.0;
        }
      barrier ();
      for (uint k = 0u; k < BK; k++)
        {
          vec4 a0 = ws[(k * (BM + 4u) + tm) / 4u];
          vec4 a1 = ws[(k * (BM + 4u) + tm) / 4u + 1u];
          vec4 b = xs[(k * (BN + 4u) + tn) / 4u];

          acc[0] += a0.x * b;
          acc[1] += a0.y * b;
          acc[2] += a0.z * b;
          acc[3] += a0.w * b;
          acc[4] += a1.x * b;
          acc[5] += a1.y * b;
          acc[6] += a1.z * b;
          acc[7] += a1.w * b;
        }
      barrier ();
    }
  for (uint i = 0u; i < TM; i++)
    {
      uint row = r0 + tm + i;

      if (row >= p.ne1)
        continue;
      for (uint j = 0u; j < TN; j++)
        {
          uint t = t0 + tn + j;

          uint o = p.dst_off + t * p.dst_stride + row;

          if (t < p.n_tokens)
            y[o] = (FLAGS & 1u) != 0u ? y_in[o] + acc[i][j] : acc[i][j];
        }
    }
}
