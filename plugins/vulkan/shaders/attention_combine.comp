/* SPDX-License-Identifier: Apache-2.0
 *
 * Merges the per-split partials of attention.comp, (max, sum, unnormalised output)
 * each, into one head's output of one token: rescaled to the largest max, summed, and
 * divided by the rescaled sum. One workgroup per (head, token); no shared memory, so
 * every invocation works out the same factors itself.
 */
#version 450

#define WG 64u

layout (local_size_x = 64) in;

layout (std430, binding = 3) writeonly buffer Dst { float y[]; };
layout (std430, binding = 7) readonly buffer Part { float part[]; };

layout (push_constant) uniform Params
{
  uint n_head;
  uint head_dim;
  uint n_split;
} p;

void
main ()
{
  uint h = gl_WorkGroupID.x, t = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
  uint hd = p.head_dim, stride = hd + 2u;
  uint base = (t * p.n_head + h) * p.n_split * stride;
  float m = -3.0e38, l = 0.0;

  for (uint s = 0u; s < p.n_split; s++)
    m = max (m, part[base + s * stride]);
  for (uint s = 0u; s < p.n_split; s++)
    l += part[base + s * stride + 1u] * exp (part[base + s * stride] - m);
  for (uint i = tid; i < hd; i += WG)
    {
      float acc = 0.0;

      for (uint s = 0u; s < p.n_split; s++)
        acc += part[base + s * stride + 2u + i] * exp (part[base + s * stride] - m);
      y[(t * p.n_head + h) * hd + i] = acc / l;
    }
}
