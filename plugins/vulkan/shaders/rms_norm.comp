/* SPDX-License-Identifier: Apache-2.0
 *
 * dst = src / sqrt(mean(src^2) + eps) * gamma for every group of `group` elements of a
 * row (the whole row, or one head). One workgroup per group and token; dst may be src.
 * 256 invocations, so that a whole row (one workgroup per token in decode) is a few
 * loads per invocation rather than a long serial walk.
 */
#version 450

#define WG 256u

layout (local_size_x = 256) in;

layout (std430, binding = 0) readonly buffer Src { float x[]; };
layout (std430, binding = 1) readonly buffer Gamma { float gamma[]; };
layout (std430, binding = 3) buffer Dst { float y[]; };

layout (push_constant) uniform Params
{
  uint width;
  uint group;
  float eps;
} p;

shared float red[WG];

void
main ()
{
  uint tid = gl_LocalInvocationID.x;
  uint base = gl_WorkGroupID.y * p.width + gl_WorkGroupID.x * p.group;
  float ss = 0.0, scale;

  for (uint i = tid; i < p.group; i += WG)
    {
      float v = x[base + i];

      ss += v * v;
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
  for (uint i = tid; i < p.group; i += WG)
    y[base + i] = x[base + i] * scale * gamma[i];
}
