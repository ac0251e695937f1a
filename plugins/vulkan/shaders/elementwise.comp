/* SPDX-License-Identifier: Apache-2.0
 *
 * dst = a + b (mode 0), silu(a) * b (mode 1) or max(a, 0)^2 * b (mode 2) over n
 * elements; dst may be a.
 */
#version 450

layout (local_size_x = 256) in;

layout (std430, binding = 0) readonly buffer A { float a[]; };
layout (std430, binding = 1) readonly buffer B { float b[]; };
layout (std430, binding = 3) writeonly buffer Dst { float y[]; };

layout (push_constant) uniform Params
{
  uint n;
  uint mode;
} p;

void
main ()
{
  uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * 256u
           + gl_LocalInvocationID.x;
  float x, z;

  if (i >= p.n)
    return;
  x = a[i];
  z = b[i];
  if (p.mode == 0u)
    y[i] = x + z;
  else if (p.mode == 1u)
    y[i] = x / (1.0 + exp (-x)) * z;
  else
    y[i] = x > 0.0 ? x * x * z : 0.0;
}
