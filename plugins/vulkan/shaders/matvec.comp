/* SPDX-License-Identifier: Apache-2.0
 *
 * dst[t][r] = W[r] . src[t] for few tokens (decode), one weight type (WT): the
 * matrix-vector product that decides decode speed, read at the memory's pace.
 *
 * A workgroup of WG invocations is split into WG / UL "slots" of UL invocations (UL, a
 * power of two at least the subgroup size, comes from the host: the smallest that
 * covers a row's 32-weight units, so short rows do not leave lanes idle). Each slot
 * owns R consecutive rows; its lanes walk the row's units with stride UL, load the 32
 * activations of a unit once and use them for all R rows (the weights of a unit are
 * read once, coalesced across the lanes: lane i reads unit i of each row). Partial sums
 * are reduced with subgroupAdd, then across a slot's subgroups in shared memory. One
 * token per workgroup along z.
 *
 * Q1_0 never expands its signs to floats: sum_i s_i x_i = d * sum_i (x_i with its sign
 * bit flipped where the weight bit is 0), one shift, one logic op and one add per
 * weight.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "common.glsl"

#define WG 128u
#define R 8u

layout (local_size_x = 128) in;

layout (std430, binding = 0) readonly buffer Src { float x[]; };
/* the same buffer as vec4s: Q1_0 rows are whole blocks of 128, so a token's
 * activations start on a 16-byte boundary */
layout (std430, binding = 0) readonly buffer Src4 { vec4 x4[]; };
layout (std430, binding = 2) readonly buffer Up4 { vec4 up4[]; };
/* SE_VK_FUSE_SWIGLU: the input is silu(src0) * up, up bound here */
layout (std430, binding = 2) readonly buffer Up { float up[]; };
/* read too with SE_VK_FUSE_ADD: dst += W . x */
layout (std430, binding = 3) buffer Dst { float y[]; };

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
  uint ul;          /* lanes per slot: power of two, >= the subgroup size, <= WG */
  uint flags;       /* 1: accumulate into dst (a fused add); 2: gate the input (fused SwiGLU) */
} p;

/* one partial per (slot row, subgroup of the slot); at most WG / 1 subgroups */
shared float part[R * WG];

/* element @i of the input: src0, or silu(src0) * up as elementwise.comp computes it */
float
act (uint i)
{
  float v = x[i];

  return (p.flags & 2u) != 0u ? v / (1.0 + exp (-v)) * up[i] : v;
}

void
main ()
{
  uint tid = gl_LocalInvocationID.x;
  uint slot = tid / p.ul, lane = tid % p.ul;
  uint slots = WG / p.ul;
  uint wg = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  uint row0 = (wg * slots + slot) * R;
  uint t = gl_WorkGroupID.z;
  uint xo = p.src_off + t * p.src_stride;
  uint n_units = (p.ne0 + 31u) / 32u;
  uint n_rows = row0 < p.ne1 ? min (R, p.ne1 - row0) : 0u;
  float acc[R];

  for (uint r = 0u; r < R; r++)
    acc[r] = 0.0;
#if WT == 41
  /* all loads of a step are issued before the first use: each invocation has little
   * work, so the memory latency, not the bandwidth, would otherwise set the pace */
  for (uint u = lane; n_rows > 0u && u < n_units; u += p.ul)
    {
      uint nb[R];
      float d[R];
      vec4 xv[8];

      for (uint r = 0u; r < R; r++)
        {
          /* blocks of a row are contiguous, 4 words each: unit u is word u of the row;
           * rows past the end repeat the last one and are not written */
          uint row = row0 + min (r, n_rows - 1u);

          nb[r] = ~w[row * n_units + u];
          d[r] = se_scale (p.soff, row * (p.ne0 / 128u) + (u >> 2));
        }
      for (uint i = 0u; i < 8u; i++)
        {
          uint j = xo / 4u + u * 8u + i;

          xv[i] = x4[j];
          if ((p.flags & 2u) != 0u)
            xv[i] = xv[i] / (1.0 + exp (-xv[i])) * up4[j];
        }
      for (uint r = 0u; r < R; r++)
        {
          float s = 0.0;

          /* an H100 runs this as fast as a select per weight (161.5 vs 159.6 tok/s) */
          for (uint i = 0u; i < 32u; i++)
            s += uintBitsToFloat (floatBitsToUint (xv[i / 4u][i % 4u])
                                  ^ ((nb[r] << (31u - i)) & 0x80000000u));
          acc[r] += d[r] * s;
        }
    }
#else
  for (uint u = lane; n_rows > 0u && u < n_units; u += p.ul)
    {
      float xv[32];
      uint base = xo + u * 32u;

      if (u * 32u + 32u <= p.ne0)
        for (uint i = 0u; i < 32u; i++)
          xv[i] = act (base + i);
      else
        for (uint i = 0u; i < 32u; i++)
          xv[i] = u * 32u + i < p.ne0 ? act (base + i) : 0.0;
      for (uint r = 0u; r < R; r++)
        {
          float v[32];
          float s = 0.0;

          if (r >= n_rows)
            break;
          se_dequant_unit (row0 + r, u, p.ne0, p.soff, v);
          for (uint i = 0u; i < 32u; i++)
            s += v[i] * xv[i];
          acc[r] += s;
        }
    }
#endif

  /* lanes of a slot: subgroups never straddle slots (UL >= subgroup size, both powers
   * of two, subgroups laid out by invocation index) */
  uint sg_per_slot = max (p.ul / gl_SubgroupSize, 1u);
  uint sg_in_slot = gl_SubgroupID % sg_per_slot;

  for (uint r = 0u; r < R; r++)
    {
      float s = subgroupAdd (acc[r]);

      if (subgroupElect ())
        part[(slot * R + r) * sg_per_slot + sg_in_slot] = s;
    }
  barrier ();
  if (tid < slots * R)
    {
      uint sl = tid / R, r = tid % R;
      uint row = (wg * slots + sl) * R + r;
      float s = 0.0;

      if (row < p.ne1)
        {
          for (uint k = 0u; k < sg_per_slot; k++)
            s += part[tid * sg_per_slot + k];
          uint o = p.dst_off + t * p.dst_stride + row;

          y[o] = (p.flags & 1u) != 0u ? y[o] + s : s;
        }
    }
}
